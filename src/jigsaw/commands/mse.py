"""``jigsaw mse``: estimate the dark figure from overlapping agency lists."""

from __future__ import annotations

import argparse

from jigsaw.errors import InputError

HELP = "estimate how many children no list has caught (multiple systems estimation)"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``mse`` options."""
    parser.add_argument(
        "table", nargs="?", help="capture-history CSV: one 0/1 column per list and 'count'"
    )
    parser.add_argument(
        "--example",
        metavar="NAME",
        help="a table shipped with Jigsaw instead of TABLE.csv: UKdat, Korea, NewOrl_5, ... (jigsaw datasets lists them)",
    )
    parser.add_argument(
        "--records", help="linked records CSV (one row per record) instead of a table"
    )
    parser.add_argument(
        "--list-column",
        default="agency",
        help="column naming the list of each record (default agency)",
    )
    parser.add_argument(
        "--child-column",
        default="child_id",
        help="column with the linked child identifier (default child_id)",
    )
    parser.add_argument(
        "--stratify",
        help="with --records: estimate per value of this column (area, sex, age band) and add up",
    )
    parser.add_argument(
        "--method", default="stepwise", choices=["stepwise", "aic", "bic", "main", "fixed"]
    )
    parser.add_argument(
        "--pthresh", type=float, help="p-value threshold (stepwise default 0.02, aic default 0.05)"
    )
    parser.add_argument(
        "--max-order",
        type=int,
        default=2,
        help="highest interaction order for --method bic (default 2)",
    )
    parser.add_argument("--terms", help="interactions for --method fixed, e.g. LA:NG,NG:GO")
    parser.add_argument("--ci", default="wald", choices=["wald", "profile", "bca"])
    parser.add_argument(
        "--level", type=float, default=0.95, help="confidence level as a fraction (default 0.95)"
    )
    parser.add_argument(
        "--boot", type=int, default=1000, help="bootstrap resamples for --ci bca (default 1000)"
    )
    parser.add_argument(
        "--seed", type=int, default=1234, help="random seed for --ci bca (default 1234)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        help="processes for the --ci bca bootstrap (default every core given)",
    )
    parser.add_argument(
        "--ntop", type=int, help="--method bic with --ci bca: re-select among this many best models"
    )
    parser.add_argument(
        "--sensitivity",
        action="store_true",
        help="also show the estimate under each method and with lists merged",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _fmt(value: float) -> str:
    return f"{value:,.0f}"


def run(args: argparse.Namespace) -> int:
    """Run the estimate and print it; bad input raises InputError naming file, row and column."""
    import json
    import math
    from pathlib import Path

    from jigsaw.datasets.csvfile import read_text_csv
    from jigsaw.datasets.shipped import mse_example
    from jigsaw.stats.mse import estimate, read_table, sensitivity, stratified, table_from_records

    if sum(map(bool, (args.table, args.example, args.records))) != 1:
        raise InputError("give one of TABLE.csv, --example NAME or --records LINKED.csv")
    if args.example:
        args.table = mse_example(args.example)
    terms = [t.strip() for t in args.terms.split(",") if t.strip()] if args.terms else None
    options = dict(
        ci=args.ci,
        level=args.level,
        pthresh=args.pthresh,
        max_order=args.max_order,
        terms=terms,
        boot=args.boot,
        seed=args.seed,
        ntop=args.ntop,
        workers=args.workers,
    )
    if args.records:
        path = Path(args.records)
        records = read_text_csv(path)
        if args.stratify:
            frame = stratified(
                records,
                args.stratify,
                list_column=args.list_column,
                child_column=args.child_column,
                method=args.method,
                **options,
            )
            if args.json:
                print(frame.to_json(orient="records"))
            else:
                print(frame.to_string(index=False))
            return 0
        table = table_from_records(
            records, list_column=args.list_column, child_column=args.child_column, source=str(path)
        )
    else:
        table = read_table(args.table)
    result = estimate(table, args.method, **options)
    sens = sensitivity(table) if args.sensitivity else None
    if args.json:
        out = result.to_dict()
        out["terms"] = ",".join(result.terms)
        out["terms_list"] = list(result.terms)
        for key in ("dark_figure", "total", "ci_low", "ci_high", "bic", "aic"):
            if not math.isfinite(out[key]):
                out[key] = None
        if sens is not None:
            out["sensitivity"] = json.loads(sens.to_json(orient="records"))
        print(json.dumps(out))
        return 0
    d = result.diagnostics
    print(f"Lists: {', '.join(table.lists)} ({table.observed:,} children on at least one list)")
    print(
        f"Model: {args.method} -> {' '.join(result.terms) or 'main effects only'} ({result.search})"
    )
    print(
        f"Dark figure: {_fmt(result.dark_figure)}   Total: {_fmt(result.total)}   "
        f"{result.level:.0%} {result.ci} interval: {_fmt(result.ci_low)} to {_fmt(result.ci_high)}"
    )
    if d.neg_inf_terms:
        print(
            f"Pairs that never overlap (interaction -inf): {' '.join(d.neg_inf_terms)}; "
            f"cells dropped: {' '.join(d.dropped_cells)}"
        )
    if d.failed_resamples:
        print(f"Bootstrap resamples with no estimable model (left out): {d.failed_resamples}")
    if sens is not None:
        print()
        print(sens.to_string(index=False, float_format=lambda v: f"{v:,.0f}"))
    return 0

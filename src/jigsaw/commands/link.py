"""``jigsaw link``: link agencies' records about children into one child each (Splink)."""

from __future__ import annotations

import argparse
import os
import sys
import time

from jigsaw.errors import InputError

HELP = "link agencies' records into children (RECORDS.csv -> CLUSTERS.csv, REVIEW.csv)"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the command's arguments."""
    parser.add_argument(
        "records",
        metavar="RECORDS.csv",
        help="record_id, agency, first_name, last_name, dob, sex, postcode, nhs_number",
    )
    parser.add_argument(
        "--out",
        required=True,
        metavar="CLUSTERS.csv",
        help="written: record_id, child_id, confidence",
    )
    parser.add_argument(
        "--review", metavar="REVIEW.csv", help="written: uncertain pairs with their explanation"
    )
    parser.add_argument(
        "--problems", metavar="PROBLEMS.csv", help="written: values not used, with row and reason"
    )
    parser.add_argument(
        "--decided",
        metavar="DECIDED.csv",
        help="written: review pairs the children's other records decide (no link), with the reason",
    )
    parser.add_argument("--backend", choices=("duckdb", "spark"), default="duckdb")
    parser.add_argument(
        "--model",
        metavar="MODEL.json",
        help="model to link with, or with --train to start from (default: the one shipped)",
    )
    parser.add_argument(
        "--train",
        metavar="FITTED.json",
        help="first fit the model to these records (no labels; falls back to the starting "
        "model when training fails, and says so) and write it here, with its training summary",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress messages")


def run(args: argparse.Namespace) -> int:
    """Link the records and write the outputs; return 0, or 2 for bad input."""
    from dataclasses import replace

    import pandas as pd

    from jigsaw.datasets.csvfile import read_text_csv, write_csv
    from jigsaw.linkage import RECORD_COLUMNS, Model, link_records

    start = time.perf_counter()

    def progress(message: str) -> None:
        if not args.quiet:
            print(f"[{time.perf_counter() - start:7.1f}s] {message}", file=sys.stderr, flush=True)

    # Check where the outputs go before a run that may take minutes, so a bad path neither wastes
    # it nor leaves CLUSTERS.csv written without the REVIEW.csv asked for.
    for option, path in (
        ("--out", args.out),
        ("--review", args.review),
        ("--problems", args.problems),
        ("--train", args.train),
        ("--decided", args.decided),
    ):
        if path is not None:
            folder = os.path.dirname(os.path.abspath(path))
            if not os.path.isdir(folder):
                raise InputError(f"{option} {path}: folder {folder} does not exist")
    records = read_text_csv(args.records, blanks_as_missing=True)
    missing = [c for c in RECORD_COLUMNS if c not in records.columns]
    if missing:
        raise InputError(f"{args.records}: missing column(s) {', '.join(missing)}")
    model = Model.load(args.model) if args.model else Model.default()
    progress(
        f"model {model.version}; link above {model.link_threshold}, review above {model.review_threshold}"
    )
    run_ = link_records(
        records,
        model=model,
        train=bool(args.train),
        source=args.records,
        backend=args.backend,
        progress=progress,
    )
    result, fitted = run_.result, run_.fitted
    if args.train and fitted is not None:
        # Written whether or not training succeeded: the file always holds the model this run
        # used, and its notes say which it is and why.
        used = (
            fitted.model
            if fitted.trained
            else replace(fitted.model, notes={**fitted.model.notes, "training": fitted.summary})
        )
        used.save(args.train)
        progress(
            f"wrote {args.train}: model {used.version}"
            + ("" if fitted.trained else " (not trained: see notes)")
        )
    for problem in result.problems[:20]:
        print(f"{args.records}: {problem}", file=sys.stderr)
    if len(result.problems) > 20:
        print(
            f"{args.records}: ... and {len(result.problems) - 20} more problems (all in --problems)",
            file=sys.stderr,
        )
    # Atomic writes: a failed run never leaves half a file. Agencies' values are made inert for
    # spreadsheets (a name "=HYPERLINK(...)" is shown, not run).
    write_csv(result.clusters, args.out)
    if args.review:
        write_csv(result.review, args.review)
    if args.decided:
        write_csv(run_.decided, args.decided)
    if args.problems:
        write_csv(
            pd.DataFrame(
                [vars(p) for p in result.problems],
                columns=["row", "record_id", "field", "value", "reason"],
            ),
            args.problems,
        )
    progress(f"wrote {args.out}: {len(result.clusters):,} records, {result.children:,} children")
    return 0

"""``jigsaw oversight``: the national report, or the same comparison for any set of areas."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jigsaw.oversight import AreaComparison

from jigsaw.errors import InputError

HELP = "Compare identified CSE with statistical neighbours: the national report or any areas' CSV."


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``jigsaw oversight``."""
    parser.add_argument(
        "--year",
        type=int,
        default=None,
        help="CIN reporting year of the national report (2018-2025; default 2025)",
    )
    parser.add_argument(
        "--areas",
        metavar="AREAS.csv",
        type=Path,
        help="analyse these areas instead: area_code, area_name, children, identified, x_* covariates",
    )
    parser.add_argument(
        "--returns",
        metavar="DIR",
        type=Path,
        help="compare the partnerships' returns in this folder (*.csv or */return.csv) "
        "instead of the published data",
    )
    parser.add_argument(
        "--neighbours",
        metavar="FILE",
        type=Path,
        help="with --areas: neighbour pairs (area_code, neighbour_code) instead of kNN on x_*",
    )
    parser.add_argument(
        "--k",
        type=int,
        default=10,
        help="with --areas and no --neighbours: neighbours per area (default 10)",
    )
    parser.add_argument(
        "--out",
        required=True,
        type=Path,
        help="folder for index.html and areas.csv (national, --returns), or RESULT.csv (--areas)",
    )
    parser.add_argument(
        "--linked",
        metavar="LINKED.csv",
        type=Path,
        help="linked records (one row per child per agency list) for the dark-figure section",
    )
    parser.add_argument(
        "--list-column",
        default="agency",
        help="column of --linked naming the list (default agency)",
    )
    parser.add_argument(
        "--child-column",
        default="child_id",
        help="column of --linked naming the child (default child_id)",
    )


def run(args: argparse.Namespace) -> int:
    """Build the report or the result file; return 0, or raise ValueError for bad input."""
    if getattr(args, "returns", None) is not None:
        if args.areas is not None or args.year is not None or args.linked is not None:
            raise InputError(
                "--returns compares partnerships' returns: give it without --areas, --year or --linked"
            )
        if args.neighbours is not None:
            raise InputError(
                "--neighbours applies only with --areas (--returns uses DfE neighbours)"
            )
        return _run_returns(args)
    if args.areas is not None:
        if args.year is not None:
            raise InputError("give --year (the national report) or --areas, not both")
        if args.linked is not None:
            raise InputError(
                "--linked adds a section to the national report; it does not apply to --areas"
            )
        return _run_areas(args)
    if args.neighbours is not None:
        raise InputError("--neighbours applies only with --areas")
    from jigsaw.report.national import build_national_report

    dark = _dark_figure(args) if args.linked is not None else None
    summary = build_national_report(args.year or 2025, args.out, dark_figure_html=dark)
    for line in summary.lines():
        print(line)
    print(f"Wrote {args.out / 'index.html'} and {args.out / 'areas.csv'}")
    return 0


def _run_areas(args: argparse.Namespace) -> int:
    from jigsaw.datasets.csvfile import write_atomic
    from jigsaw.oversight import (
        analyse_areas,
        neighbours_from_covariates,
        read_areas,
        read_neighbours,
    )
    from jigsaw.report.published import result_csv

    areas = read_areas(args.areas)
    if args.neighbours is not None:
        neighbours = read_neighbours(args.neighbours, list(areas["area_code"]))
    else:
        neighbours = neighbours_from_covariates(areas, k=args.k)
    comparison = analyse_areas(areas, neighbours)
    if args.out.is_dir():
        raise InputError(f"{args.out}: is a folder; with --areas, --out names the result CSV file")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(args.out, result_csv(comparison.table))
    for line in _headline(comparison):
        print(line)
    print(f"Wrote {args.out}", file=sys.stdout)
    return 0


def _headline(comparison: AreaComparison) -> list[str]:
    """What the areas run prints: the flags and the shortfall total, as published."""
    from jigsaw.disclosure import SUPPRESSED

    total = comparison.total
    flagged = total.flagged + total.left_out
    lines = [
        f"{flagged} of {comparison.compared} areas identified fewer than their peers; "
        f"shortfall across {'them' if not total.left_out else f'the {total.flagged} with counts shown'} "
        f"{total.shortfall:,.0f} (95% interval {total.lower:,.0f} to {total.upper:,.0f})."
    ]
    if total.left_out:
        # The total with such an area in it, less the others' shortfalls, would be its own
        # expected count minus its count: the count would be given back.
        lines.append(
            f"{total.left_out} flagged area(s) with a count of {SUPPRESSED} are left out "
            f"of the total, so it cannot reveal their counts."
        )
    return lines


def _dark_figure(args: argparse.Namespace) -> str:
    from jigsaw.datasets.csvfile import read_text_csv
    from jigsaw.report.dark_figure import dark_figure_section

    records = read_text_csv(args.linked)
    for column in (args.list_column, args.child_column):
        if column not in records.columns:
            raise InputError(f"{args.linked}: missing column {column}")
    return dark_figure_section(
        records, list_column=args.list_column, child_column=args.child_column
    )


def _run_returns(args: argparse.Namespace) -> int:
    """``--returns DIR``: read and check every return, compare the areas, write the outputs."""
    from jigsaw.datasets.csvfile import write_atomic, write_csv
    from jigsaw.oversight.returns import compare_returns, read_returns
    from jigsaw.report.published import result_csv
    from jigsaw.report.returns import returns_page

    returns = read_returns(args.returns)
    result = compare_returns(returns, k=args.k)
    if args.out.exists() and not args.out.is_dir():
        raise InputError(f"{args.out}: is a file; with --returns, --out names a folder")
    args.out.mkdir(parents=True, exist_ok=True)
    write_atomic(args.out / "areas.csv", result_csv(result.comparison.table))
    write_csv(result.partnerships, args.out / "partnerships.csv", lineterminator="\n")
    write_atomic(args.out / "index.html", returns_page(result))
    dfe = int((result.partnerships["peers"] == "DfE statistical neighbours").sum())
    print(
        f"{len(returns)} returns for {result.period_start} to {result.period_end}; "
        f"{dfe} areas compared with their DfE neighbours that returned, "
        f"{len(returns) - dfe} with their nearest returned areas on covariates."
    )
    for line in _headline(result.comparison):
        print(line)
    print(
        f"Wrote {args.out / 'index.html'}, {args.out / 'areas.csv'} and {args.out / 'partnerships.csv'}"
    )
    return 0

"""``jigsaw groups``: children connected through the people, vehicles, phones, accounts and places
recorded around them (MENTIONS.csv -> groups, entities, evidence, review)."""

from __future__ import annotations

import argparse
import os
import sys
import time

HELP = "connect children through shared people, vehicles, phones, accounts and places (MENTIONS.csv -> DIR)"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the command's arguments."""
    parser.add_argument(
        "mentions",
        metavar="MENTIONS.csv",
        help="mention_id, child_id, agency, date, kind, value (kind: person, vehicle, phone, online, place)",
    )
    parser.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="folder for groups.csv, entities.csv, evidence.csv and review.csv",
    )
    parser.add_argument(
        "--window-days",
        type=int,
        default=None,
        help="longest gap between two children's mentions of one entity (365)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress messages")


def run(args: argparse.Namespace) -> int:
    """Read the mentions, find the groups and write the four files; 0, or 2 for bad input."""
    from jigsaw.connect import Settings, find_groups, read_mentions
    from jigsaw.datasets.csvfile import write_csv
    from jigsaw.errors import InputError

    start = time.perf_counter()

    def progress(message: str) -> None:
        if not args.quiet:
            print(f"[{time.perf_counter() - start:6.1f}s] {message}", file=sys.stderr, flush=True)

    if os.path.exists(args.out) and not os.path.isdir(args.out):
        raise InputError(f"--out {args.out}: is a file, not a folder")
    settings = Settings() if args.window_days is None else Settings(window_days=args.window_days)
    mentions = read_mentions(args.mentions)
    progress(f"read {len(mentions):,} mentions of {mentions['child_id'].nunique():,} children")
    result = find_groups(mentions, settings)
    os.makedirs(args.out, exist_ok=True)
    # Each file atomically (beside its name, then renamed), with spreadsheet formulas made inert.
    write_csv(result.groups, os.path.join(args.out, "groups.csv"))
    write_csv(result.entities, os.path.join(args.out, "entities.csv"))
    write_csv(result.evidence, os.path.join(args.out, "evidence.csv"))
    write_csv(result.review, os.path.join(args.out, "review.csv"))
    groups = result.groups["group_id"].nunique()
    print(
        f"wrote {args.out}: {groups:,} groups of {len(result.groups):,} children, "
        f"{len(result.entities):,} entities, {len(result.review):,} person matches to review"
    )
    progress("done")
    return 0

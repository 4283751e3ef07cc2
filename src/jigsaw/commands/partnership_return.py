"""``jigsaw partnership-return``: a partnership's return for a period, from the configured database."""

from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path

from jigsaw.errors import InputError

HELP = (
    "write a partnership's return (return.csv, return.xlsx, return.html) for a period from the "
    "configured database (JIGSAW_DATABASE_URL, as jigsaw serve)"
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--area", required=True, metavar="CODE", help="the area's code, e.g. E06000015"
    )
    parser.add_argument(
        "--period",
        required=True,
        metavar="START:END",
        help="first and last day, both included, as YYYY-MM-DD:YYYY-MM-DD",
    )
    parser.add_argument(
        "--out", required=True, metavar="DIR", help="folder to write the three files into"
    )
    parser.add_argument(
        "--dashboard",
        action="store_true",
        help="also compute today's dashboard snapshot (the last twelve months), so that "
        "the first view of the day is served at once: run nightly on a schedule",
    )


def parse_period(text: str) -> tuple[dt.date, dt.date]:
    """``START:END`` as two dates.

    >>> parse_period("2025-04-01:2026-03-31")
    (datetime.date(2025, 4, 1), datetime.date(2026, 3, 31))
    """
    first, sep, last = text.partition(":")
    try:
        if not sep:
            raise ValueError("no ':' between the start and the end")
        start, end = dt.date.fromisoformat(first.strip()), dt.date.fromisoformat(last.strip())
    except ValueError as error:
        raise InputError(
            f"--period {text!r}: give START:END as YYYY-MM-DD:YYYY-MM-DD ({error})"
        ) from error
    if end < start:
        raise InputError(f"--period {text!r}: the end is before the start")
    return start, end


def write(
    area_code: str,
    start: dt.date,
    end: dt.date,
    out: Path,
    *,
    today: dt.date | None = None,
    dashboard: bool = False,
) -> int:
    """Write the area's return from the database Django is set up with (the same figures as the
    dashboard's snapshot for ``today``, computed and kept if not yet made)."""
    from django.utils import timezone

    from jigsaw.oversight.returns import write_return
    from jigsaw.web.accounts.models import Area
    from jigsaw.web.oversight.dashboard import default_period, return_of, return_snapshot

    today = today or timezone.localdate()
    if end >= today:
        raise InputError(
            f"--period: the end {end} must be before today ({today}): records made "
            "today are counted from tomorrow"
        )
    area = Area.objects.filter(code=area_code).first()
    if area is None:
        known = ", ".join(Area.objects.order_by("code").values_list("code", flat=True)) or "none"
        raise InputError(f"--area {area_code!r}: no such area in the database (areas: {known})")
    paths = write_return(return_of(return_snapshot(area, today, start, end)), out)
    if dashboard:
        return_snapshot(area, today, *default_period(today))
    for path in paths:
        print(path)
    return 0


def run(args: argparse.Namespace) -> int:
    start, end = parse_period(args.period)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jigsaw.web.settings")
    import django

    django.setup()
    return write(args.area, start, end, Path(args.out), dashboard=args.dashboard)

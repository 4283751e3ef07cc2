"""``jigsaw dashboard-refresh``: compute the day's partnership dashboards ahead of the first view."""

from __future__ import annotations

import argparse
import os

HELP = (
    "compute and keep today's partnership dashboard figures (the last twelve months) for every "
    "area in the configured database (JIGSAW_DATABASE_URL, as jigsaw serve), so that no page "
    "waits for them: run nightly on a schedule, after midnight"
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--area",
        action="append",
        default=[],
        metavar="CODE",
        help="only this area (give it more than once for several); default every area",
    )


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jigsaw.web.settings")
    import django

    django.setup()
    from django.utils import timezone

    from jigsaw.errors import InputError
    from jigsaw.web.accounts.models import Area
    from jigsaw.web.oversight.dashboard import snapshots_refresh

    areas = None
    if args.area:
        areas = list(Area.objects.filter(code__in=args.area).order_by("code"))
        missing = sorted(set(args.area) - {a.code for a in areas})
        if missing:
            raise InputError(f"--area {', '.join(missing)}: no such area in the database")
    done = snapshots_refresh(timezone.localdate(), areas=areas, log=print)
    # An area that could not be computed is the administrator's to put right (its population).
    return 1 if any(v.startswith("not computed") for v in done.values()) else 0

"""``jigsaw referrals sweep``: escalate what is late, on a schedule, from the configured database.

Queues also sweep when someone opens them; this command makes escalation happen when nobody is
looking (nights, weekends): a systemd timer runs it every few minutes (docs/deploy.md).
"""

from __future__ import annotations

import argparse
import os

from jigsaw.errors import InputError

HELP = (
    "the workflow's scheduled work: 'sweep' escalates breached referral clocks, overdue actions "
    "and overdue reviews (once each; safe to run as often as you like) in the configured "
    "database (JIGSAW_DATABASE_URL, as jigsaw serve)"
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("task", choices=["sweep"], help="what to do: sweep")
    parser.add_argument(
        "--area",
        metavar="CODE",
        help="only this area's referrals, e.g. E06000015 (default: every area)",
    )


def sweep(area_code: str | None = None) -> int:
    """Escalate what is late in one area (or all), each escalation audited and put first on the
    owner agency's safeguarding lead's and the MASH's queues; something already escalated is not
    escalated again. Prints and returns how many were escalated now."""
    from jigsaw.web.accounts.models import Area
    from jigsaw.web.referrals.services import clocks_sweep

    area_id = None
    if area_code is not None:
        area = Area.objects.filter(code=area_code).first()
        if area is None:
            known = ", ".join(Area.objects.order_by("code").values_list("code", flat=True))
            raise InputError(
                f"--area {area_code!r}: no such area in the database (areas: {known or 'none'})"
            )
        area_id = area.pk
    escalated = clocks_sweep(area_id=area_id)
    print(f"escalated {escalated}")
    return escalated


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jigsaw.web.settings")
    import django

    django.setup()
    sweep(args.area)
    return 0

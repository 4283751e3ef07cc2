"""``jigsaw linkage-retrain``: retrain the areas' linkage models whose schedule is due."""

from __future__ import annotations

import argparse
import os

HELP = (
    "retrain the linkage model of every area whose schedule (set on the administrator's "
    "linkage model page) is due, in the configured database (JIGSAW_DATABASE_URL, as jigsaw "
    "serve): run it from a timer, hourly or daily; nothing is trained when nothing is due"
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--area",
        action="append",
        default=[],
        metavar="CODE",
        help="only this area (give it more than once for several); default every area",
    )
    parser.add_argument("--now", action="store_true", help="retrain the --area areas now")


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jigsaw.web.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from jigsaw.errors import InputError

    # The management command is the one implementation; this is its name on the jigsaw CLI.
    try:
        call_command("linkage_retrain", area=args.area, now=args.now)
    except CommandError as error:
        raise InputError(str(error)) from None
    return 0

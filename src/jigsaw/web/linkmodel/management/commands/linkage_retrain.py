"""Retrain the linkage model of every area whose schedule is due (run it from a timer: it trains
nothing when nothing is due, so running it often does no harm)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from jigsaw.web.accounts.models import Area
from jigsaw.web.linkmodel.services import linkage_retrain, linkage_retrain_due


class Command(BaseCommand):
    help = "Retrain each area's linkage model whose schedule is due (or one area now, with --now)"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--area", action="append", default=[], help="only this area's code (repeatable)"
        )
        parser.add_argument(
            "--now", action="store_true", help="retrain the --area areas now, due or not"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        codes = options["area"]
        known = set(Area.objects.filter(code__in=codes).values_list("code", flat=True))
        missing = sorted(set(codes) - known)
        if missing:
            raise CommandError(f"--area {', '.join(missing)}: no such area in the database")
        if options["now"]:
            if not codes:
                raise CommandError("--now needs --area: which areas to retrain")
            for area in Area.objects.filter(code__in=codes).order_by("code"):
                one = linkage_retrain(actor=None, area=area, by_schedule=True)
                self.stdout.write(f"{area.code}: {one.message}")
            return
        done = linkage_retrain_due(area_codes=codes or None, log=self.stdout.write)
        if not done:
            self.stdout.write("no area's retraining is due")

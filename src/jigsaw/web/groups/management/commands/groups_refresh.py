"""Connect each area's children again through their mentions (after a bulk import, or on a
schedule if connecting on every saved concern is turned off)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from jigsaw.web.accounts.models import Area
from jigsaw.web.groups.services import groups_refresh


class Command(BaseCommand):
    help = "Connect each area's children through the people, vehicles, phones and places recorded"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--area", help="the area's code (default: every area)")

    def handle(self, *args: Any, **options: Any) -> None:
        areas = Area.objects.order_by("code")
        if options.get("area"):
            areas = areas.filter(code=options["area"])
        for area in areas:
            done = groups_refresh(area_id=area.pk)
            self.stdout.write(
                f"{area.code}: {done.mentions} mentions, {done.groups} groups "
                f"({done.new_groups} new), {done.tasks} reviews raised, {done.merges} person "
                f"matches to decide, in {done.seconds:.2f} s"
            )

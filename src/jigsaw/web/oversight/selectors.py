"""Aggregates for partnership leads: counts only, small counts suppressed."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count

from jigsaw.screening import Grade
from jigsaw.web.access import Actor, may_see_aggregates
from jigsaw.web.accounts.models import AgencyKind
from jigsaw.web.accounts.selectors import profile_of
from jigsaw.web.audit.models import EventType
from jigsaw.web.audit.services import audit_record
from jigsaw.web.children.models import Child
from jigsaw.web.concerns.models import Concern

SUPPRESS_BELOW = 5


def suppressed(count: int) -> str:
    """Return a count as text, ``"<5"`` when it is 1 to 4 (zero is not disclosive and is shown).

    Small counts could identify a child; official statistics suppress them the same way.
    """
    return "<5" if 0 < count < SUPPRESS_BELOW else str(count)


@dataclasses.dataclass(frozen=True)
class AreaAggregates:
    area: str
    children_by_grade: list[tuple[str, str]]
    concerns_by_agency: list[tuple[str, str]]
    since: dt.date


def area_aggregates_for(*, user, today: dt.date) -> AreaAggregates:
    """Return the partnership lead's area's counts, suppressed; no child-level data.

    Raises
    ------
    PermissionDenied
        Unless the user is a partnership lead.
    """
    profile = profile_of(user)
    if profile is None or not may_see_aggregates(Actor.of(user), area_id=profile.area_id):
        raise PermissionDenied("only partnership leads see the aggregates")
    since = today - dt.timedelta(days=365)
    with transaction.atomic():
        audit_record(actor=user, event_type=EventType.AGGREGATES_VIEWED, subject=profile.area)
        grades = dict(
            Child.objects.filter(area_id=profile.area_id, links__isnull=False)
            .values_list("grade_level")
            .annotate(n=Count("id", distinct=True))
        )
        agencies = dict(
            Concern.objects.filter(record__agency__area_id=profile.area_id, seen_on__gte=since)
            .values_list("record__agency__kind")
            .annotate(n=Count("id"))
        )
    return AreaAggregates(
        area=profile.area.name,
        children_by_grade=[
            (label, suppressed(grades.get(value, 0)))
            for value, label in reversed(Grade.choices())
        ],
        concerns_by_agency=[
            (label, suppressed(agencies.get(value, 0))) for value, label in AgencyKind.choices
        ],
        since=since,
    )

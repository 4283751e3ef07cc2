"""Aggregates for partnership leads: counts only, from a daily snapshot, small counts suppressed.

The counts follow :mod:`jigsaw.disclosure` (0 to 4 shown as "<5"). They are served from a
:class:`~jigsaw.web.oversight.models.FiguresSnapshot` computed once a day (:data:`REFRESH`), from
the concerns recorded before that day began: live counts would let anyone who reloads the page
around one concern see its agency and its child's grade.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from jigsaw import disclosure
from jigsaw.screening import Grade
from jigsaw.web.access import Actor, may_see_aggregates
from jigsaw.web.accounts.models import AgencyKind, Area
from jigsaw.web.accounts.selectors import profile_of
from jigsaw.web.audit.models import EventType
from jigsaw.web.audit.services import audit_record
from jigsaw.web.children.models import Child
from jigsaw.web.concerns.models import Concern
from jigsaw.web.oversight.models import FiguresSnapshot

#: How often the figures change: one snapshot per area per day, counting whole days.
REFRESH = "daily, counting concerns recorded before the day began"


@dataclasses.dataclass(frozen=True)
class AreaAggregates:
    area: str
    children_by_grade: list[tuple[str, str]]
    concerns_by_agency: list[tuple[str, str]]
    since: dt.date
    as_of: dt.date


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _count(area: Area, as_of: dt.date) -> dict[str, dict[str, int]]:
    """Exact counts for the snapshot: only what existed before ``as_of`` began."""
    cutoff = _start_of(as_of)
    since = as_of - dt.timedelta(days=365)
    grades = dict(
        Child.objects.filter(area_id=area.pk, links__isnull=False, created_at__lt=cutoff)
        .values_list("grade_level")
        .annotate(n=Count("id", distinct=True))
    )
    agencies = dict(
        Concern.objects.filter(
            record__agency__area_id=area.pk, seen_on__gte=since, recorded_at__lt=cutoff
        )
        .values_list("record__agency__kind")
        .annotate(n=Count("id"))
    )
    return {"children_by_grade": grades, "concerns_by_agency": agencies}


def figures_snapshot(area: Area, as_of: dt.date) -> FiguresSnapshot:
    """The area's snapshot for ``as_of``: the one stored, else computed now and stored for good."""
    found = FiguresSnapshot.objects.filter(area=area, as_of=as_of).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return FiguresSnapshot.objects.create(
                area=area, as_of=as_of, computed_at=timezone.now(), **_count(area, as_of)
            )
    except IntegrityError:
        # Another request stored the day's snapshot first: serve that one, so everyone sees the same.
        return FiguresSnapshot.objects.get(area=area, as_of=as_of)


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
    with transaction.atomic():
        audit_record(actor=user, event_type=EventType.AGGREGATES_VIEWED, subject=profile.area)
        snapshot = figures_snapshot(profile.area, today)
    grades, agencies = snapshot.children_by_grade, snapshot.concerns_by_agency
    return AreaAggregates(
        area=profile.area.name,
        children_by_grade=[
            (label, disclosure.count_text(grades.get(value, 0)))
            for value, label in reversed(Grade.choices())
        ],
        concerns_by_agency=[
            (label, disclosure.count_text(agencies.get(value, 0)))
            for value, label in AgencyKind.choices
        ],
        since=today - dt.timedelta(days=365),
        as_of=today,
    )

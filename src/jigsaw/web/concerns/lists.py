"""The concerns lists: a practitioner's own, a safeguarding lead's agency's (``access.concern_list_scope``)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Case, Exists, OuterRef, QuerySet, Value, When

from jigsaw.screening import Grade
from jigsaw.web.access import Actor, concern_list_scope
from jigsaw.web.children.models import ACTIVE_LINK_STATUSES, Link
from jigsaw.web.concerns.models import AddendumKind, Concern, ConcernAddendum

if TYPE_CHECKING:
    from django.contrib.auth.models import User

CONCERN_SORTS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "seen": ("Date seen, newest first", ("-seen_on", "-id")),
    "seen_oldest": ("Date seen, oldest first", ("seen_on", "id")),
    "grade": ("Highest grade", None),
    "recorded": ("Recorded, newest first", ("-recorded_at", "-id")),
}
STATUSES = {"active": "Counting", "corrected": "Corrected", "withdrawn": "Withdrawn"}


def concerns_listed_for(
    *,
    user: User,
    grade: str = "",
    status: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
    sort: str = "seen",
) -> tuple[str, QuerySet[Concern]]:
    """Return which list this is (``"author"`` or ``"agency"``) and its concerns, filtered and
    sorted; an empty list for roles without one. Each concern carries ``child_id`` (its
    record's active link), ``withdrawn`` and ``corrected``."""
    scope = concern_list_scope(Actor.of(user))
    if scope is None:
        return "", Concern.objects.none()
    kind, key = scope
    concerns = Concern.objects.select_related("record__agency", "recorded_by")
    concerns = (
        concerns.filter(record__agency_id=key)
        if kind == "agency"
        else concerns.filter(recorded_by_id=key)
    )
    addenda = ConcernAddendum.objects.filter(concern=OuterRef("pk"))
    active = Link.objects.filter(record=OuterRef("record"), status__in=ACTIVE_LINK_STATUSES)
    concerns = concerns.annotate(
        withdrawn=Exists(addenda.filter(kind=AddendumKind.WITHDRAWAL)),
        corrected=Exists(addenda.filter(kind=AddendumKind.CORRECTION)),
        child_id=active.values("child_id")[:1],
    )
    if grade in {g.value for g in Grade}:
        concerns = concerns.filter(grade_level=grade)
    if status == "withdrawn":
        concerns = concerns.filter(withdrawn=True)
    elif status == "corrected":
        concerns = concerns.filter(corrected=True, withdrawn=False)
    elif status == "active":
        concerns = concerns.filter(withdrawn=False)
    if since:
        concerns = concerns.filter(seen_on__gte=since)
    if until:
        concerns = concerns.filter(seen_on__lte=until)
    order = CONCERN_SORTS.get(sort, CONCERN_SORTS["seen"])[1]
    if order is None:
        rank = Case(
            *(When(grade_level=g.value, then=Value(g.rank)) for g in Grade), default=Value(0)
        )
        return kind, concerns.order_by(rank.desc(), "-seen_on", "-id")
    return kind, concerns.order_by(*order)

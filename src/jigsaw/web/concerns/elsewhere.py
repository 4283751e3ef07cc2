"""Children who may be known to another partnership too.

Children cross borders (placements out of area, exploitation across local authorities), but a
link never does. When the linkage engine strongly matches a new record to a child of another
area, the record is linked only within its own area, and its area's MASH is told that the
other partnership may know the child and whom to contact there: that area's name and its MASH
contact, nothing else (not its records, its child, its grades or even whether it has concerns).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.db import transaction
from django.utils import timezone

from jigsaw.web.access import Actor, may_see_other_area_matches
from jigsaw.web.accounts.selectors import profile_of
from jigsaw.web.audit.models import EventType
from jigsaw.web.audit.services import audit_record
from jigsaw.web.children.models import ACTIVE_LINK_STATUSES, AgencyRecord, Child
from jigsaw.web.concerns.models import OtherAreaMatch


def matches_by_area(matches: list[Any], area_id: int) -> tuple[list[Any], list[int]]:
    """Split the engine's matches into those of ``area_id``'s children (the only candidates
    for a link) and the other areas holding a child it strongly matched (``link``)."""
    child_areas = dict(
        Child.objects.filter(pk__in=[int(m.child_id) for m in matches]).values_list("pk", "area_id")
    )
    own = [m for m in matches if child_areas.get(int(m.child_id)) == area_id]
    elsewhere = sorted(
        {
            child_areas[int(m.child_id)]
            for m in matches
            if m.decision == "link" and child_areas.get(int(m.child_id)) not in (None, area_id)
        }
    )
    return own, elsewhere


def other_area_match_record(*, actor: Any, record: AgencyRecord, area_ids: list[int]) -> int:
    """Note, for the record's area's MASH, each other area that may know its child (inside the
    caller's transaction); return how many were noted."""
    if not area_ids:
        return 0
    now = timezone.now()
    for area_id in area_ids:
        OtherAreaMatch.objects.get_or_create(
            record=record,
            other_area_id=area_id,
            defaults={"area_id": record.agency.area_id, "found_at": now},
        )
    audit_record(
        actor=actor,
        event_type=EventType.OTHER_AREA_MATCH,
        subject=record,
        extra={"other_areas": [str(a) for a in area_ids]},
    )
    return len(area_ids)


@dataclasses.dataclass(frozen=True)
class OtherAreaNotice:
    """One of the MASH's own children, which another partnership may know: whom to call."""

    child_id: int | None
    record: AgencyRecord
    other_area: str
    contact: str
    found_at: Any


def other_area_notices_for(user: Any, *, limit: int = 100) -> list[OtherAreaNotice]:
    """Return the MASH analyst's area's children another partnership may know, newest first
    (the list shown is audited). Empty for anyone else."""
    profile = profile_of(user)
    if profile is None or not may_see_other_area_matches(Actor.of(user), area_id=profile.area_id):
        return []
    rows = list(
        OtherAreaMatch.objects.filter(
            area_id=profile.area_id, record__agency__area_id=profile.area_id
        ).select_related("record__agency", "other_area")[:limit]
    )
    children = {
        record_id: child_id
        for record_id, child_id in AgencyRecord.objects.filter(
            pk__in=[r.record_id for r in rows],
            links__status__in=ACTIVE_LINK_STATUSES,
            links__child__area_id=profile.area_id,
        ).values_list("pk", "links__child_id")
    }
    notices = [
        OtherAreaNotice(
            child_id=children.get(row.record_id),
            record=row.record,
            other_area=row.other_area.name,
            contact=row.other_area.mash_contact
            or "no MASH contact configured: ask its administrator to add one",
            found_at=row.found_at,
        )
        for row in rows
    ]
    with transaction.atomic():
        audit_record(
            actor=user,
            event_type=EventType.CHILDREN_LISTED,
            extra={
                "purpose": "children another partnership may know",
                "children": [n.child_id for n in notices],
                "records": [n.record.record_id for n in notices],
            },
        )
    return notices

"""What the API reads: an agency's own concerns with their status, never another agency's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet

from jigsaw.web.access import Actor, may_read_concern_status
from jigsaw.web.audit.models import EventType
from jigsaw.web.audit.services import audit_record
from jigsaw.web.concerns.models import Concern

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def referral_status_of(concern: Concern) -> dict[str, object] | None:
    """The referral made from ``concern`` and the MASH's decision and feedback, for the agency
    that recorded it. ``None`` until the referral workflow stores referrals: this is the one place
    the API asks, so that workflow fills the field by answering here."""
    return None


def agency_concerns(*, actor: User, limit: int, offset: int) -> tuple[int, list[Concern]]:
    """The concerns ``actor``'s agency recorded, newest first: the count and one page.

    Raises
    ------
    PermissionDenied
        Unless the actor records concerns for an agency.
    """
    who = Actor.of(actor)
    if who.agency_id is None or not may_read_concern_status(who, concern_agency_id=who.agency_id):
        raise PermissionDenied("only an agency's own system reads its concerns")
    found: QuerySet[Concern] = (
        Concern.objects.filter(record__agency_id=who.agency_id)
        .select_related("record")
        .order_by("-recorded_at", "-id")
    )
    page = list(found[offset : offset + limit])
    with transaction.atomic():
        audit_record(
            actor=actor,
            event_type=EventType.CONCERNS_LISTED,
            extra={"purpose": "concern status", "concerns": [concern.pk for concern in page]},
        )
    return found.count(), page


def agency_concern(*, actor: User, concern_id: int) -> Concern | None:
    """One concern of ``actor``'s agency, or ``None`` if there is none of that id *or* it is
    another agency's: the two answer the same, so ids cannot be probed."""
    concern = Concern.objects.select_related("record").filter(pk=concern_id).first()
    if concern is None or not may_read_concern_status(
        Actor.of(actor), concern_agency_id=concern.record.agency_id
    ):
        return None
    return concern

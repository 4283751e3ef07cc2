"""What the API reads: an agency's own concerns with their status, never another agency's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet

from jigsaw.web.access import Actor, may_read_concern_status, may_work_referrals
from jigsaw.web.audit.models import EventType
from jigsaw.web.audit.services import audit_record
from jigsaw.web.concerns.models import Concern

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def referral_status_of(concern: Concern) -> dict[str, object] | None:
    """What became of ``concern``, for the agency that recorded it: its safeguarding lead's
    decision on the contact, then the MASH referral's state, decision and the feedback sent to
    the referring agency; ``None`` when the concern has no contact (the MASH recorded it).

    Only the workflow's states and decisions and the feedback written for the referrer: never a
    reason written for the MASH's own use, nor anything about other agencies."""
    from django.db.models import Q

    from jigsaw.web.referrals.models import Contact, Referral

    referral = (
        Referral.objects.filter(Q(concern=concern) | Q(contact__concern=concern))
        .order_by("-received_at", "-id")
        .first()
    )
    if referral is not None:
        feedback = referral.feedback.filter(
            referral__referrer_agency_id=concern.record.agency_id
        ).first()
        return {
            "status": f"referral {referral.state}",
            "decision": referral.decision or None,
            "feedback": feedback.text if feedback is not None else None,
        }
    contact = Contact.objects.filter(concern=concern).first()
    if contact is None:
        return None
    return {
        "status": f"contact {contact.state}",
        "decision": contact.decision or None,
        "feedback": None,
    }


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


def area_referrals(
    *, actor: User, limit: int, offset: int, include_closed: bool = False
) -> tuple[int, list[Any]]:
    """The referrals of the MASH's area, newest first: the count and one page of rows as the MASH
    queue shows them (the child's name from any agency's record, the clock, whether breached).
    Another area's referrals are never among them. The listing is audited with the children.

    Raises
    ------
    PermissionDenied
        Unless the actor is a MASH analyst of an area.
    """
    from jigsaw.web.referrals.clock import now
    from jigsaw.web.referrals.models import Referral
    from jigsaw.web.referrals.selectors import _listed, _referral_row
    from jigsaw.web.referrals.services import LIVE_REFERRAL_STATES

    who = Actor.of(actor)
    if not may_work_referrals(who) or who.area_id is None:
        raise PermissionDenied("only the MASH of an area reads its referrals")
    found = (
        Referral.objects.filter(area_id=who.area_id)
        .select_related("child", "referrer_agency")
        .order_by("-received_at", "-id")
    )
    if not include_closed:
        found = found.filter(state__in=LIVE_REFERRAL_STATES)
    at = now()
    rows = [_referral_row(r, at, who.agency_id) for r in found[offset : offset + limit]]
    _listed(actor, [row.referral.child_id for row in rows], "MASH referrals list (API)")
    return found.count(), rows

"""Reads of children's records. Every view of a child goes through :func:`child_access`.

The rule (deny by default; ADR 0006):

- MASH analyst: every child in their area, every concern in full, every linked record.
- Designated safeguarding lead: children their agency holds a record about; their agency's
  concerns in full; other agencies' concerns without the free text.
- Practitioner: children they have recorded a concern about; their own concerns in full; every
  other concern without the free text.
- Partnership lead, auditor, administrator: no child records.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, QuerySet, Value, When
from django.http import Http404

from jigsaw.web.accounts.models import Profile, Role
from jigsaw.web.accounts.selectors import profile_of
from jigsaw.web.audit.models import EventType
from jigsaw.web.audit.services import audit_record
from jigsaw.web.children.models import ACTIVE_LINK_STATUSES, AgencyRecord, Child, Link, LinkStatus

CHILD_ROLES = (Role.PRACTITIONER, Role.DSL, Role.MASH_ANALYST)


def children_visible_to(user) -> QuerySet[Child]:
    """Return the children whose records the user may open (none for roles without the right)."""
    profile = profile_of(user)
    if profile is None:
        return Child.objects.none()
    active = {"links__status__in": ACTIVE_LINK_STATUSES}
    if profile.role == Role.MASH_ANALYST:
        return Child.objects.filter(area_id=profile.area_id)
    if profile.role == Role.DSL:
        return Child.objects.filter(links__record__agency_id=profile.agency_id, **active).distinct()
    if profile.role == Role.PRACTITIONER:
        return Child.objects.filter(links__record__concerns__recorded_by=user, **active).distinct()
    return Child.objects.none()


def _note_visible(profile: Profile, user, concern) -> bool:
    if profile.role == Role.MASH_ANALYST:
        return True
    if profile.role == Role.DSL:
        return concern.record.agency_id == profile.agency_id
    return concern.recorded_by_id == user.pk


@dataclasses.dataclass(frozen=True)
class ConcernView:
    """One concern as this user may see it: ``note`` and ``override_reason`` are ``None`` when
    their free text is withheld."""

    id: int
    agency: str
    agency_kind: str
    seen_on: dt.date
    indicators: tuple[str, ...]
    note: str | None
    grade_level: str
    override_level: str
    override_reason: str | None
    own: bool
    may_override: bool


@dataclasses.dataclass(frozen=True)
class RecordView:
    """A linked record: identity shown only where the user may see it."""

    record_id: str
    agency: str
    status: str
    status_label: str
    match_probability: float | None
    identity: dict[str, object] | None


@dataclasses.dataclass(frozen=True)
class PendingLinkView:
    link_id: int
    record: RecordView
    other_child_id: int
    direction: str


@dataclasses.dataclass(frozen=True)
class ChildView:
    """What one user may see of one child, assembled by :func:`child_access`."""

    child: Child
    role: str
    concerns: tuple[ConcernView, ...]
    records: tuple[RecordView, ...]
    pending_links: tuple[PendingLinkView, ...]
    may_decide_links: bool
    agencies: tuple[str, ...]


def _identity(record: AgencyRecord) -> dict[str, object]:
    return {
        "name": f"{record.first_name} {record.last_name}",
        "dob": record.dob,
        "sex": record.get_sex_display(),
        "postcode": record.postcode,
        "nhs_number": record.nhs_number,
    }


def _record_view(profile: Profile, link: Link) -> RecordView:
    see_identity = profile.role == Role.MASH_ANALYST or link.record.agency_id == profile.agency_id
    return RecordView(
        record_id=link.record.record_id,
        agency=link.record.agency.name,
        status=link.status,
        status_label=link.get_status_display(),
        match_probability=link.match_probability,
        identity=_identity(link.record) if see_identity else None,
    )


def child_access(*, user, child_id: int, purpose: str) -> ChildView:
    """Return what ``user`` may see of a child, and record that they saw it.

    Parameters
    ----------
    user : User
        The signed-in, verified user.
    child_id : int
        The child's id.
    purpose : str
        Why the record is being viewed (stored in the audit row).

    Returns
    -------
    ChildView

    Raises
    ------
    Http404
        If there is no such child.
    PermissionDenied
        If the role rule does not allow it; the refusal is itself audited.
    """
    from jigsaw.web.concerns.models import Concern

    profile = profile_of(user)
    child = Child.objects.filter(pk=child_id).select_related("area").first()
    if child is None:
        raise Http404("no such child")
    allowed = (
        profile is not None
        and profile.role in CHILD_ROLES
        and children_visible_to(user).filter(pk=child.pk).exists()
    )
    if not allowed:
        with transaction.atomic():
            audit_record(
                actor=user if user.is_authenticated else None,
                event_type=EventType.CHILD_VIEW_REFUSED,
                subject=child,
                extra={"purpose": purpose},
            )
        raise PermissionDenied("you may not see this child's record")
    # The view and its audit row are one unit: if the row cannot be written, nothing is shown.
    with transaction.atomic():
        audit_record(
            actor=user,
            event_type=EventType.CHILD_VIEWED,
            subject=child,
            extra={"purpose": purpose, "role": profile.role},
        )
        links = list(
            Link.objects.filter(child=child, status__in=ACTIVE_LINK_STATUSES)
            .select_related("record__agency")
            .order_by("created_at", "id")
        )
        concerns = list(
            Concern.objects.filter(record__in=[link.record for link in links])
            .select_related("record__agency")
            .order_by("-seen_on", "-id")
        )
        pending = []
        if profile.role == Role.MASH_ANALYST:
            record_ids = [link.record_id for link in links]
            # Both directions: this child's records proposed for another child, and the reverse.
            for link in (
                Link.objects.filter(status=LinkStatus.PENDING)
                .filter(child=child)
                .select_related("record__agency")
            ):
                active = Link.objects.filter(
                    record=link.record, status__in=ACTIVE_LINK_STATUSES
                ).first()
                pending.append(
                    PendingLinkView(
                        link.pk,
                        _record_view(profile, link),
                        active.child_id if active else 0,
                        "incoming",
                    )
                )
            for link in Link.objects.filter(
                status=LinkStatus.PENDING, record_id__in=record_ids
            ).select_related("record__agency"):
                pending.append(
                    PendingLinkView(link.pk, _record_view(profile, link), link.child_id, "outgoing")
                )
    views = tuple(
        ConcernView(
            id=c.pk,
            agency=c.record.agency.name,
            agency_kind=c.record.agency.get_kind_display(),
            seen_on=c.seen_on,
            indicators=tuple(c.indicators),
            note=c.note if _note_visible(profile, user, c) else None,
            grade_level=c.grade_level,
            override_level=c.override_level,
            # The override reason is free text too: withheld by the same rule as the note.
            override_reason=c.override_reason if _note_visible(profile, user, c) else None,
            own=c.recorded_by_id == user.pk,
            may_override=profile.role == Role.MASH_ANALYST
            or (profile.role == Role.DSL and c.record.agency_id == profile.agency_id),
        )
        for c in concerns
    )
    return ChildView(
        child=child,
        role=profile.role,
        concerns=views,
        records=tuple(_record_view(profile, link) for link in links),
        pending_links=tuple(pending),
        may_decide_links=profile.role == Role.MASH_ANALYST,
        agencies=tuple(sorted({link.record.agency.name for link in links})),
    )


def pending_links_for(user) -> QuerySet[Link]:
    """Return the links awaiting review in a MASH analyst's area (empty for everyone else)."""
    profile = profile_of(user)
    if profile is None or profile.role != Role.MASH_ANALYST:
        return Link.objects.none()
    return (
        Link.objects.filter(status=LinkStatus.PENDING, child__area_id=profile.area_id)
        .select_related("record__agency", "child")
        .order_by("-match_probability", "created_at")
    )


def children_to_review_for(user, *, limit: int = 50) -> QuerySet[Child]:
    """Return a MASH analyst's area's children graded medium or high, highest first."""
    profile = profile_of(user)
    if profile is None or profile.role != Role.MASH_ANALYST:
        return Child.objects.none()
    # By grade's rank, not its text: "medium" sorts after "high" alphabetically.
    rank = Case(When(grade_level="high", then=Value(2)), default=Value(1))
    return Child.objects.filter(
        area_id=profile.area_id, grade_level__in=["high", "medium"]
    ).order_by(rank.desc(), "-graded_at")[:limit]


def children_listed(*, user, children, links=(), purpose: str) -> None:
    """Record that ``user`` was shown a list of children (and linked records' names).

    Lists show grades, and the MASH queue shows record names: each showing is a view of
    personal data, so it is audited with what was shown and why.

    Raises
    ------
    django.db.DatabaseError
        If the audit row cannot be written; the caller must then not show the list.
    """
    with transaction.atomic():
        audit_record(
            actor=user,
            event_type=EventType.CHILDREN_LISTED,
            extra={
                "purpose": purpose,
                "children": [child.pk for child in children],
                "records": [link.record.record_id for link in links],
            },
        )

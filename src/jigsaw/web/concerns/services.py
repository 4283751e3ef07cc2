"""Recording a concern: store the record, link it, grade the concern and the child, audit it all."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from jigsaw.web.access import (
    Actor,
    may_add_to_record,
    may_correct_concern,
    may_override,
    may_record_concern,
)
from jigsaw.web.accounts.selectors import profile_of
from jigsaw.web.audit.models import EventType
from jigsaw.web.audit.services import audit_record
from jigsaw.web.children import matching
from jigsaw.web.children.models import ACTIVE_LINK_STATUSES, AgencyRecord, Child, Link
from jigsaw.web.children.services import (
    child_regrade,
    record_create,
    record_link,
)
from jigsaw.web.concerns.elsewhere import matches_by_area, other_area_match_record
from jigsaw.web.concerns.grading import concern_mapping
from jigsaw.web.concerns.models import AddendumKind, Concern, ConcernAddendum, LawfulBasis

if TYPE_CHECKING:
    from collections.abc import Sequence

    from django.contrib.auth.models import User

    from jigsaw.web.groups.forms import MentionInput


@dataclasses.dataclass(frozen=True)
class Identity:
    """The child as the recording agency knows them."""

    first_name: str
    last_name: str
    dob: dt.date
    sex: str
    postcode: str = ""
    nhs_number: str = ""
    alias: str = ""
    # The date of birth is an estimate from an approximate age: graded on, never linked on.
    dob_estimated: bool = False

    def for_matching(self) -> dict[str, object]:
        """The fields the linkage engine compares (an estimated birth date left out)."""
        return {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "dob": None if self.dob_estimated else self.dob,
            "sex": self.sex,
            "postcode": self.postcode,
            "nhs_number": self.nhs_number,
        }


@dataclasses.dataclass(frozen=True)
class ConcernOutcome:
    """What :func:`concern_record` did: the concern, the child it joined and how."""

    concern: Concern
    child: Child
    link: Link
    new_record: bool
    pending_review: int
    #: The form had been saved already (its answer lost): nothing new was stored, and this is
    #: what that first save stored.
    repeated: bool = False


def _saved_by_form(actor: User, form_token: str) -> ConcernOutcome | None:
    """What the save of the form issued with ``form_token`` to ``actor`` stored, if it has been
    saved: the concern, and its child and link as they are now."""
    if not form_token:
        return None
    concern = (
        Concern.objects.filter(recorded_by=actor, form_token=form_token)
        .select_related("record")
        .first()
    )
    if concern is None:
        return None
    link = Link.objects.select_related("child").get(
        record_id=concern.record_id, status__in=ACTIVE_LINK_STATUSES
    )
    return ConcernOutcome(
        concern=concern,
        child=link.child,
        link=link,
        new_record=False,
        pending_review=Link.objects.filter(record_id=concern.record_id, status="pending").count(),
        repeated=True,
    )


def concern_record(
    *,
    actor: User,
    seen_on: dt.date,
    indicators: list[str],
    note: str,
    lawful_basis: LawfulBasis | str,
    identity: Identity | None = None,
    record: AgencyRecord | None = None,
    record_id: str = "",
    today: dt.date | None = None,
    form_token: str = "",
    mentions: Sequence[MentionInput] = (),
) -> ConcernOutcome:
    """Record a concern about a child, link a new record immediately and regrade the child.

    Give either ``identity`` (a record this agency did not hold: it is matched against the stored
    records and linked, or sent for MASH review, only ever to a child of the actor's area) or
    ``record`` (one of the actor's agency's records; or its ``record_id``, as the intake page
    sends it).

    ``form_token`` is the random token the concern form was issued with. A form already saved
    by this actor (sent again because the answer to the first save was lost, or twice at once)
    stores nothing new: the outcome is the first save's, with ``repeated`` set.

    Returns
    -------
    ConcernOutcome

    Raises
    ------
    PermissionDenied
        If the actor may not record concerns, or the record is not one of their agency's.
    ValidationError
        If an indicator is not in the catalogue, the date is in the future or before the child's
        date of birth, or a field is invalid.
    """
    from jigsaw.catalogue import load
    from jigsaw.screening import grade_concern

    who = Actor.of(actor)
    profile = profile_of(actor)
    if profile is None or not may_record_concern(who):
        raise PermissionDenied(
            "only practitioners, safeguarding leads and MASH analysts record concerns"
        )
    if record_id:
        if record is not None:
            raise ValueError("give record or record_id, not both")
        record = (
            AgencyRecord.objects.filter(record_id=record_id, links__status__in=ACTIVE_LINK_STATUSES)
            .select_related("agency")
            .first()
        )
        if record is None:
            # Said as for another agency's record (below), so record ids cannot be probed.
            raise PermissionDenied("a concern can only be added to your own agency's record")
    if (identity is None) == (record is None):
        raise ValueError("give exactly one of identity or record")
    if record is not None and not may_add_to_record(who, record_agency_id=record.agency_id):
        raise PermissionDenied("a concern can only be added to your own agency's record")
    today = today or timezone.localdate()
    if seen_on > today:
        raise ValidationError({"seen_on": "The date seen must be today or in the past"})
    # Exactly one of the two was given (checked above).
    dob = record.dob if record is not None else cast(Identity, identity).dob
    if seen_on < dob:
        # Grading refuses such a concern; say so on the date field rather than fail the request.
        raise ValidationError(
            {"seen_on": "The date seen cannot be before the child was born: check both dates"}
        )
    catalogue = load()
    known = {indicator.id for indicator in catalogue.indicators}
    unknown = sorted(set(indicators) - known)
    if unknown:
        raise ValidationError(
            {"indicators": f"not in catalogue {catalogue.version}: {', '.join(unknown)}"}
        )
    lawful_basis = LawfulBasis(lawful_basis)

    candidate: dict[str, object] | None = None
    if identity is not None:
        candidate = matching.record_mapping(
            record_id="incoming",
            agency_kind=profile.agency.kind,
            first_name=identity.first_name,
            last_name=identity.last_name,
            dob=None if identity.dob_estimated else identity.dob,
            sex=identity.sex,
            postcode=identity.postcode,
            nhs_number=identity.nhs_number,
        )
        # Brought up to date before the transaction opens, so that a rebuild of the index (a
        # read of the whole store) never happens while this transaction holds its locks.
        matching.matcher()

    # One transaction: record, link, concern, grades and their audit rows are saved together or
    # not at all (a failed audit write refuses the whole concern).
    try:
        with transaction.atomic():
            new_record = record is None
            if record is None:
                # Matched inside the transaction, after waiting for any other save of a record
                # that could be this child: two concerns about a new child saved at the same
                # moment then give what they give one after the other (one child, or a link for
                # the MASH).
                matching.lock_candidate_blocks(cast(dict[str, object], candidate))
            earlier = _saved_by_form(actor, form_token)
            if earlier is not None:
                return earlier
            if record is None:
                # Only the actor's area's children are candidates for a link; a strong match in
                # another area is noted for the MASH (whom to contact there), never linked or
                # shown.
                matches, elsewhere = matches_by_area(
                    matching.match(
                        cast(dict[str, object], candidate), limit=10, area_id=profile.area_id
                    ),
                    profile.area_id,
                )
                record = record_create(
                    actor=actor,
                    agency=profile.agency,
                    **dataclasses.asdict(cast(Identity, identity)),
                )
                child, link = record_link(actor=actor, record=record, matches=matches)
                other_area_match_record(actor=actor, record=record, area_ids=elsewhere)
            else:
                link = Link.objects.select_related("child").get(
                    record=record, status__in=ACTIVE_LINK_STATUSES
                )
                child = link.child
            grade = grade_concern(
                record.dob,
                concern_mapping(agency=profile.agency.kind, seen_on=seen_on, indicators=indicators),
                today,
            )
            concern = Concern(
                record=record,
                recorded_by=actor,
                recorded_at=dt.datetime.now(dt.UTC),
                seen_on=seen_on,
                indicators=list(indicators),
                note=note.strip(),
                lawful_basis=lawful_basis,
                grade_level=grade.level,
                grade_reasons=grade.as_dict(),
                catalogue_version=str(grade.catalogue_version),
                form_token=form_token,
            )
            # The form token's uniqueness is left to the database, which makes a second save of
            # one form wait for the first and then refuses it (handled below).
            concern.full_clean(validate_constraints=False)
            concern.save()
            audit_record(
                actor=actor,
                event_type=EventType.CONCERN_RECORDED,
                subject=concern,
                extra={
                    "child": child.pk,
                    "record": record.record_id,
                    "grade": grade.level,
                    "lawful_basis": lawful_basis.value,
                    "indicators": len(indicators),
                },
            )
            child = child_regrade(actor=actor, child=child, today=today)
            # What happens next: a contact for the agency's safeguarding lead, and a referral to the
            # MASH when the combined grade reaches the partnership's threshold.
            from jigsaw.web.referrals.services import after_concern

            after_concern(actor=actor, concern=concern, child=child)
            # The people, vehicles, phones, accounts and places recorded with it, and the area's
            # children connected again through them (jigsaw.web.groups).
            from jigsaw.web.groups.services import mentions_record

            mentions_record(actor=actor, concern=concern, child=child, mentions=mentions)
            pending = Link.objects.filter(record=record, status="pending").count()
            if new_record:
                # This worker's index reads the record back once the transaction commits; other
                # workers see the version row move and read it before their next match.
                matching.matcher_refresh_on_commit()
    except IntegrityError:
        # The same form saved at the same moment by another request (a double submission, or a
        # retry while the first was still saving): that one won, and this one gives its concern.
        earlier = _saved_by_form(actor, form_token)
        if earlier is None:
            raise
        return earlier
    return ConcernOutcome(
        concern=concern, child=child, link=link, new_record=new_record, pending_review=pending
    )


def concern_override_check(*, actor: User, concern: Concern) -> int:
    """Refuse unless ``actor`` may override ``concern``'s grade; return the child's id.

    Raises
    ------
    PermissionDenied
        Unless the actor is a MASH analyst in the child's area or the safeguarding lead of the
        concern's agency (in the child's area).
    """
    link = (
        Link.objects.filter(record_id=concern.record_id, status__in=ACTIVE_LINK_STATUSES)
        .select_related("child")
        .first()
    )
    if link is None or not may_override(
        Actor.of(actor),
        child_area_id=link.child.area_id,
        concern_agency_id=concern.record.agency_id,
    ):
        raise PermissionDenied("only a MASH analyst or the agency's safeguarding lead may override")
    return link.child_id


def concern_to_override(*, actor: User, concern_id: int) -> tuple[Concern, int]:
    """Return the concern ``actor`` may override and its child's id.

    Raises
    ------
    Http404
        If there is no such concern or the actor may not override it: the two answer the same,
        so that the page does not tell an outsider which concerns exist.
    """
    concern = Concern.objects.select_related("record__agency").filter(pk=concern_id).first()
    if concern is None:
        raise Http404("no such concern")
    try:
        child_id = concern_override_check(actor=actor, concern=concern)
    except PermissionDenied:
        raise Http404("no such concern") from None
    return concern, child_id


def concern_grade_override(*, actor: User, concern: Concern, level: str, reason: str) -> Concern:
    """Record a professional's override beside the computed grade, with the reason.

    Raises
    ------
    PermissionDenied
        Unless the actor is a MASH analyst in the child's area or the safeguarding lead of the
        concern's agency.
    ValidationError
        If the reason is blank or the level unknown.
    """
    concern_override_check(actor=actor, concern=concern)
    if not reason.strip():
        raise ValidationError({"override_reason": "Give the reason for the override"})
    with transaction.atomic():
        concern.override_level = level
        concern.override_reason = reason.strip()
        concern.overridden_by = actor
        concern.overridden_at = dt.datetime.now(dt.UTC)
        concern.full_clean()
        concern.save()
        audit_record(
            actor=actor,
            event_type=EventType.CONCERN_GRADE_OVERRIDDEN,
            subject=concern,
            extra={
                "computed": concern.grade_level,
                "override": level,
                "reason": concern.override_reason,
            },
        )
    return concern


def concern_to_correct(*, actor: User, concern_id: int) -> tuple[Concern, int]:
    """Return a concern ``actor`` may correct or withdraw, and its child's id.

    Raises
    ------
    Http404
        If there is no such concern or the actor may not correct it (its author or their
        agency's safeguarding lead may): the two answer the same.
    """
    concern = Concern.objects.select_related("record__agency").filter(pk=concern_id).first()
    link = (
        Link.objects.filter(record_id=concern.record_id, status__in=ACTIVE_LINK_STATUSES)
        .select_related("child")
        .first()
        if concern is not None
        else None
    )
    if (
        concern is None
        or link is None
        or not may_correct_concern(
            Actor.of(actor),
            child_area_id=link.child.area_id,
            concern_agency_id=concern.record.agency_id,
            concern_author_id=concern.recorded_by_id,
        )
    ):
        raise Http404("no such concern")
    return concern, link.child_id


def _addendum_save(
    *, actor: User, concern: Concern, kind: AddendumKind, reason: str, text: str
) -> ConcernAddendum:
    addendum = ConcernAddendum(
        concern=concern,
        kind=kind,
        reason=reason.strip(),
        text=text.strip(),
        written_by=actor,
        written_at=dt.datetime.now(dt.UTC),
    )
    addendum.full_clean()
    addendum.save()
    return addendum


def concern_correct(*, actor: User, concern: Concern, reason: str, text: str) -> ConcernAddendum:
    """Add a correction to a concern: what was first recorded stays, the correction sits after it.

    Raises
    ------
    Http404
        Unless the actor is the concern's author or their agency's safeguarding lead.
    ValidationError
        If the reason or the correction is blank, or the concern was withdrawn.
    """
    concern, _ = concern_to_correct(actor=actor, concern_id=concern.pk)
    errors = {}
    if not reason.strip():
        errors["reason"] = "Say why the concern needs correcting"
    if not text.strip():
        errors["text"] = "Write the correction"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if concern.addenda.filter(kind=AddendumKind.WITHDRAWAL).exists():
            raise ValidationError({"text": "This concern was withdrawn: it cannot be corrected"})
        addendum = _addendum_save(
            actor=actor, concern=concern, kind=AddendumKind.CORRECTION, reason=reason, text=text
        )
        audit_record(
            actor=actor,
            event_type=EventType.CONCERN_CORRECTED,
            subject=concern,
            extra={"addendum": addendum.pk, "reason": addendum.reason},
        )
    return addendum


def concern_withdraw(*, actor: User, concern: Concern, reason: str) -> ConcernAddendum:
    """Withdraw a concern recorded about the wrong child: it stays in the record, marked
    withdrawn, and no longer counts; the child is regraded without it.

    Raises
    ------
    Http404
        Unless the actor is the concern's author or their agency's safeguarding lead.
    ValidationError
        If the reason is blank or the concern was withdrawn already.
    """
    concern, child_id = concern_to_correct(actor=actor, concern_id=concern.pk)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the concern is being withdrawn"})
    with transaction.atomic():
        if concern.addenda.filter(kind=AddendumKind.WITHDRAWAL).exists():
            raise ValidationError({"reason": "This concern was withdrawn already"})
        addendum = _addendum_save(
            actor=actor, concern=concern, kind=AddendumKind.WITHDRAWAL, reason=reason, text=""
        )
        child = Child.objects.get(pk=child_id)
        before = child.grade_level
        child = child_regrade(actor=actor, child=child)
        audit_record(
            actor=actor,
            event_type=EventType.CONCERN_WITHDRAWN,
            subject=concern,
            extra={
                "addendum": addendum.pk,
                "reason": addendum.reason,
                "child": child_id,
                "grade_from": before,
                "grade_to": child.grade_level,
            },
        )
        # Its people, vehicles and places no longer connect the child (jigsaw.web.groups).
        from jigsaw.web.groups.services import mentions_withdrawn

        mentions_withdrawn(actor=actor, concern=concern)
    return addendum

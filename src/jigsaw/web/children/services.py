"""Writes about children: agency records, links and the combined grade."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from jigsaw.screening import Grade
from jigsaw.web.access import Actor, may_decide_link
from jigsaw.web.accounts.models import Agency
from jigsaw.web.audit.models import EventType
from jigsaw.web.audit.services import audit_record
from jigsaw.web.children import matching
from jigsaw.web.children.models import (
    ACTIVE_LINK_STATUSES,
    AgencyRecord,
    Child,
    Link,
    LinkStatus,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models import QuerySet

    from jigsaw.linkage import Match
    from jigsaw.screening import Grading
    from jigsaw.web.concerns.grading import ConcernMapping


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _plain(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return str(value)


def link_explanation(match: Match | None, *, area_id: int) -> dict[str, Any]:
    """What a link keeps of the engine's match: its explanation, step by step, and the version
    of the linkage model that weighed it (the area's in use, trained or shipped), so a review
    after a retraining still says which weights proposed the link."""
    if match is None:
        return {}
    return {"detail": _plain(match.explanation), "model": matching.model_of(area_id).version}


def record_create(
    *,
    actor: User | None,
    agency: Agency,
    first_name: str,
    last_name: str,
    dob: dt.date,
    sex: str,
    postcode: str = "",
    nhs_number: str = "",
    record_id: str | None = None,
    alias: str = "",
    dob_estimated: bool = False,
) -> AgencyRecord:
    """Store a child's identity as one agency knows it (no link yet; see :func:`record_link`).

    An identity without a last name or with a birth date estimated from an age is stored as
    needing identification, so that pages say so and the MASH can ask.
    """
    with transaction.atomic():
        # First write of the transaction: orders it after any other change to the store.
        matching.store_changed()
        return _record_save(
            actor=actor,
            agency=agency,
            first_name=first_name,
            last_name=last_name,
            dob=dob,
            sex=sex,
            postcode=postcode,
            nhs_number=nhs_number,
            record_id=record_id,
            alias=alias,
            dob_estimated=dob_estimated,
        )


def _record_save(
    *,
    actor: User | None,
    agency: Agency,
    first_name: str,
    last_name: str,
    dob: dt.date,
    sex: str,
    postcode: str,
    nhs_number: str,
    record_id: str | None,
    alias: str,
    dob_estimated: bool,
) -> AgencyRecord:
    record = AgencyRecord(
        record_id=record_id or f"{agency.kind}-{uuid.uuid4().hex[:12]}",
        agency=agency,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        alias=alias.strip(),
        dob_estimated=dob_estimated,
        needs_identification=dob_estimated or not last_name.strip(),
        dob=dob,
        sex=sex,
        postcode=postcode,
        nhs_number=nhs_number,
        created_at=_now(),
        created_by=actor,
    )
    record.full_clean()
    record.save()
    audit_record(
        actor=actor,
        event_type=EventType.RECORD_CREATED,
        subject=record,
        extra={"agency": agency.name},
    )
    return record


def _child_create(*, actor: User | None, record: AgencyRecord) -> Child:
    child = Child(area=record.agency.area, created_at=_now())
    child.full_clean()
    child.save()
    audit_record(
        actor=actor,
        event_type=EventType.CHILD_CREATED,
        subject=child,
        extra={"record": record.record_id},
    )
    return child


def _link_save(
    *,
    actor: User | None,
    record: AgencyRecord,
    child: Child,
    status: LinkStatus,
    match: Match | None = None,
) -> Link:
    link = Link(
        record=record,
        child=child,
        status=status,
        match_probability=getattr(match, "match_probability", None),
        match_weight=getattr(match, "match_weight", None),
        explanation=link_explanation(match, area_id=child.area_id),
        created_at=_now(),
    )
    link.full_clean()
    # In the caller's transaction (record_link's), before the link takes its id.
    matching.store_changed()
    link.save()
    audit_record(
        actor=actor,
        event_type=EventType.LINK_CREATED,
        subject=link,
        extra={
            "record": record.record_id,
            "child": child.pk,
            "status": status,
            "match_probability": link.match_probability,
        },
    )
    return link


def record_link(
    *, actor: User | None, record: AgencyRecord, matches: list[Match]
) -> tuple[Child, Link]:
    """Link a new record to a child following the linkage engine's decision.

    A ``link`` decision joins the record to the matched child (status ``auto``). Anything less
    certain starts a new child, and a ``review`` decision also opens a pending link to the
    candidate for a MASH analyst to confirm or reject: records are never merged silently.

    Returns
    -------
    (Child, Link)
        The child the record now belongs to and its active link.
    """
    with transaction.atomic():
        return _record_link(actor=actor, record=record, matches=matches)


def _record_link(
    *, actor: User | None, record: AgencyRecord, matches: list[Match]
) -> tuple[Child, Link]:
    # A link never crosses partnerships: only children of the record's own area are candidates.
    area_children = Child.objects.filter(area_id=record.agency.area_id)
    best = matches[0] if matches else None
    existing = None
    if best is not None and best.decision in ("link", "review"):
        existing = area_children.filter(pk=int(best.child_id)).first()
    if best is not None and best.decision == "link" and existing is not None:
        return existing, _link_save(
            actor=actor, record=record, child=existing, status=LinkStatus.AUTO, match=best
        )
    child = _child_create(actor=actor, record=record)
    active = _link_save(actor=actor, record=record, child=child, status=LinkStatus.NEW)
    for candidate in matches:
        if candidate.decision != "review":
            continue
        other = area_children.filter(pk=int(candidate.child_id)).first()
        if other is not None and other.pk != child.pk:
            _link_save(
                actor=actor, record=record, child=other, status=LinkStatus.PENDING, match=candidate
            )
    return child, active


def record_mapping_of(record: AgencyRecord) -> dict[str, object]:
    """Return the stored record in the linkage engine's shape."""
    return matching.record_mapping(
        record_id=record.record_id,
        agency_kind=record.agency.kind,
        first_name=record.first_name,
        last_name=record.last_name,
        dob=None if record.dob_estimated else record.dob,
        sex=record.sex,
        postcode=record.postcode,
        nhs_number=record.nhs_number,
    )


def child_records(child: Child) -> QuerySet[AgencyRecord]:
    """Return the records actively linked to a child."""
    return AgencyRecord.objects.filter(
        links__child=child, links__status__in=ACTIVE_LINK_STATUSES
    ).select_related("agency")


def _grading_dob(child: Child, seen: list[dt.date]) -> tuple[dt.date | None, str]:
    """Return the birth date to grade from and, when it is not the agreed one, why.

    Linked records may disagree on the date of birth. Grading refuses a concern seen before the
    birth date, so a date after any concern cannot be the child's: the most agreed date that
    precedes every concern is used instead (each concern was checked against its own record's
    date, so the earliest record date always qualifies).
    """
    dobs = [r.dob for r in child_records(child).order_by("created_at", "id")]
    return _grading_dob_of(dobs, seen)


def _grading_dob_of(dobs: list[dt.date], seen: list[dt.date]) -> tuple[dt.date | None, str]:
    """:func:`_grading_dob` from the records' birth dates, oldest record first."""
    if not dobs:
        return None, ""
    counts = Counter(dobs)
    ranked = sorted(set(dobs), key=lambda d: (-counts[d], dobs.index(d)))
    if not seen:
        return ranked[0], ""
    first_seen = min(seen)
    for dob in ranked:
        if dob <= first_seen:
            if dob == ranked[0]:
                return dob, ""
            return dob, (
                f"The linked records disagree on the date of birth; {ranked[0].isoformat()} is "
                f"after a concern seen on {first_seen.isoformat()}, so {dob.isoformat()} was used."
            )
    return None, (
        f"Not computable: every linked record's date of birth is after a concern seen on "
        f"{first_seen.isoformat()}. Check the dates with the agencies that hold the records."
    )


def _grade_set(child: Child, grade: Grading | None, dob: dt.date | None, dob_note: str) -> None:
    """Put a child's combined grade on it (none without concerns or a usable date of birth),
    with the note on which date of birth was used; one rule for one child and for a batch."""
    if grade is not None and dob is not None:
        child.grade_level = grade.level
        child.grade_reasons = grade.as_dict()
        child.catalogue_version = str(grade.catalogue_version)
        if dob_note:
            child.grade_reasons.update(dob_used=dob.isoformat(), dob_note=dob_note)
    else:
        child.grade_level, child.grade_reasons = Grade.NONE, {"reasons": [], "next_step": ""}
        if dob_note:
            child.grade_reasons["dob_note"] = dob_note


def child_regrade(*, actor: User | None, child: Child, today: dt.date | None = None) -> Child:
    """Recompute a child's combined grade from every concern on their linked records."""
    from jigsaw.screening import grade_child
    from jigsaw.web.concerns.grading import concern_mapping_of
    from jigsaw.web.concerns.models import Concern

    today = today or timezone.localdate()
    # A withdrawn concern (recorded about the wrong child) no longer counts.
    concerns = (
        Concern.objects.filter(
            record__links__child=child, record__links__status__in=ACTIVE_LINK_STATUSES
        )
        .exclude(addenda__kind="withdrawal")
        .select_related("record__agency")
    )
    mappings = [concern_mapping_of(c) for c in concerns]
    dob, dob_note = _grading_dob(child, [m["date"] for m in mappings])
    before = child.grade_level
    grade = grade_child(dob, mappings, today) if mappings and dob is not None else None
    _grade_set(child, grade, dob, dob_note)
    child.graded_at = _now()
    child.full_clean()
    child.save()
    audit_record(
        actor=actor,
        event_type=EventType.CHILD_GRADED,
        subject=child,
        extra={"from": before, "to": child.grade_level, "concerns": len(mappings)},
    )
    return child


def grade_once(
    dob: dt.date,
    mappings: list[ConcernMapping],
    today: dt.date,
    memo: dict[tuple[object, ...], Grading],
) -> Grading:
    """``grade_child(dob, mappings, today)``, computed once for the same arguments in ``memo``
    (a bulk import grades many concerns, and children of one concern, alike; a child of one
    concern has its concern's grade, as ``grade_concern`` is ``grade_child`` of one)."""
    from jigsaw.screening import grade_child

    key = (dob, today, *((m["agency"], m["date"], *m["indicators"], None) for m in mappings))
    found = memo.get(key)
    if found is None:
        found = memo[key] = grade_child(dob, mappings, today)
    return found


def children_regrade(
    *,
    actor: User | None,
    child_ids: Iterable[int],
    today: dt.date | None = None,
    memo: dict[tuple[object, ...], Grading] | None = None,
) -> dict[int, Child]:
    """:func:`child_regrade` for many children at once (a bulk import): the same grades, reasons
    and audit rows, from a few reads of the store instead of several per child. ``memo`` shares
    the grades already computed (:func:`grade_once`).

    Returns the children by id, as saved.
    """
    from jigsaw.web.audit.services import AuditEntry, audit_record_many
    from jigsaw.web.concerns.grading import concern_mapping
    from jigsaw.web.concerns.models import Concern

    today = today or timezone.localdate()
    memo = {} if memo is None else memo
    ids = sorted(set(child_ids))
    children: dict[int, Child] = {}
    # record id -> child id; per child, its records' birth dates oldest record first (as
    # child_records(child).order_by("created_at", "id") gives them).
    child_of_record: dict[int, int] = {}
    dobs: dict[int, list[dt.date]] = {}
    concerns: dict[int, list[Any]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        children.update((c.pk, c) for c in Child.objects.filter(pk__in=chunk))
        links = (
            Link.objects.filter(child_id__in=chunk, status__in=ACTIVE_LINK_STATUSES)
            .order_by("record__created_at", "record_id")
            .values_list("record_id", "child_id", "record__dob")
        )
        for record_id, child_id, born in links:
            child_of_record[record_id] = child_id
            dobs.setdefault(child_id, []).append(born)
    records = list(child_of_record)
    for start in range(0, len(records), _CHUNK):
        # In Concern's own order (seen_on, id), as child_regrade's query reads them; a withdrawn
        # concern no longer counts.
        rows = (
            Concern.objects.filter(record_id__in=records[start : start + _CHUNK])
            .exclude(addenda__kind="withdrawal")
            .order_by("seen_on", "id")
            .values_list("id", "record_id", "record__agency__kind", "seen_on", "indicators")
        )
        for concern_id, record_id, kind, seen_on, indicators in rows:
            concerns.setdefault(child_of_record[record_id], []).append(
                (seen_on, concern_id, kind, indicators)
            )
    entries = []
    graded_at = _now()
    for child_id in ids:
        child = children[child_id]
        found = sorted(concerns.get(child_id, []), key=lambda c: (c[0], c[1]))
        mappings = [concern_mapping(agency=k, seen_on=d, indicators=i) for d, _, k, i in found]
        dob, dob_note = _grading_dob_of(dobs.get(child_id, []), [m["date"] for m in mappings])
        before = child.grade_level
        grade = grade_once(dob, mappings, today, memo) if mappings and dob is not None else None
        _grade_set(child, grade, dob, dob_note)
        child.graded_at = graded_at
        entries.append(
            AuditEntry(
                actor,
                EventType.CHILD_GRADED,
                child,
                {"from": before, "to": child.grade_level, "concerns": len(mappings)},
            )
        )
    _grades_save(list(children.values()))
    audit_record_many(entries)
    return children


def _grades_save(children: list[Child]) -> None:
    """Save the grade fields of many children: one statement run for every child (Django's
    ``bulk_update`` writes a CASE over the whole batch, quadratic in its size)."""
    names = ("grade_level", "grade_reasons", "catalogue_version", "graded_at")
    fields = [f for f in Child._meta.concrete_fields if f.name in names]
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608 - names from the model only
        quote(Child._meta.db_table),
        ", ".join(f"{quote(f.column)} = %s" for f in fields),
        quote(next(f.column for f in Child._meta.concrete_fields if f.primary_key)),
    )
    rows = [
        [f.get_db_prep_save(getattr(child, f.attname), connection) for f in fields] + [child.pk]
        for child in children
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


# How many ids one query names (SQLite refuses more than 32,766 parameters).
_CHUNK = 10_000


def _require_mash(actor: User, link: Link) -> None:
    if not may_decide_link(
        Actor.of(actor),
        child_area_id=link.child.area_id,
        record_area_id=link.record.agency.area_id,
    ):
        raise PermissionDenied("only a MASH analyst for the child's area may decide a link")


def link_confirm(*, actor: User, link: Link, reason: str = "") -> Link:
    """Confirm a pending link: the record moves to the candidate child, whose grade is recomputed.

    Raises
    ------
    PermissionDenied
        Unless the actor is a MASH analyst in the candidate child's area.
    ValidationError
        If the link is not pending.
    """
    _require_mash(actor, link)
    # One transaction: the old link, the new one, both grades and the audit rows stand or fall together.
    with transaction.atomic():
        # A record changes child: every process's linkage index moves it (see matching).
        matching.store_changed(moved=True)
        link = Link.objects.select_for_update().get(pk=link.pk)
        if link.status != LinkStatus.PENDING:
            raise ValidationError(f"link {link.pk} is {link.status}, not pending")
        old = Link.objects.select_for_update().get(
            record=link.record, status__in=ACTIVE_LINK_STATUSES
        )
        # Kept so that undoing the decision can put the record back exactly as it was.
        old.explanation = {**(old.explanation or {}), "superseded_from": old.status}
        old.status = LinkStatus.SUPERSEDED
        old.decided_by, old.decided_at, old.decision_reason = (
            actor,
            _now(),
            f"replaced by link {link.pk}",
        )
        old.full_clean()
        old.save()
        link.status = LinkStatus.CONFIRMED
        link.decided_by, link.decided_at, link.decision_reason = actor, _now(), reason
        link.full_clean()
        link.save()
        audit_record(
            actor=actor,
            event_type=EventType.LINK_CONFIRMED,
            subject=link,
            extra={
                "record": link.record.record_id,
                "child": link.child_id,
                "previous_child": old.child_id,
                "reason": reason,
            },
        )
        child_regrade(actor=actor, child=link.child)
        child_regrade(actor=actor, child=old.child)
    return link


def link_reject(*, actor: User, link: Link, reason: str = "") -> Link:
    """Reject a pending link: the record stays with the child it was filed under."""
    _require_mash(actor, link)
    with transaction.atomic():
        link = Link.objects.select_for_update().get(pk=link.pk)
        if link.status != LinkStatus.PENDING:
            raise ValidationError(f"link {link.pk} is {link.status}, not pending")
        link.status = LinkStatus.REJECTED
        link.decided_by, link.decided_at, link.decision_reason = actor, _now(), reason
        link.full_clean()
        link.save()
        audit_record(
            actor=actor,
            event_type=EventType.LINK_REJECTED,
            subject=link,
            extra={"record": link.record.record_id, "child": link.child_id, "reason": reason},
        )
    return link


def link_undo(*, actor: User, link: Link, reason: str) -> Link:
    """Undo a MASH decision: the link is pending again and the record is where it was before.

    Undoing a confirmation puts the record back with the child it was filed under (the link the
    confirmation replaced becomes active again) and regrades both children; undoing a rejection
    returns the question to the queue. The decision undone stays in the audit trail.

    Raises
    ------
    PermissionDenied
        Unless the actor is a MASH analyst in the area of both the child and the record.
    ValidationError
        If the reason is blank, or the link was not confirmed or rejected.
    """
    _require_mash(actor, link)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the decision is being undone"})
    with transaction.atomic():
        # Undoing a confirmation moves a record back to its former child. The indexes follow
        # moves by reading confirmed links, and the restored link is not one, so every process
        # rebuilds its index instead (undoing is rare). The transaction's first write (see matching).
        matching.store_changed(moved=True, rebuild=True)
        link = Link.objects.select_for_update().select_related("child", "record").get(pk=link.pk)
        if link.status not in (LinkStatus.CONFIRMED, LinkStatus.REJECTED):
            raise ValidationError(f"link {link.pk} is {link.status}: only a decision can be undone")
        undone = link.status
        previous = None
        if undone == LinkStatus.CONFIRMED:
            previous = (
                Link.objects.select_for_update()
                .filter(
                    record=link.record,
                    status=LinkStatus.SUPERSEDED,
                    decision_reason=f"replaced by link {link.pk}",
                )
                .order_by("-decided_at", "-id")
                .first()
            )
            if previous is None:
                raise ValidationError(f"link {link.pk}: the link it replaced is not found")
            # The pending link stops being active first: one active link per record.
            link.status = LinkStatus.PENDING
            link.save(update_fields=["status"])
            explanation = dict(previous.explanation or {})
            previous.status = explanation.pop("superseded_from", None) or (
                LinkStatus.AUTO if previous.match_probability is not None else LinkStatus.NEW
            )
            previous.explanation = explanation
            previous.decided_by, previous.decided_at = actor, _now()
            previous.decision_reason = f"restored: link {link.pk} undone"
            previous.full_clean()
            previous.save()
        link.status = LinkStatus.PENDING
        decided = (link.decided_by_id, link.decision_reason)
        link.decided_by, link.decided_at, link.decision_reason = None, None, ""
        link.full_clean()
        link.save()
        audit_record(
            actor=actor,
            event_type=EventType.LINK_UNDONE,
            subject=link,
            extra={
                "record": link.record.record_id,
                "child": link.child_id,
                "undone": undone,
                "decided_by": decided[0],
                "decision_reason": decided[1],
                "reason": reason.strip(),
                "restored_child": previous.child_id if previous is not None else None,
            },
        )
        if previous is not None:
            child_regrade(actor=actor, child=link.child)
            child_regrade(actor=actor, child=previous.child)
    return link


def link_decide(*, actor: User, link: Link, decision: str, reason: str = "") -> Link:
    """Confirm (``decision="confirm"``) or reject (``"reject"``) a pending link.

    Raises
    ------
    PermissionDenied
        Unless the actor is a MASH analyst in the area of both the child and the record.
    ValidationError
        For an unknown decision, or a link that is no longer pending.
    """
    decide = {"confirm": link_confirm, "reject": link_reject}.get(decision)
    if decide is None:
        raise ValidationError(f"decision must be confirm or reject, not {decision!r}")
    return decide(actor=actor, link=link, reason=reason)

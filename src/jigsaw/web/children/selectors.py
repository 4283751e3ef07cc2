"""Reads of children's records. Every view of a child goes through :func:`child_access`.

Who may open which child, and read which note, is decided by :mod:`jigsaw.web.access`; this
module gathers the facts those rules need and applies them. A child that does not exist and a
child the user may not open answer the same (``Http404``), so ids cannot be probed; the refusal
is audited either way.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db import transaction
from django.db.models import Case, QuerySet, Value, When
from django.http import Http404

from jigsaw.screening import Grade
from jigsaw.web.access import (
    Actor,
    child_scope,
    may_correct_concern,
    may_open_child,
    may_override,
    may_read_note,
    may_review_links,
    may_see_agencies,
    may_see_combined_grade,
    may_see_identity,
    may_see_signs,
    may_trace_child_access,
)
from jigsaw.web.audit.models import EventType
from jigsaw.web.audit.services import audit_record
from jigsaw.web.children.models import ACTIVE_LINK_STATUSES, AgencyRecord, Child, Link, LinkStatus

NOT_FOUND = "no such child"


def children_visible_to(user) -> QuerySet[Child]:
    """Return the children whose records the user may open (none for roles without the right)."""
    scope = child_scope(Actor.of(user))
    if scope is None:
        return Child.objects.none()
    children = Child.objects.filter(area_id=scope.area_id)
    active = {"links__status__in": ACTIVE_LINK_STATUSES}
    # One filter() call per rule, so that the record and its active link are the same row.
    if scope.via_agency_id is not None:
        children = children.filter(links__record__agency_id=scope.via_agency_id, **active)
    if scope.via_author_id is not None:
        children = children.filter(
            links__record__concerns__recorded_by_id=scope.via_author_id, **active
        )
    return children.distinct()


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
    # Added after saving: ``(kind label, reason, text, written by, written at)``, text and
    # reason withheld (``None``) with the note; a withdrawn concern no longer counts.
    addenda: tuple[tuple[str, str | None, str | None, str, dt.datetime], ...] = ()
    withdrawn: bool = False
    may_correct: bool = False
    # False where the user may know only that this agency holds a concern (need to know): the
    # signs and the grade are then empty.
    signs_visible: bool = True


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
    # Need to know: whether the user sees the combined grade (its reasons name every agency's
    # signs) and which agencies hold records; ``known_elsewhere`` is all a practitioner learns
    # of the others. ``grade`` is the combined grade with its next step said to this user's role.
    grade_visible: bool = True
    agencies_visible: bool = True
    known_elsewhere: bool = False
    grade: dict[str, object] = dataclasses.field(default_factory=dict)


def _identity(record: AgencyRecord) -> dict[str, object]:
    return {
        "name": f"{record.first_name} {record.last_name}".strip(),
        "alias": record.alias,
        "dob_estimated": record.dob_estimated,
        "needs_identification": record.needs_identification,
        "dob": record.dob,
        "sex": record.get_sex_display(),
        "postcode": record.postcode,
        "nhs_number": record.nhs_number,
    }


def _record_view(actor: Actor, child: Child, link: Link) -> RecordView:
    see_identity = may_see_identity(
        actor, child_area_id=child.area_id, record_agency_id=link.record.agency_id
    )
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
        If there is no such child, or the access rule does not let ``user`` open it: the two
        answer the same, so that ids cannot be probed. The refusal is audited.
    """
    from jigsaw.web.concerns.models import Concern

    actor = Actor.of(user)
    child = Child.objects.filter(pk=child_id).select_related("area").first()
    links: list[Link] = []
    concerns: list[Concern] = []
    if child is not None and child_scope(actor) is not None:
        links = list(
            Link.objects.filter(child=child, status__in=ACTIVE_LINK_STATUSES)
            .select_related("record__agency")
            .order_by("created_at", "id")
        )
        concerns = list(
            Concern.objects.filter(record__in=[link.record for link in links])
            .select_related("record__agency")
            .prefetch_related("addenda__written_by")
            .order_by("-seen_on", "-id")
        )
    if child is None or not may_open_child(
        actor,
        child_area_id=child.area_id,
        record_agency_ids={link.record.agency_id for link in links},
        author_ids={c.recorded_by_id for c in concerns if c.recorded_by_id is not None},
    ):
        with transaction.atomic():
            audit_record(
                actor=user if user.is_authenticated else None,
                event_type=EventType.CHILD_VIEW_REFUSED,
                subject=child,
                extra={"purpose": purpose}
                if child is not None
                else {"purpose": purpose, "child": child_id, "exists": False},
            )
        raise Http404(NOT_FOUND)
    # The view and its audit row are one unit: if the row cannot be written, nothing is shown.
    with transaction.atomic():
        audit_record(
            actor=user,
            event_type=EventType.CHILD_VIEWED,
            subject=child,
            extra={"purpose": purpose, "role": actor.role},
        )
        pending = []
        if may_review_links(actor):
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
                        _record_view(actor, child, link),
                        active.child_id if active else 0,
                        "incoming",
                    )
                )
            for link in Link.objects.filter(
                status=LinkStatus.PENDING, record_id__in=record_ids
            ).select_related("record__agency"):
                pending.append(
                    PendingLinkView(
                        link.pk, _record_view(actor, child, link), link.child_id, "outgoing"
                    )
                )
    views = []
    for c in concerns:
        signs = may_see_signs(
            actor,
            child_area_id=child.area_id,
            concern_agency_id=c.record.agency_id,
            concern_author_id=c.recorded_by_id,
        )
        see_agencies = may_see_agencies(actor, child_area_id=child.area_id)
        if not signs and not see_agencies:
            continue  # a practitioner learns only that other agencies know the child
        # The override reason is free text too: withheld by the same rule as the note.
        readable = signs and may_read_note(
            actor,
            child_area_id=child.area_id,
            concern_agency_id=c.record.agency_id,
            concern_author_id=c.recorded_by_id,
        )
        views.append(
            ConcernView(
                id=c.pk,
                agency=c.record.agency.name,
                agency_kind=c.record.agency.get_kind_display(),
                seen_on=c.seen_on,
                indicators=tuple(c.indicators) if signs else (),
                note=c.note if readable else None,
                grade_level=c.grade_level if signs else "",
                override_level=c.override_level if signs else "",
                override_reason=c.override_reason if readable else None,
                own=c.recorded_by_id == user.pk,
                may_override=signs
                and may_override(
                    actor, child_area_id=child.area_id, concern_agency_id=c.record.agency_id
                ),
                addenda=tuple(
                    (
                        a.get_kind_display(),
                        a.reason if readable else None,
                        a.text if readable else None,
                        a.written_by.get_username(),
                        a.written_at,
                    )
                    for a in c.addenda.all()
                ),
                withdrawn=any(a.kind == "withdrawal" for a in c.addenda.all()),
                may_correct=may_correct_concern(
                    actor,
                    child_area_id=child.area_id,
                    concern_agency_id=c.record.agency_id,
                    concern_author_id=c.recorded_by_id,
                ),
                signs_visible=signs,
            )
        )
    see_agencies = may_see_agencies(actor, child_area_id=child.area_id)
    shown_links = [
        link for link in links if see_agencies or link.record.agency_id == actor.agency_id
    ]
    return ChildView(
        child=child,
        role=str(actor.role),
        concerns=tuple(views),
        records=tuple(_record_view(actor, child, link) for link in shown_links),
        pending_links=tuple(pending),
        may_decide_links=may_review_links(actor),
        agencies=tuple(sorted({link.record.agency.name for link in shown_links})),
        grade_visible=may_see_combined_grade(actor, child_area_id=child.area_id),
        agencies_visible=see_agencies,
        known_elsewhere=any(link.record.agency_id != actor.agency_id for link in links),
        grade=role_aware_grade(child.grade_level, child.grade_reasons, str(actor.role)),
    )


def role_aware_grade(level: str, grade: dict[str, object], role: str) -> dict[str, object]:
    """A stored grade with its next step said to ``role`` (jigsaw.act.advice chooses the words)."""
    from jigsaw.act.advice import role_aware
    from jigsaw.web.concerns.selectors import catalogue

    if not grade.get("next_step"):
        return dict(grade)
    return role_aware(level, grade, role, catalogue())


def pending_links_for(user) -> QuerySet[Link]:
    """Return the links awaiting review in a MASH analyst's area (empty for everyone else)."""
    actor = Actor.of(user)
    if actor.area_id is None or not may_review_links(actor):
        return Link.objects.none()
    # Both ends in the analyst's area: a link never crosses partnerships.
    return (
        Link.objects.filter(
            status=LinkStatus.PENDING,
            child__area_id=actor.area_id,
            record__agency__area_id=actor.area_id,
        )
        .select_related("record__agency", "child")
        .order_by("-match_probability", "created_at")
    )


def link_to_decide(*, user, link_id: int) -> Link:
    """Return a link of the MASH analyst's area, to confirm or reject.

    A link already decided is returned too, so that deciding it again is answered with why it
    cannot be (it is no longer pending), not with a page that pretends it does not exist.

    Raises
    ------
    Http404
        If there is no such link in the user's area, or the user reviews no links.
    """
    actor = Actor.of(user)
    link = None
    if actor.area_id is not None and may_review_links(actor):
        link = (
            Link.objects.filter(
                pk=link_id, child__area_id=actor.area_id, record__agency__area_id=actor.area_id
            )
            .select_related("record__agency", "child")
            .first()
        )
    if link is None:
        raise Http404("no such link awaiting your review")
    return link


def children_to_review_for(user) -> QuerySet[Child]:
    """Return a MASH analyst's area's children graded medium or high, highest first (all of
    them: the page that shows them pages through them)."""
    actor = Actor.of(user)
    if actor.area_id is None or not may_review_links(actor):
        return Child.objects.none()
    # By grade's rank, not its text: "medium" sorts after "high" alphabetically.
    rank = Case(*(When(grade_level=g.value, then=Value(g.rank)) for g in Grade), default=Value(0))
    return Child.objects.filter(
        area_id=actor.area_id, grade_level__in=[g.value for g in Grade if g >= Grade.MEDIUM]
    ).order_by(rank.desc(), "-graded_at", "-id")


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


@dataclasses.dataclass(frozen=True)
class ChildName:
    """How a list shows a child: the name and birth date from a record the user may see."""

    name: str
    dob: dt.date | None

    def __str__(self) -> str:
        return self.name


def child_names(*, user, child_ids) -> dict[int, ChildName]:
    """Return, for each child, the name a user may see: from the earliest linked record whose
    identity the access rule shows them (``may_see_identity``; an auditor tracing who looked at
    their area's children, ``may_trace_child_access``). A child with none is left out,
    and the caller shows the internal number instead."""
    actor = Actor.of(user)
    names: dict[int, ChildName] = {}
    links = (
        Link.objects.filter(child_id__in=list(child_ids), status__in=ACTIVE_LINK_STATUSES)
        .select_related("record", "child")
        .order_by("created_at", "id")
    )
    for link in links:
        if link.child_id in names:
            continue
        if may_see_identity(
            actor, child_area_id=link.child.area_id, record_agency_id=link.record.agency_id
        ) or may_trace_child_access(actor, child_area_id=link.child.area_id):
            record = link.record
            names[link.child_id] = ChildName(
                f"{record.first_name} {record.last_name}".strip() or "Name not known", record.dob
            )
    return names


@dataclasses.dataclass(frozen=True)
class ReviewRow:
    """One field of the two records side by side, with how the linkage engine compared it."""

    label: str
    left: str
    right: str
    level: str
    weight: float | None
    agrees: bool
    missing: bool


@dataclasses.dataclass(frozen=True)
class LinkReview:
    """What a MASH analyst sees to decide, or undo, one possible link."""

    link: Link
    record: AgencyRecord
    candidate: AgencyRecord | None
    candidate_name: ChildName | None
    candidate_records: tuple[AgencyRecord, ...]
    filed_under: Child | None
    filed_under_name: ChildName | None
    rows: tuple[ReviewRow, ...]
    explanation: tuple[tuple[str, str, float], ...]
    total_weight: float | None
    kept_apart: str
    household: tuple[tuple[Child, ChildName | None, AgencyRecord], ...]
    link_threshold: float
    review_threshold: float
    # The linkage model that proposed the link (stored with it), and the one weighing the fields
    # above now: they differ after the area retrained its model.
    proposed_with: str = ""
    weighed_with: str = ""


def _shown(record: AgencyRecord | None, field: str) -> str:
    if record is None:
        return ""
    value = {
        "forename": record.first_name,
        "surname": record.last_name,
        "dob": record.dob.strftime("%-d %B %Y") if record.dob else "",
        "sex": record.get_sex_display(),
        "postcode": record.postcode,
        "nhs_number": record.nhs_number,
        # The engine compares a number failing the check digit only as written: the same field.
        "nhs_as_written": record.nhs_number,
    }[field]
    return value or ""


def link_review_for(*, user, link_id: int) -> LinkReview:
    """Return the two records of a possible link side by side, for a MASH analyst of its area.

    "Same child as whom" is answered with the candidate child's record that agrees best with
    the proposed one; the explanation is the engine's (stored when the link was proposed at
    intake, else computed now with the same comparisons); children of the same household (a
    record at the same postcode with a surname the engine finds alike) are listed, and a pair
    the engine's constraints keep apart (twins, different NHS numbers) says so.

    Raises
    ------
    Http404
        As :func:`link_to_decide`.
    """
    from jigsaw.linkage import conflict
    from jigsaw.web.children import compare, matching

    link = link_to_decide(user=user, link_id=link_id)
    record = link.record
    # Weighed with the model the child's area links with now (its trained one, if any).
    used = matching.model_of(link.child.area_id)
    candidates = tuple(
        AgencyRecord.objects.filter(links__child=link.child, links__status__in=ACTIVE_LINK_STATUSES)
        .exclude(pk=record.pk)
        .select_related("agency")
        .order_by("created_at", "id")
    )
    mine = compare.prepared_record(record)
    scored = [
        (sum(a.weight for a in compare.compare(mine, compare.prepared_record(c), used=used)), c)
        for c in candidates
    ]
    best = max(scored, key=lambda item: item[0])[1] if scored else None
    found = (
        compare.compare(mine, compare.prepared_record(best), used=used) if best is not None else []
    )
    rows = tuple(
        ReviewRow(
            label=a.label,
            left=_shown(record, a.name),
            right=_shown(best, a.name),
            level=a.level,
            weight=None if a.missing else a.weight,
            agrees=a.agrees,
            missing=a.missing,
        )
        for a in found
    )
    stored = (link.explanation or {}).get("detail")
    if isinstance(stored, list) and stored:
        explanation = tuple((str(n), str(label), float(w)) for n, label, w in stored)
    else:
        explanation = (
            ("prior", "two random records", round(used.prior_weight, 2)),
            *((a.name, a.level, a.weight) for a in found),
        )
    kept_apart = str((link.explanation or {}).get("reason") or "")
    if kept_apart == "between the review and link thresholds":
        kept_apart = ""  # the ordinary case: the probability itself says why
    if best is not None and not kept_apart:
        kept_apart = (
            conflict(mine, compare.prepared_record(best), twins=used.keep_twins_apart) or ""
        )
    for name, label, _ in explanation:
        if name == "constraint":
            kept_apart = label
    active = Link.objects.filter(record=record, status__in=ACTIVE_LINK_STATUSES).first()
    filed = active.child if active is not None and active.child_id != link.child_id else None
    if filed is None and link.status == LinkStatus.CONFIRMED:
        replaced = Link.objects.filter(
            record=record,
            status=LinkStatus.SUPERSEDED,
            decision_reason=f"replaced by link {link.pk}",
        ).first()
        filed = replaced.child if replaced is not None else None
    household = []
    if record.postcode:
        seen = {link.child_id, filed.pk if filed else None}
        for other in (
            Link.objects.filter(
                status__in=ACTIVE_LINK_STATUSES,
                child__area_id=link.child.area_id,
                record__postcode=record.postcode,
            )
            .exclude(child_id__in=[c for c in seen if c is not None])
            .select_related("record", "child")
            .order_by("child_id", "id")
        ):
            if other.child_id in seen:
                continue
            surname = compare.compare(
                mine, compare.prepared_record(other.record), only=("surname",), used=used
            )
            if surname and surname[0].agrees:
                seen.add(other.child_id)
                household.append(other)
    names = child_names(
        user=user,
        child_ids={link.child_id, *(c.pk for c in [filed] if c), *(h.child_id for h in household)},
    )
    return LinkReview(
        link=link,
        record=record,
        candidate=best,
        candidate_name=names.get(link.child_id),
        candidate_records=candidates,
        filed_under=filed,
        filed_under_name=names.get(filed.pk) if filed else None,
        rows=rows,
        explanation=explanation,
        total_weight=link.match_weight,
        kept_apart=kept_apart,
        household=tuple((h.child, names.get(h.child_id), h.record) for h in household),
        link_threshold=compare.link_threshold(used),
        review_threshold=compare.review_threshold(used),
        proposed_with=str((link.explanation or {}).get("model") or ""),
        weighed_with=used.version,
    )

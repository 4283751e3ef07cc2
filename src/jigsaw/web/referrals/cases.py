"""MACE cases: a place or a peer group the MACE panel works as a case (contextual safeguarding).

The panel opens a case on a context, links the children it affects (each with a reason), writes
notes and actions, decides on it at its meetings and closes it with a reason. Who may do each is
:mod:`jigsaw.web.access` (:func:`~jigsaw.web.access.may_open_mace_case`); a case of another area
and a case that does not exist are both 404; a child is shown only to those who may open them
(:func:`~jigsaw.web.access.may_open_child`), and every view of a case's children is audited with
its purpose. Services (writes) come first, then selectors (reads).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from jigsaw.act.clock import LONDON
from jigsaw.identifiers import normalise_postcode
from jigsaw.web.access import (
    Actor,
    may_open_child,
    may_open_mace_case,
    may_work_mace_cases,
    view_purpose,
)
from jigsaw.web.accounts.models import Agency
from jigsaw.web.audit.models import EventType
from jigsaw.web.audit.services import audit_record
from jigsaw.web.children.models import ACTIVE_LINK_STATUSES, Child, Link
from jigsaw.web.groups.models import Group, Mention, MentionKind, ProposalStatus
from jigsaw.web.referrals.clock import now
from jigsaw.web.referrals.models import (
    MaceCase,
    MaceCaseAction,
    MaceCaseChild,
    MaceCaseKind,
    MaceCaseNote,
    MaceCaseStatus,
    MaceContextItem,
    MaceMeeting,
)
from jigsaw.web.referrals.services import required_text

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The same words everywhere a child's absence is answered: outside the actor's scope and
# missing look the same.
NO_SUCH_CHILD = "No child with that reference that you may open"


def _case_check(actor: User, case: MaceCase, *, open_only: bool = True) -> None:
    if not may_open_mace_case(Actor.of(actor), case_area_id=case.area_id):
        raise PermissionDenied("only the MACE panel of the case's area works a case")
    if open_only and case.status != MaceCaseStatus.OPEN:
        raise ValidationError(f"MACE case {case.pk} is closed: reopen it as a new case")


def _locked(case: MaceCase) -> MaceCase:
    """The case re-read under a row lock, so two people closing and adding at once cannot both
    act on what they read before."""
    return MaceCase.objects.select_for_update().get(pk=case.pk)


def place_labels(area_id: int) -> set[str]:
    """The labels the mentions of places of an area resolved to (the places page's rows)."""
    return set(
        Mention.objects.filter(area_id=area_id, kind=MentionKind.PLACE)
        .exclude(entity_label="")
        .values_list("entity_label", flat=True)
    )


def case_open(
    *,
    actor: User,
    kind: str,
    title: str,
    place: str = "",
    postcode: str = "",
    place_label: str = "",
    group: Group | None = None,
) -> MaceCase:
    """Open a MACE case on a place or a peer group of the actor's area.

    Raises
    ------
    PermissionDenied
        Unless ``actor`` is of the MACE panel (the MASH) of an area.
    ValidationError
        Without a title; a place without its name; a postcode that is not one; a place label or
        a group that is not of the area.
    """
    who = Actor.of(actor)
    if not may_work_mace_cases(who) or who.area_id is None:
        raise PermissionDenied("only the MACE panel opens a case")
    if kind not in MaceCaseKind.values:
        raise ValidationError({"kind": "Select a place or a peer group"})
    title = required_text(title, "title", "Give the case a title")
    place, place_label = place.strip(), place_label.strip()
    if place_label and place_label not in place_labels(who.area_id):
        raise ValidationError({"place": "No place of that name is recorded in the area"})
    if kind == MaceCaseKind.PLACE and not (place or place_label):
        raise ValidationError({"place": "Say which place: its name or address"})
    written = postcode.strip()
    if written:
        normal = normalise_postcode(written)
        if normal is None:
            raise ValidationError({"postcode": "Enter a real postcode, like NB1 4QT"})
        written = normal
    if group is not None and not (
        group.area_id == who.area_id and group.status != ProposalStatus.REJECTED
    ):
        raise ValidationError({"group": "No such group in the area"})
    with transaction.atomic():
        case = MaceCase.objects.create(
            area_id=who.area_id,
            kind=kind,
            title=title,
            place=place or place_label,
            postcode=written,
            place_label=place_label,
            group=group,
            opened_by=actor,
            opened_at=now(),
        )
        audit_record(
            actor=actor,
            event_type=EventType.MACE_CASE_OPENED,
            subject=case,
            extra={"kind": kind, "group": group.pk if group else None, "place": case.place},
        )
    return case


def _child_facts(child_id: int) -> tuple[int, set[int], set[int]] | None:
    """A child's area, the agencies holding an active record about them and the authors of
    their concerns: the facts :func:`~jigsaw.web.access.may_open_child` decides on."""
    from jigsaw.web.concerns.models import Concern

    child = Child.objects.filter(pk=child_id).first()
    if child is None:
        return None
    agencies = set(
        Link.objects.filter(child=child, status__in=ACTIVE_LINK_STATUSES).values_list(
            "record__agency_id", flat=True
        )
    )
    authors = set(
        Concern.objects.filter(
            record__links__child=child, record__links__status__in=ACTIVE_LINK_STATUSES
        )
        .exclude(recorded_by__isnull=True)
        .values_list("recorded_by_id", flat=True)
    )
    return child.area_id, agencies, authors


def case_child_add(*, actor: User, case: MaceCase, child_id: int, reason: str) -> MaceCaseChild:
    """Link a child the context affects to the case, with why.

    Raises
    ------
    ValidationError
        Without a reason; for a child the actor may not open, or none (the same words); for a
        child already on the case; on a closed case.
    """
    _case_check(actor, case)
    reason = required_text(reason, "reason", "Say why the child is affected by this context")
    facts = _child_facts(child_id)
    if facts is None or facts[0] != case.area_id:
        raise ValidationError({"child": NO_SUCH_CHILD})
    area_id, agencies, authors = facts
    if not may_open_child(
        Actor.of(actor), child_area_id=area_id, record_agency_ids=agencies, author_ids=authors
    ):
        raise ValidationError({"child": NO_SUCH_CHILD})
    already = {"child": "The child is already on this case"}
    with transaction.atomic():
        case = _locked(case)
        _case_check(actor, case)
        if case.children.filter(child_id=child_id, removed_at__isnull=True).exists():
            raise ValidationError(already)
        try:
            with transaction.atomic():
                row = MaceCaseChild.objects.create(
                    case=case, child_id=child_id, reason=reason, added_by=actor, added_at=now()
                )
        except IntegrityError:  # added by someone else between the check and the insert
            raise ValidationError(already) from None
        audit_record(
            actor=actor,
            event_type=EventType.MACE_CASE_CHILD_ADDED,
            subject=case,
            extra={"child": child_id, "reason": reason},
        )
    return row


def case_child_remove(*, actor: User, case: MaceCase, member_id: int, reason: str) -> None:
    """Take a child off the case, with why (the row stays, with who removed it and when).

    Raises
    ------
    ValidationError
        Without a reason; for a child not on the case; on a closed case.
    """
    _case_check(actor, case)
    reason = required_text(reason, "remove_reason", "Say why the child is taken off the case")
    with transaction.atomic():
        case = _locked(case)
        _case_check(actor, case)
        row = case.children.filter(pk=member_id, removed_at__isnull=True).first()
        if row is None:
            raise ValidationError({"remove_reason": "That child is not on this case"})
        row.removed_by, row.removed_at, row.removed_reason = actor, now(), reason
        row.save(update_fields=["removed_by", "removed_at", "removed_reason"])
        audit_record(
            actor=actor,
            event_type=EventType.MACE_CASE_CHILD_REMOVED,
            subject=case,
            extra={"child": row.child_id, "reason": reason},
        )


def case_note_add(*, actor: User, case: MaceCase, text: str) -> MaceCaseNote:
    """Write a note on the case (what was learned about the place or the group)."""
    _case_check(actor, case)
    text = required_text(text, "text", "Write the note")
    with transaction.atomic():
        case = _locked(case)
        _case_check(actor, case)
        note = MaceCaseNote.objects.create(case=case, text=text, by=actor, at=now())
        audit_record(actor=actor, event_type=EventType.MACE_CASE_NOTE_ADDED, subject=case, extra={})
    return note


def case_action_create(
    *, actor: User, case: MaceCase, title: str, owner_agency: Agency, due_on: dt.date
) -> MaceCaseAction:
    """Give one agency of the case's area something to do about the context by a date (the
    rules of a referral's action: a title, an owner agency of the same area)."""
    _case_check(actor, case)
    title = required_text(title, "title", "Say what is to be done")
    if owner_agency.area_id != case.area_id:
        raise ValidationError({"owner_agency": "The owner agency must be of the case's area"})
    with transaction.atomic():
        case = _locked(case)
        _case_check(actor, case)
        action = MaceCaseAction.objects.create(
            case=case,
            title=title,
            owner_agency=owner_agency,
            due_on=due_on,
            created_by=actor,
            created_at=now(),
        )
        audit_record(
            actor=actor,
            event_type=EventType.MACE_CASE_ACTION_CREATED,
            subject=case,
            extra={"action": action.pk, "owner_agency": owner_agency.pk, "due_on": str(due_on)},
        )
    return action


def case_action_done(
    *, actor: User, case: MaceCase, action_id: int, evidence: str
) -> MaceCaseAction:
    """Mark an action of the case done, with the evidence that it was (as a referral's)."""
    _case_check(actor, case, open_only=False)
    evidence = required_text(evidence, "evidence", "Say what was done (the evidence)")
    with transaction.atomic():
        action = (
            MaceCaseAction.objects.select_for_update()
            .filter(pk=action_id, case=case, done_at__isnull=True)
            .first()
        )
        if action is None:
            raise ValidationError({"evidence": "No open action of that reference on this case"})
        action.done_at, action.done_by, action.evidence = now(), actor, evidence
        action.save(update_fields=["done_at", "done_by", "evidence"])
        audit_record(
            actor=actor,
            event_type=EventType.MACE_CASE_ACTION_DONE,
            subject=case,
            extra={"action": action.pk, "evidence": evidence},
        )
    return action


def case_close(*, actor: User, case: MaceCase, reason: str) -> MaceCase:
    """Close the case with why (the risk in the context reduced, the place closed, the group
    dispersed); it then takes no new children, notes or actions."""
    _case_check(actor, case)
    reason = required_text(reason, "close_reason", "Say why the case can close")
    with transaction.atomic():
        case = _locked(case)
        _case_check(actor, case)
        case.status, case.closed_by, case.closed_at, case.close_reason = (
            MaceCaseStatus.CLOSED,
            actor,
            now(),
            reason,
        )
        case.save(update_fields=["status", "closed_by", "closed_at", "close_reason"])
        audit_record(
            actor=actor,
            event_type=EventType.MACE_CASE_CLOSED,
            subject=case,
            extra={"reason": reason},
        )
    return case


# Cases and groups at a MACE meeting ----------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ContextDecision:
    """What the panel decided about one case or one group at a meeting (exactly one is set)."""

    decision: str
    case: MaceCase | None = None
    group: Group | None = None

    @property
    def label(self) -> str:
        if self.case is not None:
            return f"Case {self.case.pk}"
        return f"Group {self.group.pk}" if self.group is not None else "?"


def contexts_check(area_id: int, contexts: Sequence[ContextDecision]) -> list[ContextDecision]:
    """The decisions of a meeting, checked: each of the meeting's area, with its decision.

    Raises
    ------
    PermissionDenied
        For a case or a group of another area.
    ValidationError
        For a decision left empty, naming the case or the group.
    """
    checked = []
    for entry in contexts:
        if (entry.case is None) == (entry.group is None):
            raise ValueError("a decision is about one case or one group")
        subject = entry.case or entry.group
        if subject is None or subject.area_id != area_id:
            raise PermissionDenied("only the area's own cases and groups are on its agenda")
        decision = required_text(entry.decision, "decision", f"{entry.label}: record the decision")
        checked.append(dataclasses.replace(entry, decision=decision))
    return checked


def contexts_save(meeting: MaceMeeting, contexts: Sequence[ContextDecision]) -> None:
    """Store a meeting's decisions on cases and groups (inside the meeting's transaction), with
    each case's children at the time, for the minutes."""
    for entry in contexts:
        children = (
            list(
                entry.case.children.filter(removed_at__isnull=True).values_list(
                    "child_id", flat=True
                )
            )
            if entry.case
            else []
        )
        MaceContextItem.objects.create(
            meeting=meeting,
            case=entry.case,
            group=entry.group,
            decision=entry.decision,
            children=children,
        )


# Selectors -----------------------------------------------------------------------------------


def case_for(*, user: Any, case_id: int) -> MaceCase:
    """A case the actor may work (404 for a case of another area, or none); no child shown."""
    case = MaceCase.objects.filter(pk=case_id).first()
    if case is None or not may_open_mace_case(Actor.of(user), case_area_id=case.area_id):
        raise Http404("no such case")
    return case


def _overdue(action: MaceCaseAction, today: dt.date) -> bool:
    return action.done_at is None and action.due_on < today


@dataclasses.dataclass(frozen=True)
class CaseRow:
    case: MaceCase
    children: int
    open_actions: int
    overdue_actions: int


def cases_for(user: Any, *, status: str = MaceCaseStatus.OPEN) -> list[CaseRow]:
    """The area's cases of a status, newest first, with how many children each affects (no child
    is named here)."""
    actor = Actor.of(user)
    if not may_work_mace_cases(actor) or actor.area_id is None:
        return []
    today = now().astimezone(LONDON).date()
    rows = []
    cases = MaceCase.objects.filter(area_id=actor.area_id, status=status).prefetch_related(
        "children", "actions"
    )
    for case in cases:
        open_actions = [a for a in case.actions.all() if a.done_at is None]
        rows.append(
            CaseRow(
                case=case,
                children=sum(1 for c in case.children.all() if c.removed_at is None),
                open_actions=len(open_actions),
                overdue_actions=sum(1 for a in open_actions if _overdue(a, today)),
            )
        )
    return rows


@dataclasses.dataclass(frozen=True)
class CaseChildRow:
    member: MaceCaseChild
    name: str


@dataclasses.dataclass(frozen=True)
class HistoryRow:
    at: dt.datetime
    what: str
    by: str


@dataclasses.dataclass(frozen=True)
class CaseView:
    case: MaceCase
    children: tuple[CaseChildRow, ...]
    hidden_children: int
    # Children the context connects who are not on the case yet: (id, name, why suggested).
    suggested: tuple[tuple[int, str, str], ...]
    notes: tuple[MaceCaseNote, ...]
    actions: tuple[tuple[MaceCaseAction, bool], ...]  # the action, overdue
    decisions: tuple[MaceContextItem, ...]
    history: tuple[HistoryRow, ...]


def _suggested(case: MaceCase) -> dict[int, str]:
    """Children the case's context connects: those with a mention of its place, or in its
    group; why each is suggested."""
    found: dict[int, str] = {}
    if case.place_label:
        for child_id in Mention.objects.filter(
            area_id=case.area_id, kind=MentionKind.PLACE, entity_label=case.place_label
        ).values_list("child_id", flat=True):
            found.setdefault(child_id, f"a place mention: {case.place_label}")
    if case.group_id is not None:
        for child_id in case.group.members.values_list("child_id", flat=True):  # type: ignore[union-attr]
            found.setdefault(child_id, f"in group {case.group_id}")
    return found


def _who(user: Any) -> str:
    return user.get_username() if user is not None else ""


def case_view(*, user: Any, case_id: int) -> CaseView:
    """One case as the MACE panel sees it: its children (only those the viewer may open), the
    children its context suggests, notes, actions, meeting decisions and history; audited with
    the children it shows and its purpose (404 for a case of another area, or none)."""
    from jigsaw.web.groups.selectors import mash_child_names, visible_children

    actor = Actor.of(user)
    case = case_for(user=user, case_id=case_id)
    members = list(case.children.select_related("added_by", "removed_by"))
    current = [m for m in members if m.removed_at is None]
    visible = set(visible_children(actor, sorted({m.child_id for m in members})))
    suggestions = _suggested(case) if case.status == MaceCaseStatus.OPEN else {}
    on_case = {m.child_id for m in current}
    suggested_ids = [c for c in visible_children(actor, sorted(suggestions)) if c not in on_case]
    names = mash_child_names(sorted(visible | set(suggested_ids)))
    children = tuple(CaseChildRow(m, names[m.child_id]) for m in current if m.child_id in visible)
    today = now().astimezone(LONDON).date()
    actions = tuple(
        (a, _overdue(a, today)) for a in case.actions.select_related("owner_agency", "done_by")
    )
    notes = tuple(case.notes.select_related("by"))
    decisions = tuple(case.decisions.select_related("meeting"))

    def child_word(child_id: int) -> str:
        return names.get(child_id, "a child you may not open")

    history = [HistoryRow(case.opened_at, f"Case opened: {case.title}", _who(case.opened_by))]
    for m in members:
        history.append(
            HistoryRow(m.added_at, f"{child_word(m.child_id)} added: {m.reason}", _who(m.added_by))
        )
        if m.removed_at is not None:
            history.append(
                HistoryRow(
                    m.removed_at,
                    f"{child_word(m.child_id)} removed: {m.removed_reason}",
                    _who(m.removed_by),
                )
            )
    history += [HistoryRow(n.at, "Note written", _who(n.by)) for n in notes]
    for a, _ in actions:
        history.append(
            HistoryRow(
                a.created_at, f"Action set: {a.title} ({a.owner_agency})", _who(a.created_by)
            )
        )
        if a.done_at is not None:
            history.append(HistoryRow(a.done_at, f"Action done: {a.title}", _who(a.done_by)))
    for d in decisions:
        held = dt.datetime.combine(d.meeting.held_on, dt.time(12), tzinfo=LONDON)
        history.append(HistoryRow(held, f"MACE panel of {d.meeting.held_on:%-d %B %Y}", ""))
    if case.closed_at is not None:
        history.append(
            HistoryRow(case.closed_at, f"Case closed: {case.close_reason}", _who(case.closed_by))
        )
    history.sort(key=lambda h: h.at)
    shown = [r.member.child_id for r in children]
    with transaction.atomic():
        audit_record(
            actor=user,
            event_type=EventType.MACE_CASE_VIEWED,
            subject=case,
            extra={
                "purpose": view_purpose(actor.role, "mace_case"),
                "children": sorted(set(shown) | set(suggested_ids)),
            },
        )
    return CaseView(
        case=case,
        children=children,
        hidden_children=len(current) - len(children),
        suggested=tuple((c, names[c], suggestions[c]) for c in suggested_ids),
        notes=notes,
        actions=actions,
        decisions=decisions,
        history=tuple(history),
    )


@dataclasses.dataclass(frozen=True)
class CaseAgendaItem:
    case: MaceCase
    children: int
    reasons: tuple[str, ...]


def case_agenda(user: Any, *, on: dt.date) -> list[CaseAgendaItem]:
    """The open cases on the MACE agenda of a meeting ``on`` a date, with why: a case not yet
    discussed is new; one with an action past its date has overdue actions; every open case is
    reviewed at each meeting until it closes. Those with overdue actions first; no child named."""
    actor = Actor.of(user)
    if not may_work_mace_cases(actor) or actor.area_id is None:
        return []
    discussed = set(
        MaceContextItem.objects.filter(
            case__area_id=actor.area_id, meeting__held_on__lt=on
        ).values_list("case_id", flat=True)
    )
    items = []
    for row in cases_for(user):
        reasons = []
        if row.case.pk not in discussed:
            reasons.append("new case")
        if row.overdue_actions:
            reasons.append("overdue actions")
        items.append(
            CaseAgendaItem(case=row.case, children=row.children, reasons=tuple(reasons or ["open"]))
        )
    items.sort(key=lambda i: ("overdue actions" not in i.reasons, i.case.opened_at, i.case.pk))
    return items


def minutes_lines(meeting: MaceMeeting, name_of: Any) -> list[str]:
    """The minutes' lines of the cases and groups the meeting decided on; ``name_of`` names a
    child (the minutes' own rule, :func:`jigsaw.web.referrals.selectors.mace_minutes`)."""
    lines: list[str] = []
    for item in meeting.contexts.select_related("case", "group"):
        lines.append("")
        if item.case is not None:
            case = item.case
            where = ", ".join(p for p in (case.place, case.postcode) if p)
            lines.append(
                f"Case {case.pk}: {case.title} ({case.get_kind_display().lower()}"
                + (f", {where}" if where else "")
                + ")"
            )
            names = [name_of(c) for c in item.children]
            lines.append(f"Children affected: {', '.join(names) if names else 'none linked yet'}")
        elif item.group is not None:
            group = item.group
            labels = sorted({f"{r['kind']}: {r['label']}" for r in group.evidence})
            lines.append(
                f"Group {group.pk}: {group.members.count()} children connected through "
                f"{'; '.join(labels) or '-'}"
            )
        lines.append(f"Decision: {item.decision}")
    return lines

"""Every change in the workflow from a concern to an outcome, each with its audit row.

The states and which change may follow which are :mod:`jigsaw.act.states`; who may make each change
is :mod:`jigsaw.web.access`; the time is :func:`jigsaw.web.referrals.clock.now`, and the response
times are the partnership's :class:`jigsaw.act.ResponsePolicy` (:func:`policy_for`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import enum
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from jigsaw.act.clock import LONDON, Counting, Deadline, Rag, ResponsePolicy, WorkingCalendar
from jigsaw.act.states import (
    ActionState,
    ContactDecision,
    ContactState,
    MashDecision,
    Outcome,
    ReferralState,
    TransitionError,
    check,
)
from jigsaw.screening import Grade
from jigsaw.web.access import (
    Actor,
    may_decide_contact,
    may_decide_referral,
    may_rate_referral,
    may_record_outcome,
    may_refer_to_mash,
    may_update_action,
    may_work_referral,
)
from jigsaw.web.accounts.models import Agency, Area, Role
from jigsaw.web.audit.models import EventType
from jigsaw.web.audit.services import audit_record
from jigsaw.web.children.models import ACTIVE_LINK_STATUSES, Child, Link
from jigsaw.web.concerns.models import Concern
from jigsaw.web.referrals import notify
from jigsaw.web.referrals.clock import now
from jigsaw.web.referrals.models import (
    Action,
    Contact,
    Escalation,
    Feedback,
    MaceItem,
    MaceMeeting,
    MissingEpisode,
    RagChange,
    Referral,
    ReferralSource,
    ResponseSettings,
    Review,
    StrategyDiscussion,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from jigsaw.web.referrals.cases import ContextDecision

OPEN_ACTION_STATES = (
    ActionState.OPEN.value,
    ActionState.OVERDUE.value,
    ActionState.ESCALATED.value,
)
LIVE_REFERRAL_STATES = (
    ReferralState.OPEN.value,
    ReferralState.DECIDED.value,
    ReferralState.OUTCOME.value,
    ReferralState.REVIEWING.value,
)


def policy_for(area: Area | int) -> ResponsePolicy:
    """The partnership's response times: its own settings where it has them, else the defaults."""
    area_id = area if isinstance(area, int) else area.pk
    own = ResponseSettings.objects.filter(area_id=area_id).first()
    if own is None:
        return ResponsePolicy()
    default = ResponsePolicy()
    return ResponsePolicy(
        red=Deadline(own.red_hours, default.red.counting),
        amber=Deadline(own.amber_hours, default.amber.counting),
        green=Deadline(own.green_hours, default.green.counting),
        decision=Deadline(own.decision_hours, Counting.WORKING_DAYS),
        review_months=own.review_months,
        referral_threshold=Grade(own.referral_threshold),
        calendar=WorkingCalendar(opens=own.opens, closes=own.closes),
    )


def end_of(day: dt.date) -> dt.datetime:
    """The end of a day in London: a date-only deadline is met until midnight."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=LONDON)


def _state_check(state: object, change: str, what: str) -> None:
    try:
        check(state, change, what=what)  # type: ignore[arg-type]
    except TransitionError as error:
        raise ValidationError(str(error)) from None


_Row = TypeVar("_Row", Contact, Referral, Action)


@contextlib.contextmanager
def _transition(obj: _Row, states: type[enum.Enum], change: str) -> Iterator[None]:
    """The one way a contact, a referral or an action changes state: in one transaction, its row
    locked and re-read, the change checked against the workflow's table (:mod:`jigsaw.act.states`)
    on what is stored now, then the caller's checks, change and audit row inside the block.

    The lock means two people acting at once cannot both make a change the state allows once (two
    analysts deciding the same referral): the second waits, re-reads and is refused. A refusal
    raised inside the block writes nothing.
    """
    with transaction.atomic():
        obj.refresh_from_db(from_queryset=type(obj).objects.select_for_update())
        _state_check(states(obj.state), change, f"{type(obj).__name__.lower()} {obj.pk}")
        yield


def required_text(value: str, field: str, message: str) -> str:
    """Return ``value`` stripped, or raise a form error on ``field`` saying ``message`` when blank.

    The one way a write in the referrals and MACE services asks for a reason or a title.
    """
    if not value.strip():
        raise ValidationError({field: message})
    return value.strip()


# Contacts -------------------------------------------------------------------------------------


def after_concern(*, actor: User, concern: Concern, child: Child) -> Contact | None:
    """What follows a saved concern, inside its transaction: a contact for the recording agency's
    safeguarding lead (not when the MASH itself recorded it), and a referral to the MASH when the
    child's combined grade has reached the partnership's threshold and none is open."""
    return after_concerns(actor=actor, concerns=[(concern, child)])[0]


def after_concerns(
    *, actor: User, concerns: Sequence[tuple[Concern, Child]]
) -> list[Contact | None]:
    """:func:`after_concern` for many saved concerns at once, in order (a bulk import): the
    contacts are written together, with their audit rows; a child reaching the threshold is
    referred once, on the first of its concerns, as one by one (the referral is then open for
    the rest)."""
    from jigsaw.web.audit.services import AuditEntry, audit_record_many
    from jigsaw.web.bulk import rows_insert

    who = Actor.of(actor)
    at = now()
    policies: dict[int, ResponsePolicy] = {}
    due: dict[int, dt.datetime] = {}

    def policy(area_id: int) -> ResponsePolicy:
        if area_id not in policies:
            policies[area_id] = policy_for(area_id)
        return policies[area_id]

    def decision_due(area_id: int) -> dt.datetime:
        if area_id not in due:
            due[area_id] = policy(area_id).decision_due(at)
        return due[area_id]

    contacts: list[Contact | None] = [None] * len(concerns)
    if who.role != Role.MASH_ANALYST:
        made = [
            Contact(
                concern=concern,
                agency_id=concern.record.agency_id,
                child=child,
                received_at=at,
                decision_due=decision_due(child.area_id),
            )
            for concern, child in concerns
        ]
        if len(made) == 1:
            made[0].save()
        else:
            rows_insert(made)
        audit_record_many(
            [
                AuditEntry(
                    actor,
                    EventType.CONTACT_CREATED,
                    contact,
                    {"concern": concern.pk, "child": child.pk, "agency": contact.agency_id},
                )
                for contact, (concern, child) in zip(made, concerns, strict=True)
            ]
        )
        contacts = list(made)
        # One message per agency's safeguarding leads, however many contacts a file made.
        for agency_id in sorted({contact.agency_id for contact in made}):
            notify.notify(notify.staff(role=Role.DSL, agency_id=agency_id), notify.Item.CONTACT)
    reaching = {
        child.pk
        for _, child in concerns
        if policy(child.area_id).reaches_threshold(child.grade_level)
    }
    ordered = sorted(reaching)
    live: set[int] = set()
    for start in range(0, len(ordered), 10_000):  # SQLite's limit on a query's parameters
        live.update(
            Referral.objects.filter(
                child_id__in=ordered[start : start + 10_000], state__in=LIVE_REFERRAL_STATES
            ).values_list("child_id", flat=True)
        )
    for (concern, child), contact in zip(concerns, contacts, strict=True):
        if child.pk in reaching and child.pk not in live:
            referral_create(
                actor=None,
                child=child,
                source=ReferralSource.THRESHOLD,
                concern=concern,
                contact=contact,
                reason=f"The child's combined grade reached {child.grade_level}, the "
                "partnership's threshold for a referral.",
            )
            live.add(child.pk)
    return contacts


def _live_referral(child: Child) -> Referral | None:
    return Referral.objects.filter(child=child, state__in=LIVE_REFERRAL_STATES).first()


def contact_decide(
    *,
    actor: User,
    contact: Contact,
    decision: ContactDecision | str,
    reason: str = "",
    review_on: dt.date | None = None,
) -> Contact:
    """Record the safeguarding lead's decision: no further action (reason), keep watching
    (review date) or refer to the MASH.

    Raises
    ------
    PermissionDenied
        Unless ``actor`` is the safeguarding lead of the recording agency, in the child's area.
    ValidationError
        If the reason or the review date is missing, or the contact is already decided.
    """
    if not may_decide_contact(
        Actor.of(actor), child_area_id=contact.child.area_id, contact_agency_id=contact.agency_id
    ):
        raise PermissionDenied("only the recording agency's safeguarding lead decides a contact")
    decision = ContactDecision(decision)
    with _transition(contact, ContactState, decision.value):
        at = now()
        if decision is ContactDecision.NO_FURTHER_ACTION:
            reason = required_text(reason, "reason", "Say why no further action is needed")
        if decision is ContactDecision.KEEP_WATCHING:
            if review_on is None:
                raise ValidationError({"review_on": "Give the date to look at this child again"})
            if review_on <= at.astimezone(LONDON).date():
                raise ValidationError({"review_on": "The review date must be in the future"})
        contact.state = {
            ContactDecision.NO_FURTHER_ACTION: ContactState.NO_FURTHER_ACTION,
            ContactDecision.KEEP_WATCHING: ContactState.WATCHING,
            ContactDecision.REFER: ContactState.REFERRED,
        }[decision].value
        contact.decision = decision.value
        contact.reason = reason.strip()
        contact.review_on = review_on if decision is ContactDecision.KEEP_WATCHING else None
        contact.decided_by = actor
        contact.decided_at = at
        contact.save()
        audit_record(
            actor=actor,
            event_type=EventType.CONTACT_DECIDED,
            subject=contact,
            extra={
                "decision": decision.value,
                "review_on": review_on.isoformat() if review_on else None,
                "late": at > contact.decision_due,
            },
        )
        if decision is ContactDecision.REFER:
            live = _live_referral(contact.child)
            if live is None:
                referral_create(
                    actor=actor,
                    child=contact.child,
                    source=ReferralSource.DSL,
                    concern=contact.concern,
                    contact=contact,
                    reason=reason,
                )
            elif live.referred_by_id is None:
                # The automatic referral now has a person behind it, who will get the feedback.
                live.referred_by, live.referrer_agency_id = actor, contact.agency_id
                live.save(update_fields=["referred_by", "referrer_agency"])
    return contact


# Referrals ------------------------------------------------------------------------------------


def referral_create(
    *,
    actor: User | None,
    child: Child,
    source: ReferralSource | str,
    concern: Concern | None = None,
    contact: Contact | None = None,
    reason: str = "",
) -> Referral:
    """Put a child on their area's MASH queue, with the decision clock running.

    ``actor`` is ``None`` for the automatic referral at the partnership's threshold.
    """
    at = now()
    agency_id = None
    if actor is not None:
        agency_id = Actor.of(actor).agency_id
    elif concern is not None:
        agency_id = concern.record.agency_id
    with transaction.atomic():
        referral = Referral.objects.create(
            child=child,
            area_id=child.area_id,
            contact=contact,
            concern=concern,
            source=ReferralSource(source).value,
            referred_by=actor,
            referrer_agency_id=agency_id,
            reason=reason.strip(),
            received_at=at,
            decision_due=policy_for(child.area_id).decision_due(at),
        )
        audit_record(
            actor=actor,
            event_type=EventType.REFERRAL_CREATED,
            subject=referral,
            extra={"child": child.pk, "source": referral.source, "grade": child.grade_level},
        )
        notify.notify(
            notify.staff(role=Role.MASH_ANALYST, area_id=child.area_id), notify.Item.REFERRAL
        )
    return referral


def referral_direct(*, actor: User, concern: Concern, reason: str) -> Referral:
    """A practitioner refers the child of their own concern straight to the MASH.

    Raises
    ------
    PermissionDenied
        Unless ``actor`` recorded the concern and is a practitioner in the child's area.
    ValidationError
        Without a reason.
    """
    link = Link.objects.filter(record_id=concern.record_id, status__in=ACTIVE_LINK_STATUSES).first()
    if link is None or not may_refer_to_mash(
        Actor.of(actor), child_area_id=link.child.area_id, concern_author_id=concern.recorded_by_id
    ):
        raise PermissionDenied("only the practitioner who recorded the concern refers it directly")
    reason = required_text(reason, "reason", "Say why you are referring to the MASH")
    live = _live_referral(link.child)
    if live is not None:
        return live
    return referral_create(
        actor=actor,
        child=link.child,
        source=ReferralSource.PRACTITIONER,
        concern=concern,
        contact=getattr(concern, "contact", None),
        reason=reason,
    )


def _mash_only(actor: User, referral: Referral, rule: object) -> None:
    if not rule(Actor.of(actor), referral_area_id=referral.area_id):  # type: ignore[operator]
        raise PermissionDenied("only the MASH of the child's area works this referral")


def referral_rate(*, actor: User, referral: Referral, rag: Rag | str, reason: str = "") -> Referral:
    """Give or change the RAG rating; the response clock runs from the referral's receipt.

    Raises
    ------
    ValidationError
        If the rating changes without a reason, or the referral is past rating.
    """
    _mash_only(actor, referral, may_rate_referral)
    rag = Rag(rag)
    with _transition(referral, ReferralState, "rate"):
        previous = referral.rag
        if previous == rag.value:
            return referral
        if previous and not reason.strip():
            raise ValidationError({"reason": "Say why the rating changes"})
        at = now()
        referral.rag = rag.value
        referral.response_due = policy_for(referral.area_id).response_due(rag, referral.received_at)
        referral.save(update_fields=["rag", "response_due"])
        RagChange.objects.create(
            referral=referral,
            rag=rag.value,
            previous=previous,
            reason=reason.strip(),
            by=actor,
            at=at,
        )
        audit_record(
            actor=actor,
            event_type=EventType.REFERRAL_RATED,
            subject=referral,
            extra={"rag": rag.value, "previous": previous, "reason": reason.strip()},
        )
    return referral


def referral_decide(
    *,
    actor: User,
    referral: Referral,
    decision: MashDecision | str,
    reason: str,
    outcome_due: dt.date,
    child_voice: str = "",
) -> Referral:
    """Record the MASH decision and tell the referrer what was decided.

    ``outcome_due``: the date by which the outcome will be recorded (a referral open without one
    shows as breached).

    Raises
    ------
    ValidationError
        Without a reason, or with an outcome date in the past, or if already decided.
    """
    _mash_only(actor, referral, may_decide_referral)
    decision = MashDecision(decision)
    with _transition(referral, ReferralState, "decide"):
        reason = required_text(reason, "reason", "Give the reason for the decision")
        at = now()
        if outcome_due < at.astimezone(LONDON).date():
            raise ValidationError({"outcome_due": "The outcome date must be today or later"})
        referral.state = ReferralState.DECIDED.value
        referral.decision = decision.value
        referral.decision_reason = reason
        referral.child_voice = child_voice.strip()
        referral.decided_by = actor
        referral.decided_at = at
        referral.outcome_due = outcome_due
        referral.save()
        audit_record(
            actor=actor,
            event_type=EventType.REFERRAL_DECIDED,
            subject=referral,
            extra={
                "decision": decision.value,
                "late": at > referral.decision_due,
                "outcome_due": outcome_due.isoformat(),
            },
        )
        _resolve_escalations(referral, action=None, at=at)
        _feedback_send(
            referral,
            f"The MASH decided on {at.astimezone(LONDON):%-d %B %Y}: {decision.label}.",
            at=at,
        )
    return referral


def _feedback_send(referral: Referral, text: str, *, at: dt.datetime) -> None:
    """Tell the referrer, and the practitioner whose concern it was, what was decided: the
    decision only, never what other agencies know."""
    recipients = {
        referral.referred_by_id,
        referral.concern.recorded_by_id if referral.concern else None,
    }
    for user_id in sorted(r for r in recipients if r is not None):
        feedback = Feedback.objects.create(referral=referral, to_id=user_id, text=text, sent_at=at)
        audit_record(
            actor=None,
            event_type=EventType.FEEDBACK_SENT,
            subject=feedback,
            extra={"referral": referral.pk, "to": user_id},
        )
        notify.notify([feedback.to], notify.Item.FEEDBACK)


def outcome_record(
    *,
    actor: User,
    referral: Referral,
    outcome: Outcome | str,
    outcome_on: dt.date,
    close_reason: str = "",
) -> Referral:
    """Record the referral's outcome, with its date and who decided.

    A child found a victim of, or at risk of, sexual exploitation is then reviewed on the
    partnership's schedule until closed; any other outcome closes the referral, with
    ``close_reason``.

    Raises
    ------
    ValidationError
        If there is no decision yet, the date is in the future, or an outcome that closes the
        referral has no reason.
    """
    _mash_only(actor, referral, may_record_outcome)
    outcome = Outcome(outcome)
    with _transition(referral, ReferralState, "record_outcome"):
        at = now()
        if outcome_on > at.astimezone(LONDON).date():
            raise ValidationError({"outcome_on": "The outcome date must be today or in the past"})
        if not outcome.reviewed:
            close_reason = required_text(
                close_reason, "close_reason", "Say why the referral can close"
            )
        referral.outcome = outcome.value
        referral.outcome_on = outcome_on
        referral.outcome_by = actor
        if outcome.reviewed:
            referral.state = ReferralState.REVIEWING.value
            referral.next_review_on = policy_for(referral.area_id).review_due(outcome_on)
        else:
            referral.state = ReferralState.OUTCOME.value
        referral.save()
        audit_record(
            actor=actor,
            event_type=EventType.OUTCOME_RECORDED,
            subject=referral,
            extra={
                "outcome": outcome.value,
                "outcome_on": outcome_on.isoformat(),
                "next_review_on": referral.next_review_on.isoformat()
                if referral.next_review_on
                else None,
            },
        )
        _feedback_send(referral, f"Outcome recorded by the MASH: {outcome.label}.", at=at)
        if not outcome.reviewed:
            referral_close(actor=actor, referral=referral, reason=close_reason)
    return referral


def referral_review(
    *,
    actor: User,
    referral: Referral,
    note: str,
    next_review_on: dt.date | None = None,
    child_voice: str = "",
) -> Review:
    """Record a scheduled review of a child under review; the next one is due on the schedule
    (or ``next_review_on``, if the MASH sets an earlier or later date)."""
    _mash_only(actor, referral, may_record_outcome)
    with _transition(referral, ReferralState, "review"):
        note = required_text(note, "note", "Say what the review found")
        at = now()
        today = at.astimezone(LONDON).date()
        following = next_review_on or policy_for(referral.area_id).review_due(today)
        if following <= today:
            raise ValidationError({"next_review_on": "The next review must be after today"})
        review = Review.objects.create(
            referral=referral,
            reviewed_on=today,
            note=note,
            next_review_on=following,
            child_voice=child_voice.strip(),
            by=actor,
            at=at,
        )
        referral.next_review_on = following
        referral.save(update_fields=["next_review_on"])
        _resolve_escalations(referral, action=None, at=at)
        audit_record(
            actor=actor,
            event_type=EventType.REFERRAL_REVIEWED,
            subject=referral,
            extra={"review": review.pk, "next_review_on": following.isoformat()},
        )
    return review


def referral_close(*, actor: User, referral: Referral, reason: str) -> Referral:
    """Close a referral that has its decision and outcome, with the reason.

    Raises
    ------
    ValidationError
        Without a reason, or before the decision and the outcome (the workflow's table, and a
        database constraint, refuse it).
    """
    _mash_only(actor, referral, may_record_outcome)
    with _transition(referral, ReferralState, "close"):
        reason = required_text(reason, "close_reason", "Say why the referral can close")
        if not referral.decision or not referral.outcome:
            raise ValidationError(
                f"referral {referral.pk} needs a decision and an outcome to close"
            )
        at = now()
        referral.state = ReferralState.CLOSED.value
        referral.close_reason = reason
        referral.closed_at = at
        referral.closed_by = actor
        referral.next_review_on = None
        referral.save()
        _resolve_escalations(referral, action=None, at=at)
        audit_record(
            actor=actor,
            event_type=EventType.REFERRAL_CLOSED,
            subject=referral,
            extra={"outcome": referral.outcome, "reason": reason},
        )
    return referral


# Actions --------------------------------------------------------------------------------------


def action_create(
    *,
    actor: User,
    referral: Referral,
    title: str,
    owner_agency: Agency,
    due_at: dt.datetime,
    owner: User | None = None,
) -> Action:
    """Give an agency (and, optionally, one of its staff) something to do by ``due_at``.

    Raises
    ------
    ValidationError
        Without a title, with an owner agency of another area, or an owner not of that agency.
    """
    if not may_work_referral(Actor.of(actor), referral_area_id=referral.area_id):
        raise PermissionDenied("only the MASH of the child's area sets actions")
    if referral.state == ReferralState.CLOSED.value:
        raise ValidationError(f"referral {referral.pk} is closed: no new actions")
    title = required_text(title, "title", "Say what is to be done")
    if owner_agency.area_id != referral.area_id:
        raise ValidationError({"owner_agency": "The owner agency must be of the child's area"})
    if owner is not None and Actor.of(owner).agency_id != owner_agency.pk:
        raise ValidationError({"owner": "The owner must work for the owner agency"})
    with transaction.atomic():
        action = Action.objects.create(
            referral=referral,
            title=title,
            owner_agency=owner_agency,
            owner=owner,
            due_at=due_at,
            created_by=actor,
            created_at=now(),
        )
        audit_record(
            actor=actor,
            event_type=EventType.ACTION_CREATED,
            subject=action,
            extra={
                "referral": referral.pk,
                "owner_agency": owner_agency.pk,
                "owner": owner.pk if owner else None,
                "due_at": due_at.isoformat(),
            },
        )
        notify.notify(
            [owner, *notify.staff(role=Role.DSL, agency_id=owner_agency.pk)], notify.Item.ACTION
        )
    return action


def _action_check(actor: User, action: Action) -> None:
    if not may_update_action(
        Actor.of(actor),
        referral_area_id=action.referral.area_id,
        owner_agency_id=action.owner_agency_id,
        owner_id=action.owner_id,
    ):
        raise PermissionDenied("only the action's owner, their safeguarding lead or the MASH")


def action_complete(*, actor: User, action: Action, evidence: str) -> Action:
    """Mark an action done, with the evidence that it was."""
    _action_check(actor, action)
    return _action_finish(
        actor,
        action,
        "complete",
        ActionState.DONE,
        EventType.ACTION_COMPLETED,
        field="evidence",
        text=evidence,
        missing="Say what was done (the evidence)",
    )


def action_cancel(*, actor: User, action: Action, reason: str) -> Action:
    """Cancel an action, with the reason."""
    _action_check(actor, action)
    return _action_finish(
        actor,
        action,
        "cancel",
        ActionState.CANCELLED,
        EventType.ACTION_CANCELLED,
        field="cancel_reason",
        text=reason,
        missing="Say why the action is cancelled",
    )


def _action_finish(
    actor: User,
    action: Action,
    change: str,
    state: ActionState,
    event: EventType,
    *,
    field: str,
    text: str,
    missing: str,
) -> Action:
    with _transition(action, ActionState, change):
        text = required_text(text, field, missing)
        at = now()
        action.state = state.value
        action.finished_at = at
        setattr(action, field, text)
        action.save()
        _resolve_escalations(action.referral, action=action, at=at)
        audit_record(
            actor=actor,
            event_type=event,
            subject=action,
            extra={"late": at > action.due_at, field: text},
        )
    return action


# Clocks ---------------------------------------------------------------------------------------


def referral_due(referral: Referral) -> dt.datetime | None:
    """The deadline a live referral is working to; ``None`` means it has none (breached)."""
    state = ReferralState(referral.state)
    if state is ReferralState.OPEN:
        return min(d for d in (referral.decision_due, referral.response_due) if d is not None)
    if state is ReferralState.DECIDED:
        return end_of(referral.outcome_due) if referral.outcome_due else None
    if state is ReferralState.REVIEWING:
        return end_of(referral.next_review_on) if referral.next_review_on else None
    return None


def referral_breached(referral: Referral, at: dt.datetime) -> bool:
    """Whether a referral is open past its deadline, or open with none (never silently open)."""
    if referral.state == ReferralState.CLOSED.value:
        return False
    due = referral_due(referral)
    return due is None or due <= at


def _resolve_escalations(referral: Referral, *, action: Action | None, at: dt.datetime) -> None:
    Escalation.objects.filter(referral=referral, action=action, resolved_at__isnull=True).update(
        resolved_at=at
    )


def clocks_sweep(*, area_id: int | None = None) -> int:
    """Escalate what is late, now: open actions past due become overdue and are escalated to the
    owner agency's safeguarding lead and the MASH; breached referrals are escalated to the MASH;
    late group reviews and police checks are marked overdue (``group_reviews_sweep``).
    Idempotent: something already escalated is not escalated again. Returns how many rows
    changed."""
    at = now()
    changed = 0
    actions = Action.objects.filter(state=ActionState.OPEN.value, due_at__lte=at).select_related(
        "referral"
    )
    referrals = Referral.objects.filter(state__in=LIVE_REFERRAL_STATES)
    if area_id is not None:
        actions = actions.filter(referral__area_id=area_id)
        referrals = referrals.filter(area_id=area_id)
    with transaction.atomic():
        for action in actions.select_for_update():
            action.state = ActionState.OVERDUE.value
            action.save(update_fields=["state"])
            audit_record(
                actor=None,
                event_type=EventType.ACTION_OVERDUE,
                subject=action,
                extra={"due_at": action.due_at.isoformat()},
            )
            Escalation.objects.create(
                referral=action.referral,
                action=action,
                agency_id=action.owner_agency_id,
                what=f"Action overdue: {action.title}",
                raised_at=at,
            )
            action.state = ActionState.ESCALATED.value
            action.save(update_fields=["state"])
            audit_record(
                actor=None,
                event_type=EventType.ACTION_ESCALATED,
                subject=action,
                extra={"to_agency": action.owner_agency_id, "and": "mash"},
            )
            notify.notify(
                [
                    action.owner,
                    *notify.staff(role=Role.DSL, agency_id=action.owner_agency_id),
                    *notify.staff(role=Role.MASH_ANALYST, area_id=action.referral.area_id),
                ],
                notify.Item.ESCALATION,
            )
            changed += 1
        for referral in referrals:
            if not referral_breached(referral, at):
                continue
            if Escalation.objects.filter(
                referral=referral, action=None, resolved_at__isnull=True
            ).exists():
                continue
            Escalation.objects.create(
                referral=referral,
                action=None,
                agency_id=None,
                what=_breach_text(referral),
                raised_at=at,
            )
            audit_record(
                actor=None,
                event_type=EventType.REFERRAL_BREACHED,
                subject=referral,
                extra={"state": referral.state, "due": _iso(referral_due(referral))},
            )
            notify.notify(
                notify.staff(role=Role.MASH_ANALYST, area_id=referral.area_id),
                notify.Item.ESCALATION,
            )
            changed += 1
    # The review clocks of groups of connected children (jigsaw.web.groups) are swept with these.
    from jigsaw.web.groups.services import group_reviews_sweep

    return changed + group_reviews_sweep(area_id=area_id)


def _iso(when: dt.datetime | None) -> str | None:
    return when.isoformat() if when else None


def _breach_text(referral: Referral) -> str:
    state = ReferralState(referral.state)
    if state is ReferralState.OPEN:
        return "No MASH decision within the response time"
    if state is ReferralState.DECIDED:
        return "No outcome by its date" if referral.outcome_due else "Decided with no outcome date"
    if state is ReferralState.REVIEWING:
        return "Review overdue"
    return "Outcome recorded but not closed"


# Strategy discussions -------------------------------------------------------------------------


def _lines(text: str, field: str, parts: tuple[str, ...]) -> list[dict[str, str]]:
    """Rows typed one a line, fields separated by "|"; a bad row is refused naming its line."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        values = [v.strip() for v in line.split("|")]
        if len(values) != len(parts) or not all(values[: len(parts) - 1]):
            raise ValidationError(
                {field: f"Line {number}: give {' | '.join(parts)} (got {line.strip()!r})"}
            )
        rows.append(dict(zip(parts, values, strict=True)))
    return rows


def strategy_record(
    *,
    actor: User,
    referral: Referral,
    held_at: dt.datetime,
    mode: str,
    chair: str,
    attendees: str,
    information_shared: str,
    section_47: bool,
    criminal_investigation: bool,
    seen_alone: str,
    decisions: str,
    next_review_on: dt.date,
    immediate_safety: str = "",
    seen_alone_on: dt.date | None = None,
    child_voice: str = "",
    actions: str = "",
) -> StrategyDiscussion:
    """Record a strategy discussion of a referral the MASH decided to discuss (section 47).

    ``attendees``: one a line, ``agency | role | name``; ``information_shared``: one a line,
    ``agency | what was shared``; ``actions``: one a line, ``what | agency | due date
    (YYYY-MM-DD)``, each becoming an action of the referral owned by that agency of the area.

    Raises
    ------
    ValidationError
        Naming the field (and the line) that is missing or malformed, or if the referral was not
        decided for a strategy discussion.
    """
    from jigsaw.act.states import SeenAlone, StrategyMode

    _mash_only(actor, referral, may_decide_referral)
    if (
        referral.decision != MashDecision.STRATEGY_S47.value
        or referral.state == ReferralState.CLOSED.value
    ):
        raise ValidationError(
            f"referral {referral.pk}: a strategy discussion follows a decision to hold one"
        )
    chair = required_text(chair, "chair", "Name who chaired the discussion")
    decisions = required_text(decisions, "decisions", "Record what was decided")
    people = _lines(attendees, "attendees", ("agency", "role", "name"))
    if not people:
        raise ValidationError({"attendees": "List who took part, one a line: agency | role | name"})
    shared = _lines(information_shared, "information_shared", ("agency", "shared"))
    planned = _planned_actions(actions, referral.area_id, "")
    at = now()
    with transaction.atomic():
        discussion = StrategyDiscussion.objects.create(
            referral=referral,
            held_at=held_at,
            mode=StrategyMode(mode).value,
            chair=chair,
            attendees=people,
            information_shared=shared,
            section_47=section_47,
            immediate_safety=immediate_safety.strip(),
            criminal_investigation=criminal_investigation,
            seen_alone=SeenAlone(seen_alone).value,
            seen_alone_on=seen_alone_on,
            decisions=decisions,
            child_voice=child_voice.strip(),
            next_review_on=next_review_on,
            recorded_by=actor,
            recorded_at=at,
        )
        audit_record(
            actor=actor,
            event_type=EventType.STRATEGY_DISCUSSION_RECORDED,
            subject=discussion,
            extra={
                "referral": referral.pk,
                "mode": discussion.mode,
                "section_47": section_47,
                "criminal_investigation": criminal_investigation,
                "attendees": len(people),
                "actions": len(planned),
            },
        )
        for what, agency, due in planned:
            action = action_create(
                actor=actor,
                referral=referral,
                title=what,
                owner_agency=agency,
                due_at=end_of(due) - dt.timedelta(hours=7),  # 17:00 on the due date
            )
            action.strategy = discussion
            action.save(update_fields=["strategy"])
    return discussion


# Missing episodes and return home interviews --------------------------------------------------


def _missing_check(actor: User, child: Child) -> None:
    from jigsaw.web.access import may_record_missing

    agencies = set(
        Link.objects.filter(child=child, status__in=ACTIVE_LINK_STATUSES).values_list(
            "record__agency_id", flat=True
        )
    )
    if not may_record_missing(
        Actor.of(actor), child_area_id=child.area_id, record_agency_ids=agencies
    ):
        raise PermissionDenied("only the MASH or an agency that knows the child records this")


def missing_record(
    *,
    actor: User,
    child: Child,
    kind: str,
    started_at: dt.datetime,
    ended_at: dt.datetime | None = None,
    found_where: str = "",
    police_reference: str = "",
) -> MissingEpisode:
    """Record a missing (or absent) episode; with ``ended_at`` the child is back and the return
    home interview falls due (72 hours by default)."""
    from jigsaw.web.referrals.models import MissingKind

    _missing_check(actor, child)
    at = now()
    if started_at > at:
        raise ValidationError({"started_at": "The start must not be in the future"})
    if ended_at is not None and ended_at < started_at:
        raise ValidationError({"ended_at": "The return must be after the start"})
    with transaction.atomic():
        episode = MissingEpisode.objects.create(
            child=child,
            kind=MissingKind(kind).value,
            started_at=started_at,
            police_reference=police_reference.strip(),
            recorded_by=actor,
            recorded_at=at,
        )
        audit_record(
            actor=actor,
            event_type=EventType.MISSING_RECORDED,
            subject=episode,
            extra={"child": child.pk, "kind": episode.kind},
        )
        if ended_at is not None:
            missing_return(actor=actor, episode=episode, ended_at=ended_at, found_where=found_where)
    return episode


def missing_return(
    *, actor: User, episode: MissingEpisode, ended_at: dt.datetime, found_where: str = ""
) -> MissingEpisode:
    """Record the child's return; the return home interview is then due."""
    _missing_check(actor, episode.child)
    if episode.ended_at is not None:
        raise ValidationError(f"episode {episode.pk} already ended")
    if ended_at < episode.started_at:
        raise ValidationError({"ended_at": "The return must be after the start"})
    with transaction.atomic():
        episode.ended_at = ended_at
        episode.found_where = found_where.strip()
        episode.interview_due = policy_for(episode.child.area_id).return_interview_due(ended_at)
        episode.save()
        audit_record(
            actor=actor,
            event_type=EventType.MISSING_RETURNED,
            subject=episode,
            extra={"interview_due": episode.interview_due.isoformat()},
        )
    return episode


def return_interview_record(
    *,
    actor: User,
    episode: MissingEpisode,
    offered_at: dt.datetime,
    response: str,
    declined_reason: str = "",
    completed_at: dt.datetime | None = None,
    learned: str = "",
    child_voice: str = "",
) -> MissingEpisode:
    """Record the return home interview: when it was offered, accepted or declined (with the
    reason), and when completed with what was learned and what the child said."""
    from jigsaw.web.referrals.models import InterviewResponse

    _missing_check(actor, episode.child)
    if episode.ended_at is None:
        raise ValidationError("record the child's return before the interview")
    answer = InterviewResponse(response)
    if answer is InterviewResponse.DECLINED:
        declined_reason = required_text(
            declined_reason, "declined_reason", "Say why it was declined"
        )
        if completed_at is not None:
            raise ValidationError({"completed_at": "A declined interview cannot be completed"})
    if completed_at is not None and completed_at < offered_at:
        raise ValidationError({"completed_at": "It cannot be completed before it was offered"})
    with transaction.atomic():
        episode.offered_at = offered_at
        episode.response = answer.value
        episode.declined_reason = declined_reason.strip()
        episode.completed_at = completed_at
        episode.learned = learned.strip()
        episode.child_voice = child_voice.strip()
        episode.save()
        audit_record(
            actor=actor,
            event_type=EventType.RETURN_INTERVIEW_RECORDED,
            subject=episode,
            extra={
                "response": answer.value,
                "completed": completed_at is not None,
                "within_due": completed_at is not None
                and episode.interview_due is not None
                and completed_at <= episode.interview_due,
            },
        )
    return episode


# The MACE panel -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class MaceItemInput:
    """One child's discussion as typed at the panel; ``actions`` one a line, as for a strategy
    discussion (``what | agency | due date``)."""

    referral: Referral
    reasons: tuple[str, ...]
    discussion: str
    risk: str
    plan: str
    victim: str = ""
    offender: str = ""
    location: str = ""
    themes: str = ""
    child_voice: str = ""
    actions: str = ""


def _planned_actions(text: str, area_id: int, label: str) -> list[tuple[str, Agency, dt.date]]:
    agencies = {a.name.lower(): a for a in Agency.objects.filter(area_id=area_id)}
    planned = []
    for number, row in enumerate(_lines(text, "actions", ("what", "agency", "due")), start=1):
        agency = agencies.get(row["agency"].lower())
        if agency is None:
            raise ValidationError(
                {
                    "actions": f"{label}Action {number}: no agency called {row['agency']!r} in this area"
                }
            )
        try:
            due = dt.date.fromisoformat(row["due"])
        except ValueError:
            raise ValidationError(
                {
                    "actions": f"{label}Action {number}: the due date {row['due']!r} is not YYYY-MM-DD"
                }
            ) from None
        planned.append((row["what"], agency, due))
    return planned


def mace_meeting_record(
    *,
    actor: User,
    held_on: dt.date,
    chair: str,
    attendees: str,
    items: list[MaceItemInput],
    contexts: Sequence[ContextDecision] = (),
) -> MaceMeeting:
    """Record a MACE panel meeting: who attended, and for each child discussed the discussion,
    risk level, plan, VOLT themes and actions (each an action of the child's referral); and the
    panel's decision on each case and group it discussed (``contexts``,
    :mod:`jigsaw.web.referrals.cases`).

    Raises
    ------
    PermissionDenied
        Unless ``actor`` is a MASH analyst, and every referral is of their area.
    ValidationError
        Naming the child's item and field that is missing or malformed.
    """
    from jigsaw.web.access import may_work_referrals

    who = Actor.of(actor)
    area_id = who.area_id
    if (
        area_id is None
        or not may_work_referrals(who)
        or any(i.referral.area_id != area_id for i in items)
    ):
        raise PermissionDenied("only the MASH of the area records its MACE panel")
    chair = required_text(chair, "chair", "Name who chaired the panel")
    people = _lines(attendees, "attendees", ("agency", "role", "name"))
    if not people:
        raise ValidationError({"attendees": "List who attended, one a line: agency | role | name"})
    from jigsaw.web.referrals.cases import contexts_check, contexts_save

    decided = contexts_check(area_id, contexts)
    if not items and not decided:
        raise ValidationError("Record the discussion of at least one child, case or group")
    checked = []
    for item in items:
        label = f"Referral {item.referral.pk}: "
        if not item.discussion.strip():
            raise ValidationError({"discussion": f"{label}record the discussion"})
        if not item.plan.strip():
            raise ValidationError({"plan": f"{label}record the plan"})
        checked.append((item, Rag(item.risk), _planned_actions(item.actions, area_id, label)))
    at = now()
    with transaction.atomic():
        meeting = MaceMeeting.objects.create(
            area_id=area_id,
            held_on=held_on,
            chair=chair,
            attendees=people,
            recorded_by=actor,
            recorded_at=at,
        )
        for item, risk, planned in checked:
            row = MaceItem.objects.create(
                meeting=meeting,
                referral=item.referral,
                reasons=list(item.reasons),
                child_voice=item.child_voice.strip(),
                discussion=item.discussion.strip(),
                risk=risk.value,
                plan=item.plan.strip(),
                victim=item.victim.strip(),
                offender=item.offender.strip(),
                location=item.location.strip(),
                themes=item.themes.strip(),
            )
            for what, agency, due in planned:
                action = action_create(
                    actor=actor,
                    referral=item.referral,
                    title=what,
                    owner_agency=agency,
                    due_at=end_of(due) - dt.timedelta(hours=7),
                )
                action.mace_item = row
                action.save(update_fields=["mace_item"])
        contexts_save(meeting, decided)
        audit_record(
            actor=actor,
            event_type=EventType.MACE_MEETING_RECORDED,
            subject=meeting,
            extra={
                "referrals": [i.referral.pk for i in items],
                "attendees": len(people),
                "cases": [d.case.pk for d in decided if d.case],
                "groups": [d.group.pk for d in decided if d.group],
            },
        )
    return meeting

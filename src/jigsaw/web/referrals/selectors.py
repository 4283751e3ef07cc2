"""Reads of the workflow: the safeguarding lead's and the MASH's queues, a referral, the inbox.

Each queue shows children's names and grades, so each showing is audited (``children_listed``,
or ``referral_viewed`` for one referral), and each applies :mod:`jigsaw.web.access`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import Http404

from jigsaw.act.clock import LONDON, Rag, TimeLeft, time_left
from jigsaw.act.states import ActionState, ContactState, ReferralState, changes_from
from jigsaw.web.access import (
    Actor,
    may_decide_contact,
    may_decide_contacts,
    may_work_referral,
    may_work_referrals,
)
from jigsaw.web.audit.models import EventType
from jigsaw.web.audit.services import audit_record
from jigsaw.web.children.models import ACTIVE_LINK_STATUSES, AgencyRecord
from jigsaw.web.referrals.clock import now
from jigsaw.web.referrals.models import (
    Action,
    Contact,
    Escalation,
    Feedback,
    MissingEpisode,
    Referral,
)
from jigsaw.web.referrals.services import (
    LIVE_REFERRAL_STATES,
    OPEN_ACTION_STATES,
    referral_breached,
    referral_due,
)


def _listed(user: Any, children: list[int], purpose: str) -> None:
    with transaction.atomic():
        audit_record(
            actor=user,
            event_type=EventType.CHILDREN_LISTED,
            extra={"purpose": purpose, "children": children},
        )


def _name_for(child_id: int, agency_id: int | None, *, any_agency: bool = False) -> str:
    """The child's name as the viewer's own agency knows it; from any agency's record only with
    ``any_agency`` (the MASH, who may see every identity); else just the child's number."""
    records = AgencyRecord.objects.filter(
        links__child_id=child_id, links__status__in=ACTIVE_LINK_STATUSES
    ).order_by("created_at", "id")
    own = records.filter(agency_id=agency_id).first() if agency_id is not None else None
    record = own or (records.first() if any_agency else None)
    return f"{record.first_name} {record.last_name}" if record else f"Child {child_id}"


@dataclasses.dataclass(frozen=True)
class ContactRow:
    contact: Contact
    child_name: str
    recorded_by: str
    grade: str
    left: TimeLeft
    review_due: bool


def contacts_to_decide(user: Any, *, audit: bool = True) -> list[ContactRow]:
    """A safeguarding lead's queue: their agency's new contacts, and those watched whose review
    date has come, the most overdue first."""
    actor = Actor.of(user)
    if not may_decide_contacts(actor) or actor.area_id is None or actor.agency_id is None:
        return []
    at = now()
    today = at.astimezone(LONDON).date()
    contacts = (
        Contact.objects.filter(agency_id=actor.agency_id, child__area_id=actor.area_id)
        .filter(
            Q(state=ContactState.NEW.value)
            | Q(state=ContactState.WATCHING.value, review_on__lte=today)
        )
        .select_related("concern__record", "concern__recorded_by", "child")
        .order_by("decision_due", "id")
    )
    rows = [
        ContactRow(
            contact=c,
            child_name=f"{c.concern.record.first_name} {c.concern.record.last_name}",
            recorded_by=c.concern.recorded_by.get_username() if c.concern.recorded_by else "",
            grade=c.concern.grade_level,
            left=time_left(c.decision_due, at),
            review_due=c.state == ContactState.WATCHING.value,
        )
        for c in contacts[:200]
    ]
    if audit:
        _listed(user, [r.contact.child_id for r in rows], "contacts to decide")
    return rows


def contact_to_decide(*, user: Any, contact_id: int) -> Contact:
    """One contact for its agency's safeguarding lead to decide (404 for anyone else)."""
    contact = (
        Contact.objects.filter(pk=contact_id)
        .select_related("concern__record", "concern__recorded_by", "child")
        .first()
    )
    if contact is None or not may_decide_contact(
        Actor.of(user), child_area_id=contact.child.area_id, contact_agency_id=contact.agency_id
    ):
        raise Http404("no such contact for you to decide")
    return contact


@dataclasses.dataclass(frozen=True)
class ReferralRow:
    referral: Referral
    child_name: str
    due: dt.datetime | None
    left: TimeLeft | None
    breached: bool
    escalated: bool


def _referral_row(referral: Referral, at: dt.datetime, agency_id: int | None) -> ReferralRow:
    due = referral_due(referral)
    return ReferralRow(
        referral=referral,
        child_name=_name_for(referral.child_id, agency_id, any_agency=True),
        due=due,
        left=time_left(due, at) if due else None,
        breached=referral_breached(referral, at),
        escalated=referral.escalations.filter(resolved_at__isnull=True).exists(),
    )


def mash_queue(user: Any, *, include_closed: bool = False, audit: bool = True) -> list[ReferralRow]:
    """The MASH's referrals of their area: breached and escalated first, then by time left."""
    actor = Actor.of(user)
    if not may_work_referrals(actor) or actor.area_id is None:
        return []
    at = now()
    referrals = Referral.objects.filter(area_id=actor.area_id).select_related("child")
    if not include_closed:
        referrals = referrals.filter(state__in=LIVE_REFERRAL_STATES)
    rows = [_referral_row(r, at, actor.agency_id) for r in referrals[:300]]
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    rows.sort(key=lambda r: (not r.breached, not r.escalated, r.due or far, r.referral.pk))
    if audit:
        _listed(user, [r.referral.child_id for r in rows], "MASH referrals queue")
    return rows


@dataclasses.dataclass(frozen=True)
class ReferralView:
    referral: Referral
    child_name: str
    due: dt.datetime | None
    left: TimeLeft | None
    breached: bool
    changes: tuple[str, ...]
    actions: tuple[Action, ...]
    escalations: tuple[Escalation, ...]


def referral_for_mash(*, user: Any, referral_id: int, purpose: str) -> ReferralView:
    """One referral for the MASH of its area, audited with the purpose (404 for anyone else)."""
    actor = Actor.of(user)
    referral = Referral.objects.filter(pk=referral_id).select_related("child", "area").first()
    if referral is None or not may_work_referral(actor, referral_area_id=referral.area_id):
        raise Http404("no such referral")
    at = now()
    with transaction.atomic():
        audit_record(
            actor=user,
            event_type=EventType.REFERRAL_VIEWED,
            subject=referral,
            extra={"purpose": purpose, "child": referral.child_id},
        )
    row = _referral_row(referral, at, actor.agency_id)
    return ReferralView(
        referral=referral,
        child_name=row.child_name,
        due=row.due,
        left=row.left,
        breached=row.breached,
        changes=tuple(changes_from(ReferralState(referral.state))),
        actions=tuple(referral.actions.select_related("owner_agency", "owner")),
        escalations=tuple(referral.escalations.filter(resolved_at__isnull=True)),
    )


def action_to_update(*, user: Any, action_id: int) -> Action:
    """An action its owner, their safeguarding lead or the MASH may update (404 otherwise)."""
    from jigsaw.web.access import may_update_action

    action = Action.objects.filter(pk=action_id).select_related("referral").first()
    if action is None or not may_update_action(
        Actor.of(user),
        referral_area_id=action.referral.area_id,
        owner_agency_id=action.owner_agency_id,
        owner_id=action.owner_id,
    ):
        raise Http404("no such action")
    return action


@dataclasses.dataclass(frozen=True)
class ActionRow:
    action: Action
    left: TimeLeft
    escalated: bool


@dataclasses.dataclass(frozen=True)
class Inbox:
    """What is waiting for one user, with the counts the header shows."""

    contacts: tuple[ContactRow, ...]
    referrals: tuple[ReferralRow, ...]
    actions: tuple[ActionRow, ...]
    feedback: tuple[Feedback, ...]
    # Feedback of the last 30 days: what the header counts (older feedback stays listed).
    feedback_new: int = 0
    # The open group tasks the user owes (jigsaw.web.groups.selectors.group_tasks_for).
    groups: tuple[Any, ...] = ()

    @property
    def counts(self) -> dict[str, int]:
        return {
            "contacts": len(self.contacts),
            "referrals": len(self.referrals),
            "actions": len(self.actions),
            "feedback": self.feedback_new,
            "groups": len(self.groups),
        }

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _actions_for(actor: Actor) -> list[Action]:
    if actor.area_id is None:
        return []
    live = Action.objects.filter(state__in=OPEN_ACTION_STATES, referral__area_id=actor.area_id)
    mine = Q(owner_id=actor.user_id)
    if actor.role == "dsl":
        mine |= Q(owner_agency_id=actor.agency_id)
    if actor.role == "mash_analyst":
        mine |= Q(state=ActionState.ESCALATED.value)
    return list(live.filter(mine).select_related("owner_agency", "owner", "referral"))


def inbox_for(user: Any, *, audit: bool = True) -> Inbox:
    """Contacts to decide, referrals assigned, actions due (escalated first), feedback, and the
    group reviews and checks the user owes."""
    actor = Actor.of(user)
    if actor.role is None or actor.area_id is None:
        return Inbox((), (), (), ())
    at = now()
    contacts = contacts_to_decide(user, audit=False)
    referrals = [
        row
        for row in mash_queue(user, audit=False)
        if row.referral.state == ReferralState.OPEN.value or row.breached
    ]
    actions = [
        ActionRow(a, time_left(a.due_at, at), a.state == ActionState.ESCALATED.value)
        for a in _actions_for(actor)
    ]
    actions.sort(key=lambda r: (not r.escalated, r.action.due_at))
    feedback = tuple(
        Feedback.objects.filter(to_id=actor.user_id)
        .select_related("referral")
        .order_by("-sent_at", "-id")[:20]
    )
    recent = sum(f.sent_at >= at - dt.timedelta(days=30) for f in feedback)
    if audit and (contacts or referrals):
        _listed(
            user,
            [r.contact.child_id for r in contacts] + [r.referral.child_id for r in referrals],
            "inbox",
        )
    # The MASH's group reviews and a SPOC's police checks (no child is named by a task).
    from jigsaw.web.groups.selectors import group_tasks_for

    groups = tuple(group_tasks_for(user))
    return Inbox(tuple(contacts), tuple(referrals), tuple(actions), feedback, recent, groups)


def feedback_for_referral_child(feedback: Feedback) -> str:
    """How the referrer names the child in their feedback: as their own agency's record does."""
    referral = feedback.referral
    agency = referral.referrer_agency_id
    return _name_for(referral.child_id, agency)


def action_owner_choices(referral: Referral) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The agencies of the referral's area, and their staff who record concerns, to own actions."""
    from jigsaw.web.accounts.models import Agency, Profile, Role

    agencies = [
        (a.pk, a.name) for a in Agency.objects.filter(area_id=referral.area_id).order_by("name")
    ]
    staff = [
        (p.user_id, f"{p.user.get_username()} ({p.agency.name})")
        for p in Profile.objects.filter(
            area_id=referral.area_id,
            role__in=[Role.PRACTITIONER, Role.DSL, Role.MASH_ANALYST],
        )
        .select_related("user", "agency")
        .order_by("agency__name", "user__username")
    ]
    return agencies, staff


def after_saving(*, user: Any, concern: Any, child_view: Any) -> dict[str, object]:
    """What the page after saving adds about what happens next: the concern's grade with its
    next step said to this user's role, whether they may refer to the MASH themselves, and
    whether the child is already referred."""
    from jigsaw.web.access import may_refer_to_mash
    from jigsaw.web.children.selectors import role_aware_grade

    actor = Actor.of(user)
    child = child_view.child
    live = (
        Referral.objects.filter(child=child, state__in=LIVE_REFERRAL_STATES)
        .select_related("concern")
        .first()
    )
    return {
        "concern_grade": role_aware_grade(
            concern.grade_level, concern.grade_reasons, str(actor.role)
        ),
        "may_refer": may_refer_to_mash(
            actor, child_area_id=child.area_id, concern_author_id=concern.recorded_by_id
        ),
        "referred": live is not None,
        # Feedback goes to the referrer and to the practitioner whose concern was referred.
        "told": live is not None
        and user.pk in (live.referred_by_id, live.concern.recorded_by_id if live.concern else None),
    }


@dataclasses.dataclass(frozen=True)
class InterviewCounts:
    """Return home interviews of an area's ended episodes, each count separately."""

    returned: int
    offered: int
    accepted: int
    declined: int
    completed: int
    completed_within_due: int
    overdue: int


def return_interview_counts(*, area_id: int) -> InterviewCounts:
    """The counts the partnership reports: offered, accepted, declined, completed, and completed
    within the 72 hours, never folded into one another."""
    from django.db.models import F

    from jigsaw.web.referrals.models import MissingEpisode

    at = now()
    ended = MissingEpisode.objects.filter(child__area_id=area_id, ended_at__isnull=False)
    return InterviewCounts(
        returned=ended.count(),
        offered=ended.filter(offered_at__isnull=False).count(),
        accepted=ended.filter(response="accepted").count(),
        declined=ended.filter(response="declined").count(),
        completed=ended.filter(completed_at__isnull=False).count(),
        completed_within_due=ended.filter(completed_at__lte=F("interview_due")).count(),
        overdue=ended.filter(completed_at__isnull=True, interview_due__lt=at)
        .exclude(response="declined")
        .count(),
    )


def missing_for_child(*, user: Any, child_id: int) -> list[Any]:
    """A child's missing episodes, for those who may record them (the child view is audited by
    :func:`jigsaw.web.children.selectors.child_access`, which the page calls first)."""
    from jigsaw.web.access import may_record_missing
    from jigsaw.web.children.models import Link
    from jigsaw.web.referrals.models import MissingEpisode

    actor = Actor.of(user)
    links = Link.objects.filter(child_id=child_id, status__in=ACTIVE_LINK_STATUSES).select_related(
        "child"
    )
    first = links.first()
    if first is None or not may_record_missing(
        actor,
        child_area_id=first.child.area_id,
        record_agency_ids={link.record.agency_id for link in links.select_related("record")},
    ):
        return []
    return list(MissingEpisode.objects.filter(child_id=child_id))


@dataclasses.dataclass(frozen=True)
class Voice:
    """What the child said and wants, at one step: shown before professionals' observations."""

    at: dt.datetime
    step: str
    text: str


def voices_of(referral: Referral) -> list[Voice]:
    """The child's own words recorded along the referral, newest first."""
    voices = []
    if referral.child_voice and referral.decided_at:
        voices.append(Voice(referral.decided_at, "MASH decision", referral.child_voice))
    for d in referral.strategy_discussions.all():
        if d.child_voice:
            voices.append(Voice(d.held_at, "Strategy discussion", d.child_voice))
    for r in referral.reviews.all():
        if r.child_voice:
            voices.append(Voice(r.at, "Review", r.child_voice))
    for e in MissingEpisode.objects.filter(child=referral.child).exclude(child_voice=""):
        voices.append(
            Voice(e.completed_at or e.recorded_at, "Return home interview", e.child_voice)
        )
    return sorted(voices, key=lambda v: v.at, reverse=True)


@dataclasses.dataclass(frozen=True)
class AgendaItem:
    referral: Referral
    child_name: str
    reasons: tuple[str, ...]
    breached: bool


def referral_agenda_reasons(
    referral: Referral, *, on: dt.date, since: dt.date, at: dt.datetime
) -> list[str]:
    """Why one live referral is on the MACE agenda of a meeting ``on`` a date (empty: it is not):
    new since ``since`` (the last meeting), a review due within two weeks, overdue actions, a
    breached clock."""
    reasons = []
    if referral.received_at.astimezone(LONDON).date() >= since:
        reasons.append("new referral")
    if referral.next_review_on and referral.next_review_on <= on + dt.timedelta(days=14):
        reasons.append("review due")
    if referral.actions.filter(
        state__in=[ActionState.OVERDUE.value, ActionState.ESCALATED.value]
    ).exists():
        reasons.append("overdue actions")
    if referral_breached(referral, at):
        reasons.append("breached")
    return reasons


def referral_agenda(*, area_id: int, on: dt.date, agency_id: int | None = None) -> list[AgendaItem]:
    """The agenda items an area's live referrals give a MACE meeting ``on`` a date, oldest
    referral first (no access check and no audit: :func:`mace_agenda` does both).

    Other sources of agenda items (groups of connected children, say) are added beside this one
    in :func:`mace_agenda`, each a function of the area and the meeting date.
    """
    from jigsaw.web.referrals.models import MaceMeeting

    at = now()
    last = MaceMeeting.objects.filter(area_id=area_id, held_on__lt=on).first()
    since = last.held_on if last else on - dt.timedelta(days=30)
    items = []
    live = Referral.objects.filter(area_id=area_id, state__in=LIVE_REFERRAL_STATES)
    for referral in live.select_related("child").order_by("received_at", "id"):
        reasons = referral_agenda_reasons(referral, on=on, since=since, at=at)
        if reasons:
            items.append(
                AgendaItem(
                    referral=referral,
                    child_name=_name_for(referral.child_id, agency_id, any_agency=True),
                    reasons=tuple(reasons),
                    breached="breached" in reasons,
                )
            )
    return items


def mace_agenda(user: Any, *, on: dt.date, audit: bool = True) -> list[AgendaItem]:
    """The MACE panel's agenda for a meeting ``on`` a date, for the MASH of the area: the items
    of :func:`referral_agenda` (and of any other source added here), breached first; audited."""
    actor = Actor.of(user)
    if not may_work_referrals(actor) or actor.area_id is None:
        return []
    items = referral_agenda(area_id=actor.area_id, on=on, agency_id=actor.agency_id)
    items.sort(key=lambda i: not i.breached)
    if audit:
        _listed(user, [i.referral.child_id for i in items], "MACE agenda")
    return items


def mace_meetings(user: Any) -> list[Any]:
    from jigsaw.web.referrals.models import MaceMeeting

    actor = Actor.of(user)
    if not may_work_referrals(actor) or actor.area_id is None:
        return []
    return list(MaceMeeting.objects.filter(area_id=actor.area_id)[:20])


MARKING = "OFFICIAL-SENSITIVE"


def mace_minutes(*, user: Any, meeting_id: int, purpose: str) -> tuple[Any, list[str]]:
    """A meeting and its minutes as lines (for the print view and the PDF), audited."""
    from jigsaw.web.referrals.models import MaceMeeting

    actor = Actor.of(user)
    meeting = MaceMeeting.objects.filter(pk=meeting_id).first()
    if meeting is None or not may_work_referrals(actor) or meeting.area_id != actor.area_id:
        raise Http404("no such meeting")
    with transaction.atomic():
        audit_record(
            actor=user,
            event_type=EventType.MACE_MINUTES_VIEWED,
            subject=meeting,
            extra={"purpose": purpose},
        )
    lines = [
        f"Multi-agency child exploitation (MACE) panel, {meeting.area}",
        f"Held on {meeting.held_on:%-d %B %Y}, chaired by {meeting.chair}",
        "",
        "Attendees:",
        *(f"- {a['agency']}: {a['role']}, {a['name']}" for a in meeting.attendees),
    ]
    for item in meeting.items.select_related("referral"):
        name = _name_for(item.referral.child_id, actor.agency_id, any_agency=True)
        lines += [
            "",
            f"{name} (referral {item.referral_id}; on the agenda: {', '.join(item.reasons)})",
        ]
        if item.child_voice:
            lines.append(f"What the child said and wants: {item.child_voice}")
        lines += [
            f"Risk level: {Rag(item.risk).label}",
            f"Discussion: {item.discussion}",
            f"Victim: {item.victim or '-'}",
            f"Offender: {item.offender or '-'}",
            f"Location: {item.location or '-'}",
            f"Themes: {item.themes or '-'}",
            f"Plan: {item.plan}",
        ]
        for action in item.actions.select_related("owner_agency"):
            lines.append(
                f"Action: {action.title} ({action.owner_agency}, due {action.due_at.astimezone(LONDON):%-d %B %Y})"
            )
    # The cases (places, peer groups) and groups the panel decided on.
    from jigsaw.web.referrals.cases import minutes_lines

    lines += minutes_lines(
        meeting, lambda child_id: _name_for(child_id, actor.agency_id, any_agency=True)
    )
    return meeting, lines


def voices_for_child(user: Any, child: Any) -> list[Voice]:
    """The child's own words from every referral and return interview, for the MASH of the
    child's area (who holds the combined picture); nobody else."""
    if not may_work_referral(Actor.of(user), referral_area_id=child.area_id):
        return []
    voices: list[Voice] = []
    referrals = list(Referral.objects.filter(child=child))
    seen: set[tuple[str, str]] = set()
    for referral in referrals:
        for voice in voices_of(referral):
            if (voice.step, voice.text) not in seen:
                seen.add((voice.step, voice.text))
                voices.append(voice)
    if not referrals:
        for e in child.missing_episodes.exclude(child_voice=""):
            voices.append(
                Voice(e.completed_at or e.recorded_at, "Return home interview", e.child_voice)
            )
    return sorted(voices, key=lambda v: v.at, reverse=True)

"""The workflow from a concern to an outcome, through the real services on PostgreSQL.

Time comes from the test clock (``clock`` fixture): it starts on Friday 27 November 2026 at 16:00
in London and moves only when a test moves it.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from jigsaw.act.clock import LONDON
from jigsaw.web.audit.models import AuditEvent
from jigsaw.web.referrals import services
from jigsaw.web.referrals.models import Contact, Escalation, Feedback, Referral
from jigsaw.web.referrals.selectors import contacts_to_decide, inbox_for, mash_queue
from tests.web.cast import HEALTH_SIGNS, JESSICA, POLICE_SIGNS, SCHOOL_SIGNS, record_concern

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

MONDAY_4PM = dt.datetime(2026, 11, 30, 16, tzinfo=LONDON)


def events_since(last: int) -> list[tuple[str, str]]:
    return list(
        AuditEvent.objects.filter(id__gt=last)
        .order_by("id")
        .values_list("event_type", "subject_type")
    )


def last_event() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def school_contact(cast) -> Contact:
    outcome = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "Absent most Mondays.")
    return outcome.concern.contact


def test_saving_a_concern_puts_a_contact_on_the_agencys_safeguarding_leads_queue(cast, clock):
    before = last_event()
    contact = school_contact(cast)
    assert contact.state == "new" and contact.agency == cast.school
    # One working day from Friday 16:00.
    assert contact.decision_due == MONDAY_4PM
    assert ("contact_created", "contact") in events_since(before)
    rows = contacts_to_decide(cast.school_dsl)
    assert [r.contact for r in rows] == [contact]
    assert rows[0].child_name == "Jessica Okafor" and rows[0].recorded_by == "teacher"
    # Nobody else's queue: not another agency's practitioner, not the MASH.
    assert contacts_to_decide(cast.nurse) == [] and contacts_to_decide(cast.analyst) == []
    assert inbox_for(cast.school_dsl).counts["contacts"] == 1


def test_the_safeguarding_lead_decides_with_a_reason_or_a_review_date(cast, clock):
    contact = school_contact(cast)
    with pytest.raises(PermissionDenied):
        services.contact_decide(actor=cast.teacher, contact=contact, decision="refer")
    with pytest.raises(ValidationError, match="Say why"):
        services.contact_decide(
            actor=cast.school_dsl, contact=contact, decision="no_further_action"
        )
    with pytest.raises(ValidationError, match="review"):
        services.contact_decide(actor=cast.school_dsl, contact=contact, decision="keep_watching")
    services.contact_decide(
        actor=cast.school_dsl,
        contact=contact,
        decision="keep_watching",
        review_on=dt.date(2026, 12, 11),
    )
    assert contacts_to_decide(cast.school_dsl) == []  # watched: back on its review date
    clock.set(dt.datetime(2026, 12, 11, 9, tzinfo=LONDON))
    assert [r.contact for r in contacts_to_decide(cast.school_dsl)] == [contact]
    services.contact_decide(
        actor=cast.school_dsl, contact=contact, decision="no_further_action", reason="Settled."
    )
    contact.refresh_from_db()
    assert (contact.state, contact.reason) == ("no_further_action", "Settled.")
    with pytest.raises(ValidationError, match="is no_further_action"):
        services.contact_decide(actor=cast.school_dsl, contact=contact, decision="refer")


def test_a_referral_from_concern_to_closed_writes_every_transition(cast, clock):
    contact = school_contact(cast)
    start = last_event()
    services.contact_decide(
        actor=cast.school_dsl, contact=contact, decision="refer", reason="Gifts and absence."
    )
    referral = Referral.objects.get(contact=contact)
    assert (referral.state, referral.source, referral.referred_by) == (
        "open",
        "dsl",
        cast.school_dsl,
    )
    assert referral.decision_due == MONDAY_4PM
    assert [r.referral for r in mash_queue(cast.analyst)] == [referral]
    assert mash_queue(cast.far_analyst) == []  # another area's MASH never sees it

    # Closing, or an outcome, before a decision is refused.
    with pytest.raises(ValidationError, match="is open"):
        services.referral_close(actor=cast.analyst, referral=referral, reason="x")
    with pytest.raises(ValidationError, match="is open"):
        services.outcome_record(
            actor=cast.analyst,
            referral=referral,
            outcome="no_concern",
            outcome_on=dt.date(2026, 11, 27),
            close_reason="x",
        )
    with pytest.raises(PermissionDenied):
        services.referral_rate(actor=cast.school_dsl, referral=referral, rag="amber")

    services.referral_rate(actor=cast.analyst, referral=referral, rag="amber")
    assert referral.response_due == MONDAY_4PM
    with pytest.raises(ValidationError, match="Say why the rating changes"):
        services.referral_rate(actor=cast.analyst, referral=referral, rag="red")
    services.referral_rate(
        actor=cast.analyst, referral=referral, rag="red", reason="Seen with older males."
    )
    assert referral.response_due == dt.datetime(2026, 11, 27, 20, tzinfo=LONDON)
    assert [(h.previous, h.rag, h.reason) for h in referral.rag_history.all()] == [
        ("", "amber", ""),
        ("amber", "red", "Seen with older males."),
    ]

    clock.advance(dt.timedelta(hours=1))
    services.referral_decide(
        actor=cast.analyst,
        referral=referral,
        decision="strategy_s47",
        reason="Significant harm likely.",
        outcome_due=dt.date(2026, 12, 11),
    )
    feedback = {f.to.username: f.text for f in Feedback.objects.filter(referral=referral)}
    assert feedback == {
        "school_dsl": "The MASH decided on 27 November 2026: Strategy discussion (section 47).",
        "teacher": "The MASH decided on 27 November 2026: Strategy discussion (section 47).",
    }

    action = services.action_create(
        actor=cast.analyst,
        referral=referral,
        title="Speak with Jessica alone at school",
        owner_agency=cast.school,
        owner=cast.teacher,
        due_at=dt.datetime(2026, 11, 30, 12, tzinfo=LONDON),
    )
    with pytest.raises(PermissionDenied):
        services.action_complete(actor=cast.nurse, action=action, evidence="x")

    # Monday 13:00: the action is an hour overdue. The sweep escalates it once.
    clock.set(dt.datetime(2026, 11, 30, 13, tzinfo=LONDON))
    assert services.clocks_sweep() == 1
    assert services.clocks_sweep() == 0
    action.refresh_from_db()
    assert action.state == "escalated"
    escalation = Escalation.objects.get(action=action)
    assert escalation.agency == cast.school and escalation.resolved_at is None
    for user in (cast.school_dsl, cast.analyst, cast.teacher):
        assert inbox_for(user).actions[0].action == action
        assert inbox_for(user).actions[0].escalated
    assert inbox_for(cast.nurse).actions == ()
    services.action_complete(actor=cast.teacher, action=action, evidence="Seen alone on Monday.")
    escalation.refresh_from_db()
    assert escalation.resolved_at == clock.now()

    services.outcome_record(
        actor=cast.analyst,
        referral=referral,
        outcome="at_risk_of_cse",
        outcome_on=dt.date(2026, 11, 30),
    )
    assert (referral.state, referral.next_review_on) == ("reviewing", dt.date(2027, 2, 28))
    # The review comes due: the referral is breached, escalated and first on the queue.
    clock.set(dt.datetime(2027, 3, 1, 9, tzinfo=LONDON))
    assert services.clocks_sweep() == 1
    assert mash_queue(cast.analyst)[0].breached
    services.referral_review(actor=cast.analyst, referral=referral, note="Safety plan holding.")
    assert referral.next_review_on == dt.date(2027, 6, 1)
    with pytest.raises(ValidationError, match="Say why"):
        services.referral_close(actor=cast.analyst, referral=referral, reason=" ")
    services.referral_close(
        actor=cast.analyst, referral=referral, reason="Risk reduced; plan ended."
    )
    assert referral.state == "closed"

    assert [
        e for e in events_since(start) if e[1] in ("contact", "referral", "action", "feedback")
    ] == [
        ("contact_decided", "contact"),
        ("referral_created", "referral"),
        ("referral_rated", "referral"),
        ("referral_rated", "referral"),
        ("referral_decided", "referral"),
        ("feedback_sent", "feedback"),
        ("feedback_sent", "feedback"),
        ("action_created", "action"),
        ("action_overdue", "action"),
        ("action_escalated", "action"),
        ("action_completed", "action"),
        ("outcome_recorded", "referral"),
        ("feedback_sent", "feedback"),
        ("feedback_sent", "feedback"),
        ("referral_breached", "referral"),
        ("referral_reviewed", "referral"),
        ("referral_closed", "referral"),
    ]


def test_an_open_referral_without_a_decision_shows_as_breached(cast, clock):
    outcome = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "Absent.")
    referral = services.referral_direct(
        actor=cast.teacher, concern=outcome.concern, reason="I am worried now."
    )
    assert referral.source == "practitioner"
    assert not mash_queue(cast.analyst)[0].breached
    clock.set(MONDAY_4PM)
    row = mash_queue(cast.analyst)[0]
    assert row.breached and row.left.describe() == "breached 0 min ago"
    services.clocks_sweep()
    assert Escalation.objects.get(referral=referral).what == (
        "No MASH decision within the response time"
    )


def test_a_child_reaching_the_threshold_is_referred_automatically(cast, clock):
    from jigsaw.web.referrals.models import ResponseSettings

    ResponseSettings.objects.create(area=cast.area, referral_threshold="low")
    outcome = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "Absent.")
    assert outcome.child.grade_level in ("low", "medium", "high")
    referral = Referral.objects.get(child=outcome.child)
    assert (referral.source, referral.referred_by) == ("threshold", None)
    # A second concern does not open a second referral.
    record_concern(cast.officer, JESSICA, POLICE_SIGNS, "In a car at 23:40.")
    assert Referral.objects.filter(child=outcome.child).count() == 1


def test_at_the_default_threshold_a_low_grade_is_not_referred(cast, clock):
    outcome = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "Absent.")
    if outcome.child.grade_level != "high":
        assert not Referral.objects.filter(child=outcome.child).exists()


def test_no_sequence_of_changes_closes_a_referral_without_decision_outcome_and_reason(cast, clock):
    """Every sequence of up to three changes: each either is refused (nothing written) or moves
    the referral as the table says and writes its own audit row; none closes it early."""
    child = record_concern(cast.nurse, JESSICA, HEALTH_SIGNS, "Clinic.").child
    day = dt.date(2026, 11, 27)
    changes = {
        "rate": lambda r: services.referral_rate(
            actor=cast.analyst,
            referral=r,
            rag="amber" if r.rag == "green" else "green",
            reason="New information.",
        ),
        "decide": lambda r: services.referral_decide(
            actor=cast.analyst,
            referral=r,
            decision="assessment_s17",
            reason="Needs.",
            outcome_due=dt.date(2026, 12, 24),
        ),
        "outcome_reviewed": lambda r: services.outcome_record(
            actor=cast.analyst, referral=r, outcome="victim_of_cse", outcome_on=day
        ),
        "outcome_closing": lambda r: services.outcome_record(
            actor=cast.analyst,
            referral=r,
            outcome="other_need",
            outcome_on=day,
            close_reason="Early help in place.",
        ),
        "review": lambda r: services.referral_review(
            actor=cast.analyst, referral=r, note="Reviewed."
        ),
        "close": lambda r: services.referral_close(actor=cast.analyst, referral=r, reason="Done."),
    }
    expected_event = {
        "rate": "referral_rated",
        "decide": "referral_decided",
        "outcome_reviewed": "outcome_recorded",
        "outcome_closing": "outcome_recorded",
        "review": "referral_reviewed",
        "close": "referral_closed",
    }
    closed = 0
    for length in (1, 2, 3):
        for sequence in itertools.product(changes, repeat=length):
            Referral.objects.filter(child=child).exclude(state="closed").update(
                state="closed",
                decision="no_further_action",
                outcome="no_concern",
                close_reason="test reset",
            )
            referral = services.referral_create(
                actor=cast.nurse, child=child, source="practitioner"
            )
            for change in sequence:
                before = last_event()
                state = referral.state
                try:
                    with transaction.atomic():
                        changes[change](referral)
                except ValidationError:
                    referral.refresh_from_db()
                    assert referral.state == state and events_since(before) == []
                    continue
                written = [t for t, _ in events_since(before)]
                assert written and written[0] == expected_event[change], (sequence, written)
                referral.refresh_from_db()
                if referral.state == "closed":
                    closed += 1
                    assert referral.decision and referral.outcome and referral.close_reason
                    assert "referral_closed" in written
    assert closed > 0


def test_the_database_refuses_a_closed_referral_without_an_outcome(cast, clock):
    child = record_concern(cast.nurse, JESSICA, HEALTH_SIGNS, "Clinic.").child
    referral = services.referral_create(actor=cast.nurse, child=child, source="practitioner")
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(state="closed", close_reason="x")


def test_a_change_is_checked_against_the_stored_state_not_a_stale_copy(cast, clock):
    # Two analysts open the same referral; the first decides. The second's page (a stale copy,
    # still "open") must not decide it again: the change re-reads the locked row and is refused.
    outcome = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "Absent.")
    first = services.referral_direct(actor=cast.teacher, concern=outcome.concern, reason="Now.")
    second = Referral.objects.get(pk=first.pk)
    services.referral_decide(
        actor=cast.analyst,
        referral=first,
        decision="assessment_s17",
        reason="Needs an assessment.",
        outcome_due=dt.date(2026, 12, 18),
    )
    before = last_event()
    with pytest.raises(ValidationError, match="decide"):
        services.referral_decide(
            actor=cast.analyst,
            referral=second,
            decision="no_further_action",
            reason="Nothing to do.",
            outcome_due=dt.date(2026, 12, 18),
        )
    first.refresh_from_db()
    assert first.decision == "assessment_s17" and events_since(before) == []
    assert Feedback.objects.filter(referral=first).count() == 1

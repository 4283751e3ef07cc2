"""The scheduled sweep (``jigsaw referrals sweep``) and the optional inbox e-mail.

Time comes from the test clock (Friday 27 November 2026, 16:00 in London), moved by the test.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import override_settings

from jigsaw.act.clock import LONDON
from jigsaw.cli import main
from jigsaw.web.audit.models import AuditEvent
from jigsaw.web.referrals import services
from jigsaw.web.referrals.models import Escalation, Referral
from jigsaw.web.referrals.selectors import inbox_for, mash_queue
from tests.web.cast import JESSICA, SCHOOL_SIGNS, record_concern

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

NOTE = "She said an older man she met online picks her up after school."
SITE = "https://jigsaw.example.gov.uk"


def events(kind: str) -> int:
    return AuditEvent.objects.filter(event_type=kind).count()


def decided_referral(cast) -> Referral:
    """Jessica's referral, rated Amber and decided for a strategy discussion, with an action for
    the teacher due on Monday at noon."""
    saved = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, NOTE)
    services.contact_decide(
        actor=cast.school_dsl, contact=saved.concern.contact, decision="refer", reason="Worried."
    )
    referral = Referral.objects.get(child=saved.child)
    services.referral_rate(actor=cast.analyst, referral=referral, rag="amber")
    services.referral_decide(
        actor=cast.analyst,
        referral=referral,
        decision="strategy_s47",
        reason="Harm likely.",
        outcome_due=dt.date(2026, 12, 18),
    )
    services.action_create(
        actor=cast.analyst,
        referral=referral,
        title="Speak with Jessica alone at school",
        owner_agency=cast.school,
        owner=cast.teacher,
        due_at=dt.datetime(2026, 11, 30, 12, tzinfo=LONDON),
    )
    return referral


def sweep(capsys, *args: str) -> str:
    assert main(["referrals", "sweep", *args]) == 0
    return capsys.readouterr().out.strip()


def test_the_sweep_escalates_overdue_actions_and_due_reviews_once_each(cast, clock, capsys):
    referral = decided_referral(cast)
    assert sweep(capsys) == "escalated 0"  # nothing late yet
    # Monday 13:00: the action is an hour overdue, with nobody looking at a queue.
    clock.set(dt.datetime(2026, 11, 30, 13, tzinfo=LONDON))
    assert sweep(capsys) == "escalated 1"
    assert sweep(capsys, "--area", cast.area.code) == "escalated 0"  # twice escalates once
    assert (events("action_overdue"), events("action_escalated")) == (1, 1)
    escalation = Escalation.objects.get(referral=referral, action__isnull=False)
    assert escalation.agency == cast.school and escalation.resolved_at is None
    # First on the owner's safeguarding lead's and the MASH's queues.
    for user in (cast.school_dsl, cast.analyst):
        assert inbox_for(user).actions[0].escalated
    services.action_complete(
        actor=cast.teacher, action=escalation.action, evidence="Seen alone on Monday."
    )
    services.outcome_record(
        actor=cast.analyst,
        referral=referral,
        outcome="at_risk_of_cse",
        outcome_on=dt.date(2026, 11, 30),
    )
    referral.refresh_from_db()
    assert referral.next_review_on == dt.date(2027, 2, 28)
    # The review date passes: the sweep escalates the review to the MASH, once.
    clock.set(dt.datetime(2027, 3, 1, 9, tzinfo=LONDON))
    assert sweep(capsys) == "escalated 1"
    assert sweep(capsys) == "escalated 0"
    breached = AuditEvent.objects.filter(event_type="referral_breached")
    assert [e.extra["state"] for e in breached] == ["reviewing"]
    assert Escalation.objects.get(referral=referral, action=None).what == "Review overdue"
    assert (
        mash_queue(cast.analyst)[0].referral == referral and mash_queue(cast.analyst)[0].escalated
    )
    # Another area's sweep leaves this one alone; an unknown area is a clear error.
    assert sweep(capsys, "--area", cast.other_area.code) == "escalated 0"
    assert main(["referrals", "sweep", "--area", "E00000000"]) == 2
    assert "no such area" in capsys.readouterr().err


def test_no_email_is_sent_when_notifications_are_off(
    cast, clock, django_capture_on_commit_callbacks
):
    cast.school_dsl.email = "dsl@example.org"
    cast.school_dsl.save()
    with django_capture_on_commit_callbacks(execute=True):
        decided_referral(cast)
        clock.set(dt.datetime(2026, 11, 30, 13, tzinfo=LONDON))
        services.clocks_sweep()
    assert mail.outbox == []


@override_settings(JIGSAW_NOTIFY_EMAIL=True, JIGSAW_SITE_URL=SITE + "/")
def test_inbox_email_holds_a_link_and_no_child_data(
    cast, clock, django_capture_on_commit_callbacks
):
    for name in ("teacher", "school_dsl", "analyst", "nurse"):
        user = getattr(cast, name)
        user.email = f"{name}@example.org"
        user.save()
    with django_capture_on_commit_callbacks(execute=True):
        decided_referral(cast)
    sent = {(m.to[0], m.body.split("\n")[0]) for m in mail.outbox}
    assert sent == {
        (
            "school_dsl@example.org",
            "There is a new contact for you to decide in your Jigsaw inbox.",
        ),
        ("analyst@example.org", "There is a new referral for the MASH in your Jigsaw inbox."),
        (
            "school_dsl@example.org",
            "There is feedback on a referral you made in your Jigsaw inbox.",
        ),
        ("teacher@example.org", "There is feedback on a referral you made in your Jigsaw inbox."),
        (
            "teacher@example.org",
            "There is an action given to you or your agency in your Jigsaw inbox.",
        ),
        (
            "school_dsl@example.org",
            "There is an action given to you or your agency in your Jigsaw inbox.",
        ),
    }
    # Nobody outside the work (the nurse) is told; each message goes to one address only.
    assert all(len(m.to) == 1 and not m.cc and not m.bcc for m in mail.outbox)
    first = list(mail.outbox)
    mail.outbox.clear()
    clock.set(dt.datetime(2026, 11, 30, 13, tzinfo=LONDON))
    with django_capture_on_commit_callbacks(execute=True):
        services.clocks_sweep()
    assert sorted(m.to[0] for m in mail.outbox) == [
        "analyst@example.org",
        "school_dsl@example.org",
        "teacher@example.org",
    ]
    assert all("overdue action or a late referral" in m.body for m in mail.outbox)
    forbidden = [
        "Jessica",
        "Okafor",
        "2011",
        "4 March",
        "04/03",
        "NB1",
        "older man",
        "Amber",
        "amber",
        "Strategy",
        "Speak with",
        "high",
        "medium",
    ]
    for message in first + mail.outbox:
        for word in forbidden:
            assert word not in message.body and word not in message.subject
        assert f"{SITE}/referrals/inbox/" in message.body

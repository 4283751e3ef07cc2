"""Strategy discussions, missing episodes and return home interviews, through the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jigsaw.act.clock import LONDON
from jigsaw.act.states import StrategyMode, suggested_mode
from jigsaw.web.referrals import services
from jigsaw.web.referrals.selectors import return_interview_counts, voices_of
from jigsaw.web.refs import ref
from tests.web.cast import JESSICA, SCHOOL_SIGNS, record_concern, verified_client

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

ATTENDEES = "Northbridge Police | detective sergeant | DS Khan\nNorthbridge Academy | DSL | Ms Reid"


def decided_s47(cast):
    child = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "Absent.").child
    referral = services.referral_create(actor=cast.school_dsl, child=child, source="dsl")
    services.referral_decide(
        actor=cast.analyst,
        referral=referral,
        decision="strategy_s47",
        reason="Harm likely.",
        outcome_due=dt.date(2026, 12, 18),
        child_voice="I just want my phone back.",
    )
    return referral


def strategy(cast, referral, **change):
    values = dict(
        actor=cast.analyst,
        referral=referral,
        held_at=dt.datetime(2026, 11, 27, 17, tzinfo=LONDON),
        mode="meeting",
        chair="T. Osei",
        attendees=ATTENDEES,
        information_shared="Northbridge Police | seen in a car at 23:40",
        section_47=True,
        criminal_investigation=True,
        seen_alone="planned",
        seen_alone_on=dt.date(2026, 11, 30),
        decisions="Section 47 enquiry; disruption.",
        child_voice="She said the men are her friends.",
        next_review_on=dt.date(2026, 12, 4),
        actions="Visit at home | Northbridge Children's Services | 2026-11-30\n"
        "Disruption notice | northbridge police | 2026-12-01",
    )
    return services.strategy_record(**{**values, **change})


def test_exploitation_suggests_a_meeting():
    assert suggested_mode(exploitation=True) is StrategyMode.MEETING
    assert suggested_mode(exploitation=False, trafficking=True) is StrategyMode.MEETING
    assert suggested_mode(exploitation=False) is StrategyMode.CALL


def test_a_strategy_discussion_records_who_what_and_its_actions(cast, clock):
    referral = decided_s47(cast)
    discussion = strategy(cast, referral)
    assert [a["agency"] for a in discussion.attendees] == [
        "Northbridge Police",
        "Northbridge Academy",
    ]
    actions = list(referral.actions.order_by("id"))
    assert [(a.title, a.owner_agency, a.strategy) for a in actions] == [
        ("Visit at home", cast.council, discussion),
        ("Disruption notice", cast.police, discussion),
    ]
    assert actions[0].due_at == dt.datetime(2026, 11, 30, 17, tzinfo=LONDON)
    # The child's words, newest first, before anything else on the referral page.
    assert [v.step for v in voices_of(referral)] == ["Strategy discussion", "MASH decision"]


def test_bad_lines_are_refused_naming_the_line_and_field(cast, clock):
    referral = decided_s47(cast)
    with pytest.raises(ValidationError) as bad:
        strategy(cast, referral, attendees="Northbridge Police | DS")
    assert bad.value.message_dict["attendees"] == [
        "Line 1: give agency | role | name (got 'Northbridge Police | DS')"
    ]
    with pytest.raises(ValidationError) as bad:
        strategy(cast, referral, actions="Visit | Nowhere Council | 2026-11-30")
    assert "Action 1: no agency called 'Nowhere Council'" in bad.value.message_dict["actions"][0]
    with pytest.raises(ValidationError) as bad:
        strategy(cast, referral, actions="Visit | Northbridge Police | 30/11/2026")
    assert "not YYYY-MM-DD" in bad.value.message_dict["actions"][0]
    assert referral.strategy_discussions.count() == 0 and referral.actions.count() == 0


def test_no_strategy_discussion_without_the_decision_to_hold_one(cast, clock):
    child = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "Absent.").child
    referral = services.referral_create(actor=cast.school_dsl, child=child, source="dsl")
    with pytest.raises(ValidationError, match="follows a decision"):
        strategy(cast, referral)


def test_return_home_interviews_are_due_in_72_hours_and_counted_apart(cast, clock):
    child = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "Absent.").child
    with pytest.raises(PermissionDenied):
        services.missing_record(
            actor=cast.nurse,
            child=child,
            kind="missing",
            started_at=dt.datetime(2026, 11, 20, 22, tzinfo=LONDON),
        )
    back = dt.datetime(2026, 11, 21, 6, tzinfo=LONDON)
    first = services.missing_record(
        actor=cast.teacher,
        child=child,
        kind="missing",
        started_at=dt.datetime(2026, 11, 20, 22, tzinfo=LONDON),
        ended_at=back,
        found_where="Retail park",
        police_reference="NB/123",
    )
    assert first.interview_due == back + dt.timedelta(hours=72)
    second = services.missing_record(
        actor=cast.analyst,
        child=child,
        kind="absent",
        started_at=dt.datetime(2026, 11, 22, 22, tzinfo=LONDON),
        ended_at=dt.datetime(2026, 11, 23, 2, tzinfo=LONDON),
    )
    third = services.missing_record(
        actor=cast.analyst,
        child=child,
        kind="missing",
        started_at=dt.datetime(2026, 11, 26, 20, tzinfo=LONDON),
    )
    services.return_interview_record(
        actor=cast.analyst,
        episode=first,
        offered_at=back + dt.timedelta(hours=5),
        response="accepted",
        completed_at=back + dt.timedelta(hours=30),
        learned="Taken to a flat by an older man.",
        child_voice="I don't want to go back there.",
    )
    with pytest.raises(ValidationError, match="Say why"):
        services.return_interview_record(
            actor=cast.analyst, episode=second, offered_at=back, response="declined"
        )
    services.return_interview_record(
        actor=cast.analyst,
        episode=second,
        offered_at=dt.datetime(2026, 11, 24, 9, tzinfo=LONDON),
        response="declined",
        declined_reason="Did not want to talk to anyone new.",
    )
    with pytest.raises(ValidationError, match="return"):
        services.return_interview_record(
            actor=cast.analyst, episode=third, offered_at=back, response="accepted"
        )
    services.missing_return(
        actor=cast.analyst, episode=third, ended_at=dt.datetime(2026, 11, 27, 1, tzinfo=LONDON)
    )
    counts = return_interview_counts(area_id=cast.area.pk)
    # Now Friday 16:00: the third child's interview (due Sunday 01:00) is not yet overdue.
    assert (counts.returned, counts.offered, counts.accepted, counts.declined) == (3, 2, 1, 1)
    assert (counts.completed, counts.completed_within_due, counts.overdue) == (1, 1, 0)
    clock.set(dt.datetime(2026, 11, 30, 9, tzinfo=LONDON))
    assert return_interview_counts(area_id=cast.area.pk).overdue == 1


def test_the_missing_page_records_an_episode(cast, client, clock):
    child = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "Absent.").child
    page = verified_client(client, cast, "analyst")
    assert page.get(f"/referrals/missing/{ref(child.pk)}/").status_code == 200
    bad = page.post(f"/referrals/missing/{ref(child.pk)}/", {"form": "missing", "kind": "missing"})
    assert bad.status_code == 400 and "Give the date it started" in bad.content.decode()
    page.post(
        f"/referrals/missing/{ref(child.pk)}/",
        {"form": "missing", "kind": "missing", "started_on": "2026-11-26", "started_time": "21:00"},
    )
    assert child.missing_episodes.count() == 1
    client.logout()
    assert (
        verified_client(client, cast, "nurse")
        .get(f"/referrals/missing/{ref(child.pk)}/")
        .status_code
        == 404
    )


def test_the_childs_words_come_first_on_the_profile_for_the_mash_only(cast, client, clock):
    referral = decided_s47(cast)
    strategy(cast, referral)
    page = (
        verified_client(client, cast, "analyst")
        .get(f"/children/{ref(referral.child_id)}/")
        .content.decode()
    )
    assert page.index('data-testid="child-voice"') < page.index("Linked records")
    assert "She said the men are her friends." in page and "I just want my phone back." in page
    client.logout()
    teacher = (
        verified_client(client, cast, "teacher")
        .get(f"/children/{ref(referral.child_id)}/")
        .content.decode()
    )
    assert 'data-testid="child-voice"' not in teacher

"""The workflow's pages through the test client: who sees what, and what each form changes."""

from __future__ import annotations

import datetime as dt

import pytest

from jigsaw.web.referrals.models import Action, Referral
from jigsaw.web.refs import ref
from tests.web.cast import (
    HEALTH_SIGNS,
    JESS,
    JESSICA,
    SCHOOL_SIGNS,
    record_concern,
    verified_client,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SCHOOL_NOTE_WORDS = "Absent most Mondays; new phone she will not explain."


def test_the_practitioner_sees_own_grade_and_that_others_know_the_child_not_what(
    cast, client, clock
):
    from jigsaw.web.concerns.selectors import indicator_labels

    record_concern(cast.nurse, JESS, HEALTH_SIGNS, "Clinic with an older man.")
    saved = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, SCHOOL_NOTE_WORDS)
    assert saved.link.status == "auto"
    page = verified_client(client, cast, "teacher").get(f"/concerns/{ref(saved.concern.pk)}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="known-elsewhere"' in html and 'data-testid="who-holds-picture"' in html
    assert "Northbridge NHS Trust" not in html and 'data-testid="child-grade"' not in html
    labels = indicator_labels()
    for sign in HEALTH_SIGNS:
        assert labels[sign] not in html
    assert "not a 999 call" in html
    # The combined grade reached the partnership's threshold (high): referred automatically.
    assert saved.child.grade_level == "high" and 'data-testid="referred"' in html
    profile = client.get(f"/children/{ref(saved.child.pk)}/").content.decode()
    assert "Northbridge NHS Trust" not in profile
    for sign in HEALTH_SIGNS:
        assert labels[sign] not in profile
    for sign in SCHOOL_SIGNS:
        assert labels[sign] in profile


def test_the_dsl_sees_which_agencies_and_the_mash_sees_every_sign(cast, client, clock):
    from jigsaw.web.concerns.selectors import indicator_labels

    record_concern(cast.nurse, JESS, HEALTH_SIGNS, "Clinic with an older man.")
    saved = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, SCHOOL_NOTE_WORDS)
    labels = indicator_labels()
    dsl = (
        verified_client(client, cast, "school_dsl")
        .get(f"/children/{ref(saved.child.pk)}/")
        .content.decode()
    )
    assert "Northbridge NHS Trust" in dsl and 'data-testid="child-grade"' in dsl
    assert "tell your agency&#x27;s safeguarding lead" not in dsl.lower()
    assert labels[HEALTH_SIGNS[0]] not in dsl.split('data-testid="timeline"')[1]
    client.logout()
    mash = (
        verified_client(client, cast, "analyst")
        .get(f"/children/{ref(saved.child.pk)}/")
        .content.decode()
    )
    for sign in HEALTH_SIGNS + SCHOOL_SIGNS:
        assert labels[sign] in mash
    assert (
        "refer to the mash"
        not in mash.split('data-testid="child-grade"')[1].split("</div>")[2].lower()
    )


def test_the_whole_cycle_through_the_pages(cast, client, clock):
    saved = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, SCHOOL_NOTE_WORDS)
    contact = saved.concern.contact
    own = (
        verified_client(client, cast, "teacher")
        .get(f"/concerns/{ref(saved.concern.pk)}/")
        .content.decode()
    )
    assert "Refer to the MASH now" in own and 'data-testid="known-elsewhere"' not in own
    client.logout()
    dsl = verified_client(client, cast, "school_dsl")
    queue = dsl.get("/referrals/contacts/").content.decode()
    assert "Jessica Okafor" in queue and "teacher" in queue
    assert 'data-testid="header-inbox-count">1<' in queue
    bad = dsl.post(f"/referrals/contacts/{ref(contact.pk)}/", {"decision": "no_further_action"})
    assert bad.status_code == 400 and "Say why no further action is needed" in bad.content.decode()
    dsl.post(f"/referrals/contacts/{ref(contact.pk)}/", {"decision": "refer", "reason": "Worried."})
    referral = Referral.objects.get(child=saved.child)
    client.logout()

    mash = verified_client(client, cast, "analyst")
    assert "Jessica Okafor" in mash.get("/referrals/mash/").content.decode()
    mash.post(f"/referrals/{ref(referral.pk)}/rate/", {"rag": "amber"})
    changed = mash.post(f"/referrals/{ref(referral.pk)}/rate/", {"rag": "green"})
    assert changed.status_code == 400 and "Say why the rating changes" in changed.content.decode()
    mash.post(
        f"/referrals/{ref(referral.pk)}/decide/",
        {
            "decision": "strategy_s47",
            "reason": "Harm likely.",
            "outcome_due_day": "18",
            "outcome_due_month": "12",
            "outcome_due_year": "2026",
        },
    )
    mash.post(
        f"/referrals/{ref(referral.pk)}/action/",
        {
            "title": "See her alone",
            "owner_agency": cast.school.pk,
            "owner": cast.teacher.pk,
            "due_on_day": "30",
            "due_on_month": "11",
            "due_on_year": "2026",
            "due_time": "12:00",
        },
    )
    action = Action.objects.get(referral=referral)
    clock.set(dt.datetime(2026, 11, 30, 13, tzinfo=clock.now().tzinfo))
    page = mash.get(f"/referrals/{ref(referral.pk)}/").content.decode()
    assert "Escalated" in mash.get("/referrals/inbox/").content.decode()
    action.refresh_from_db()
    assert action.state == "escalated"
    assert "Amber" in page
    mash.post(
        f"/referrals/{ref(referral.pk)}/outcome/",
        {
            "outcome": "at_risk_of_cse",
            "outcome_on_day": "30",
            "outcome_on_month": "11",
            "outcome_on_year": "2026",
        },
    )
    referral.refresh_from_db()
    assert referral.state == "reviewing"
    client.logout()
    teacher = verified_client(client, cast, "teacher").get("/referrals/inbox/").content.decode()
    assert "Strategy discussion (section 47)" in teacher
    assert "At risk of child sexual exploitation" in teacher
    assert "Escalated" in teacher
    # Nobody but the area's MASH opens a referral page.
    assert client.get(f"/referrals/{ref(referral.pk)}/").status_code == 403
    client.logout()
    assert (
        verified_client(client, cast, "far_analyst")
        .get(f"/referrals/{ref(referral.pk)}/")
        .status_code
        == 404
    )


def test_an_action_update_without_evidence_says_why_and_changes_nothing(cast, client, clock):
    from jigsaw.web.referrals import services

    saved = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, SCHOOL_NOTE_WORDS)
    referral = services.referral_create(actor=cast.school_dsl, child=saved.child, source="dsl")
    action = services.action_create(
        actor=cast.analyst,
        referral=referral,
        title="Visit",
        owner_agency=cast.school,
        owner=cast.teacher,
        due_at=clock.now() + dt.timedelta(days=1),
    )
    teacher = verified_client(client, cast, "teacher")
    answer = teacher.post(
        f"/referrals/actions/{ref(action.pk)}/", {"change": "complete", "text": " "}
    )
    assert answer.status_code == 400
    assert "Give the evidence that it was done" in answer.content.decode()
    action.refresh_from_db()
    assert action.state == "open"
    teacher.post(
        f"/referrals/actions/{ref(action.pk)}/", {"change": "complete", "text": "Visited."}
    )
    action.refresh_from_db()
    assert (action.state, action.evidence) == ("done", "Visited.")


def _referral_of_jessica(cast):
    saved = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, SCHOOL_NOTE_WORDS)
    from jigsaw.web.referrals import services

    services.contact_decide(
        actor=cast.school_dsl, contact=saved.concern.contact, decision="refer", reason="Worried."
    )
    return Referral.objects.get(child=saved.child)


def _selected(html: str, select_id: str) -> list[str]:
    import re

    body = html.split(f'id="{select_id}"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="([^"]*)" selected>', body)


def test_the_rag_select_chooses_nothing_until_the_analyst_does(cast, client, clock):
    referral = _referral_of_jessica(cast)
    mash = verified_client(client, cast, "analyst")
    page = mash.get(f"/referrals/{ref(referral.pk)}/").content.decode()
    # Not rated: the empty "Choose a rating" is selected, not Red.
    assert _selected(page, "rag") == [""] and "Choose a rating" in page
    refused = mash.post(f"/referrals/{ref(referral.pk)}/rate/", {"rag": "", "reason": ""})
    assert refused.status_code == 400 and "Select a RAG rating" in refused.content.decode()
    referral.refresh_from_db()
    assert referral.rag == ""
    mash.post(f"/referrals/{ref(referral.pk)}/rate/", {"rag": "amber"})
    rated = mash.get(f"/referrals/{ref(referral.pk)}/").content.decode()
    # Once rated, the current rating is the one shown, and there is no empty choice.
    assert _selected(rated, "rag") == ["amber"] and "Choose a rating" not in rated


def test_the_outcome_due_date_is_the_govuk_three_field_date(cast, client, clock):
    referral = _referral_of_jessica(cast)
    mash = verified_client(client, cast, "analyst")
    page = mash.get(f"/referrals/{ref(referral.pk)}/").content.decode()
    assert 'type="date"' not in page.split("Save decision")[0].split("MASH decision")[1]
    for part in ("day", "month", "year"):
        assert f'name="outcome_due_{part}"' in page
    decide = {"decision": "assessment_s17", "reason": "Needs an assessment."}
    missing = mash.post(f"/referrals/{ref(referral.pk)}/decide/", decide)
    assert missing.status_code == 400
    html = missing.content.decode()
    assert 'href="#outcome_due_day"' in html and "Enter the date the outcome is due" in html
    unreal = mash.post(
        f"/referrals/{ref(referral.pk)}/decide/",
        {**decide, "outcome_due_day": "31", "outcome_due_month": "2", "outcome_due_year": "2027"},
    )
    assert "must be a real date" in unreal.content.decode()
    # The typed values stay in the boxes.
    assert 'value="31"' in unreal.content.decode()
    past = mash.post(
        f"/referrals/{ref(referral.pk)}/decide/",
        {**decide, "outcome_due_day": "1", "outcome_due_month": "11", "outcome_due_year": "2026"},
    )
    assert past.status_code == 400
    assert 'href="#outcome_due_day"' in past.content.decode()
    assert "The outcome date must be today or later" in past.content.decode()
    mash.post(
        f"/referrals/{ref(referral.pk)}/decide/",
        {**decide, "outcome_due_day": "18", "outcome_due_month": "12", "outcome_due_year": "2026"},
    )
    referral.refresh_from_db()
    assert referral.state == "decided" and referral.outcome_due == dt.date(2026, 12, 18)


def test_no_decision_or_outcome_is_chosen_for_the_analyst(cast, client, clock):
    referral = _referral_of_jessica(cast)
    mash = verified_client(client, cast, "analyst")
    page = mash.get(f"/referrals/{ref(referral.pk)}/").content.decode()
    assert _selected(page, "decision") == [""] and "Choose a decision" in page
    refused = mash.post(
        f"/referrals/{ref(referral.pk)}/decide/",
        {
            "decision": "",
            "reason": "Worried.",
            "outcome_due_day": "18",
            "outcome_due_month": "12",
            "outcome_due_year": "2026",
        },
    )
    html = refused.content.decode()
    assert refused.status_code == 400 and 'href="#decision">Select the MASH decision' in html
    referral.refresh_from_db()
    assert referral.state == "open"
    # Every date on the page is the GOV.UK three-field date, and the summary links reach fields.
    assert 'type="date"' not in page
    reason = mash.post(f"/referrals/{ref(referral.pk)}/decide/", {"decision": "assessment_s17"})
    assert 'href="#decide-reason"' in reason.content.decode()
    assert 'id="decide-reason"' in reason.content.decode()


def test_the_safeguarding_leads_review_date_is_the_govuk_date(cast, client, clock):
    saved = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, SCHOOL_NOTE_WORDS)
    contact = saved.concern.contact
    dsl = verified_client(client, cast, "school_dsl")
    page = dsl.get(f"/referrals/contacts/{ref(contact.pk)}/").content.decode()
    assert 'type="date"' not in page and 'name="review_on_day"' in page
    missing = dsl.post(f"/referrals/contacts/{ref(contact.pk)}/", {"decision": "keep_watching"})
    html = missing.content.decode()
    assert missing.status_code == 400
    assert 'href="#review_on_day">Give the date to look at this child again' in html
    nothing = dsl.post(f"/referrals/contacts/{ref(contact.pk)}/", {"reason": "x"})
    assert 'href="#decision-no_further_action">Select your decision' in nothing.content.decode()
    dsl.post(
        f"/referrals/contacts/{ref(contact.pk)}/",
        {
            "decision": "keep_watching",
            "review_on_day": "11",
            "review_on_month": "12",
            "review_on_year": "2026",
        },
    )
    contact.refresh_from_db()
    assert (contact.state, contact.review_on) == ("watching", dt.date(2026, 12, 11))

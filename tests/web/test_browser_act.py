"""End to end in Debian's chromium: from a school's concern to an outcome and its review.

A school records a concern, its safeguarding lead refers to the MASH, the MASH rates it Amber and
decides on a strategy discussion with an action; the action goes overdue and escalates (the test
clock moves, nobody sleeps); the outcome is "at risk of CSE" and the review comes due; the
referrer sees the feedback; a police practitioner, a third agency, never sees the school's signs.
Every page is screenshotted into test-artifacts/web/ and checked with axe-core.
"""

from __future__ import annotations

import datetime as dt

import pytest

from jigsaw.act.clock import LONDON, TestClock
from jigsaw.web.concerns.selectors import indicator_labels
from tests.web.cast import JESSICA, POLICE_SIGNS, SCHOOL_SIGNS, Cast, background_load
from tests.web.test_browser import POLICE_NOTE, SCHOOL_NOTE, Visit, browser  # noqa: F401

pytestmark = [pytest.mark.postgres, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FRIDAY_4PM = dt.datetime(2026, 11, 27, 16, tzinfo=LONDON)


@pytest.fixture
def clock():
    from jigsaw.web.referrals.clock import clock_use

    test_clock = TestClock(FRIDAY_4PM)
    previous = clock_use(test_clock)
    yield test_clock
    clock_use(previous)


def test_from_a_school_concern_to_an_outcome_and_its_review(browser, live_server, clock):  # noqa: F811
    background_load()
    cast = Cast()
    checked: dict[str, list] = {}
    url = live_server.url
    labels = indicator_labels()

    school = Visit(browser, url, cast, "teacher", checked)
    school.sign_in()
    school.record(JESSICA, SCHOOL_SIGNS, SCHOOL_NOTE, "act-1-school")
    assert "not a 999 call" in school.page.content()
    school.close()

    dsl = Visit(browser, url, cast, "school_dsl", checked)
    dsl.sign_in()
    assert dsl.page.locator("[data-testid=header-inbox-count]").inner_text() == "1"
    dsl.page.goto("/referrals/contacts/")
    row = dsl.page.locator("[data-testid=contact-row]")
    assert (
        row.count() == 1 and "Jessica Okafor" in row.inner_text() and "teacher" in row.inner_text()
    )
    dsl.check("act-2-dsl-contacts")
    row.locator("a").click()
    dsl.check("act-2-dsl-contact")
    dsl.page.check("#decision-refer")
    dsl.page.fill("#reason", "Absence with unexplained gifts from older people.")
    dsl.page.click("button:has-text('Save decision')")
    assert dsl.page.locator("[data-testid=contact-row]").count() == 0
    dsl.close()

    mash = Visit(browser, url, cast, "analyst", checked)
    mash.sign_in()
    mash.page.goto("/referrals/mash/")
    mash.check("act-3-mash-queue")
    mash.page.locator("[data-testid=referral-row] a", has_text="Jessica Okafor").click()
    mash.check("act-3-mash-referral")
    mash.page.select_option("#rag", "amber")
    mash.page.click("button:has-text('Save rating')")
    # Amber from Friday 16:00: one working day, Monday 16:00.
    assert "response due 30 Nov 2026 16:00" in mash.page.content()
    mash.page.select_option("#decision", "strategy_s47")
    mash.page.fill(
        "#decide-reason", "Signs of grooming; strategy discussion with police and school."
    )
    mash.page.fill("#outcome_due_day", "18")
    mash.page.fill("#outcome_due_month", "12")
    mash.page.fill("#outcome_due_year", "2026")
    mash.page.click("button:has-text('Save decision')")
    mash.page.click("summary:has-text('Record a strategy discussion')")
    # Exploitation suggests a meeting: the form starts there.
    assert mash.page.locator("#mode").input_value() == "meeting"
    mash.page.fill("#held_on_day", "27")
    mash.page.fill("#held_on_month", "11")
    mash.page.fill("#held_on_year", "2026")
    mash.page.fill("#held_time", "17:30")
    mash.page.fill("#chair", "T. Osei, MASH manager")
    mash.page.fill(
        "#attendees",
        "Northbridge Police | detective sergeant | DS Khan\nNorthbridge Academy | DSL | Ms Reid",
    )
    mash.page.fill("#information_shared", "Northbridge Police | seen in a car with older males")
    mash.page.select_option("#section_47", "yes")
    mash.page.select_option("#criminal_investigation", "yes")
    mash.page.select_option("#seen_alone", "planned")
    mash.page.fill("#decisions", "Section 47 enquiry; police disruption of the older males.")
    mash.page.fill(
        "#strategy-child-voice", "She says they are her friends and she feels safe with them."
    )
    mash.page.fill("#strategy-actions", "Disruption visit | Northbridge Police | 2026-11-30")
    mash.page.fill("#strategy_review_on_day", "4")
    mash.page.fill("#strategy_review_on_month", "12")
    mash.page.fill("#strategy_review_on_year", "2026")
    mash.page.click("button:has-text('Save strategy discussion')")
    assert "chaired by T. Osei" in mash.page.locator("[data-testid=strategy]").inner_text()
    assert "feels safe with them" in mash.page.locator("[data-testid=child-voice]").inner_text()
    mash.page.click("summary:has-text('Add an action')")
    mash.page.fill("#title", "Speak with Jessica alone at school")
    mash.page.select_option("#owner_agency", str(cast.school.pk))
    mash.page.select_option("#owner", str(cast.teacher.pk))
    mash.page.fill("#due_on_day", "30")
    mash.page.fill("#due_on_month", "11")
    mash.page.fill("#due_on_year", "2026")
    mash.page.fill("#due_time", "12:00")
    mash.page.click("button:has-text('Add action')")
    assert mash.page.locator("[data-testid=action-state]").all_inner_texts() == ["Open", "Open"]
    mash.check("act-3-mash-decided")

    # Monday 18:00: both actions are overdue and escalate to their DSLs and the MASH.
    clock.set(dt.datetime(2026, 11, 30, 18, tzinfo=LONDON))
    mash.page.goto("/referrals/inbox/")
    first = mash.page.locator("[data-testid=action-row]").first
    assert "Escalated" in first.inner_text() and "Speak with Jessica" in first.inner_text()
    mash.check("act-4-mash-inbox-escalated")
    mash.page.goto("/referrals/mash/")
    mash.page.locator("[data-testid=referral-row] a", has_text="Jessica Okafor").click()
    assert (
        "Action overdue: Speak with Jessica alone at school"
        in mash.page.locator("[data-testid=escalations]").inner_text()
    )
    mash.page.select_option("#outcome", "at_risk_of_cse")
    mash.page.fill("#outcome_on_day", "30")
    mash.page.fill("#outcome_on_month", "11")
    mash.page.fill("#outcome_on_year", "2026")
    mash.page.click("button:has-text('Save outcome')")
    assert mash.page.locator("[data-testid=state]").inner_text() == "Reviewing"
    assert mash.page.locator("[data-testid=next-review]").inner_text() == "28 Feb 2027"
    mash.check("act-5-mash-outcome")
    mash.page.click("text=See the child's combined picture")
    mash.page.click("text=Missing episodes and return home interviews")
    mash.page.select_option("#kind", "missing")
    mash.page.fill("#started_on", "2026-11-29")
    mash.page.fill("#started_time", "21:00")
    mash.page.click("button:has-text('Record episode')")
    mash.page.fill("[name=ended_on]", "2026-11-30")
    mash.page.fill("[name=ended_time]", "03:00")
    mash.page.click("button:has-text('Record the return')")
    assert (
        mash.page.locator("[data-testid=interview-due]").inner_text().startswith("3 Dec 2026 03:00")
    )
    mash.check("act-5-mash-missing")

    # The review comes due: the referral is breached and first on the MASH's queue.
    clock.set(dt.datetime(2027, 3, 1, 9, tzinfo=LONDON))
    mash.page.goto("/referrals/mash/")
    first = mash.page.locator("[data-testid=referral-row]").first
    assert "Jessica Okafor" in first.inner_text() and "Breached" in first.inner_text()
    mash.check("act-6-mash-review-due")
    # The MACE panel's agenda has her (review due, breached); its minutes are marked.
    mash.page.goto("/referrals/mace/")
    item = mash.page.locator("[data-testid=agenda-item]", has_text="Jessica Okafor")
    assert "review due" in item.inner_text()
    mash.check("act-6-mace-agenda")
    mash.page.fill("#chair", "Chief Superintendent Lowe")
    mash.page.fill("#attendees", "Northbridge Police | inspector | Insp. Hale")
    item.locator("textarea[name$=-discussion]").fill("Safety plan holding; no new incidents.")
    item.locator("textarea[name$=-plan]").fill("Continue the plan; review in three months.")
    item.locator("input[name$=-location]").fill("Retail park")
    mash.page.click("button:has-text('Save the meeting record')")
    assert mash.page.locator("[data-testid=marking]").inner_text() == "OFFICIAL-SENSITIVE"
    assert "Location: Retail park" in mash.page.locator("[data-testid=minutes]").inner_text()
    mash.check("act-6-mace-minutes")
    mash.close()

    dsl = Visit(browser, url, cast, "school_dsl", checked)
    dsl.sign_in()
    dsl.page.goto("/referrals/inbox/")
    assert "Escalated" in dsl.page.locator("[data-testid=action-row]").first.inner_text()
    feedback = dsl.page.locator("[data-testid=feedback]").inner_text()
    assert "Strategy discussion (section 47)" in feedback
    assert "At risk of child sexual exploitation" in feedback
    dsl.check("act-7-dsl-inbox")
    dsl.close()

    school = Visit(browser, url, cast, "teacher", checked)
    school.sign_in()
    school.page.goto("/referrals/inbox/")
    assert (
        "Strategy discussion (section 47)"
        in school.page.locator("[data-testid=feedback]").inner_text()
    )
    school.check("act-8-school-feedback")
    school.close()

    police = Visit(browser, url, cast, "officer", checked)
    police.sign_in()
    police.record({**JESSICA, "first_name": "Jessie"}, POLICE_SIGNS, POLICE_NOTE, "act-9-police")
    content = police.page.content()
    assert police.page.locator("[data-testid=known-elsewhere]").count() == 1
    assert "Northbridge Academy" not in content
    assert not any(labels[sign] in content for sign in SCHOOL_SIGNS)
    police.page.click("text=See the child's profile")
    content = police.page.content()
    assert "Northbridge Academy" not in content and SCHOOL_NOTE not in content
    assert not any(labels[sign] in content for sign in SCHOOL_SIGNS)
    assert any(labels[sign] in content for sign in POLICE_SIGNS)
    police.check("act-9-police-profile")
    police.close()

    failing = {step: found for step, found in checked.items() if found}
    assert failing == {}, failing

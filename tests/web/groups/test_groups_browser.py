"""End to end in Debian's chromium: two agencies record the same car (written two ways) and the
same nickname about two unrelated children; the MASH sees the group form, confirms it with a
reason, and the MACE agenda lists it; a third practitioner never sees the others' children; the
partnership lead names the police officer the SPOC, who checks the car.

Screenshots go to test-artifacts/web/groups-*.png; axe-core checks every new page.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from jigsaw.web.audit.models import AuditEvent
from jigsaw.web.groups.models import Group, ProposalStatus
from jigsaw.web.refs import ref
from tests.web.cast import HEALTH_SIGNS, JESSICA, POLICE_SIGNS, SCHOOL_SIGNS, Cast
from tests.web.test_browser import Visit, browser  # noqa: F401 - the fixture

pytestmark = [pytest.mark.postgres, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOMASZ = {
    "first_name": "Tomasz",
    "last_name": "Nowak",
    "dob": (2010, 6, 1),
    "sex": "M",
    "postcode": "NB2 3RT",
}
AISHA = {
    "first_name": "Aisha",
    "last_name": "Begum",
    "dob": (2012, 9, 9),
    "sex": "F",
    "postcode": "NB3 1AA",
}


class Recorder(Visit):
    def record_with(self, who, signs, note, step, *, registration, nickname=None, check_form=False):
        page = self.page
        page.goto("/concerns/new/")
        page.fill("#first_name", who["first_name"])
        page.fill("#last_name", who["last_name"])
        year, month, day = who["dob"]
        page.fill("#dob_day", str(day))
        page.fill("#dob_month", str(month))
        page.fill("#dob_year", str(year))
        page.check("#sex" if who["sex"] == "F" else f"#sex-{who['sex']}")
        page.fill("#postcode", who["postcode"])
        today = timezone.localdate()
        page.fill("#seen_day", str(today.day))
        page.fill("#seen_month", str(today.month))
        page.fill("#seen_year", str(today.year))
        for sign in signs:
            group = page.locator("details", has=page.locator(f"#indicator-{sign}"))
            if group.get_attribute("open") is None:
                group.locator("summary").click()
            page.check(f"#indicator-{sign}")
        page.fill("#note", note)
        page.check("#lawful_basis")
        page.locator("#mentions summary").click()
        page.fill("#m-vehicle-1-registration", registration)
        page.fill("#m-vehicle-1-make", "Vauxhall Astra")
        page.fill("#m-vehicle-1-colour", "silver")
        page.select_option("#m-vehicle-1-how_known", "seen")
        if nickname:
            page.fill("#m-person-1-nickname", nickname)
            page.fill("#m-person-1-age", "25")
            page.select_option("#m-person-1-sex", "Male")
            page.select_option("#m-person-1-how_known", "disclosed")
        if check_form:
            self.check(f"{step}-mentions-form")
            # A person row without how it is known, and with the nationality cleared, is refused
            # with each field named.
            page.fill("#m-person-2-name", "Dean")
            page.fill("#m-person-2-nationality", "")
            page.click("button:has-text('Save concern')")
            summary = page.locator("[data-testid=mention-errors]").inner_text()
            assert "Select how person 2 is known" in summary
            assert "Give person 2's nationality, or Refused, or Not known" in summary
            self.check(f"{step}-mentions-errors")
            page.fill("#m-person-2-name", "")
            page.fill("#m-person-2-nationality", "Not known")
        page.click("button:has-text('Save concern')")
        assert page.locator("h1").inner_text() == "Concern saved"


def test_a_car_and_a_nickname_from_two_agencies_make_a_group_the_mash_confirms(
    browser,  # noqa: F811 - the fixture
    live_server,
):
    cast = Cast()
    checked: dict[str, list] = {}
    url = live_server.url

    school = Recorder(browser, url, cast, "teacher", checked)
    school.sign_in()
    school.record_with(
        JESSICA,
        SCHOOL_SIGNS,
        "Picked up after school.",
        "groups-1-school",
        registration="YK19 ABC",
        nickname="Taz",
        check_form=True,
    )
    school.close()
    assert not Group.objects.exists()  # one child is no group

    police = Recorder(browser, url, cast, "officer", checked)
    police.sign_in()
    # The same plate, without its space and with an I for the 1.
    police.record_with(
        TOMASZ,
        POLICE_SIGNS,
        "Seen getting into a silver Astra.",
        "groups-2-police",
        registration="yki9abc",
        nickname="Taz",
    )
    police.close()
    group = Group.objects.get()

    mash = Recorder(browser, url, cast, "analyst", checked)
    mash.sign_in()
    mash.page.goto("/referrals/inbox/")
    assert mash.page.locator("[data-testid=inbox-groups]").inner_text() == "1"
    mash.check("groups-3-mash-inbox")
    mash.page.click(f"[data-testid=group-tasks] a[href='/groups/{ref(group.pk)}/']")
    page = mash.page
    children = page.locator("[data-testid=group-children]").inner_text()
    assert "Jessica Okafor" in children and "Tomasz Nowak" in children
    assert "Northbridge Academy" in children and "Northbridge Police" in children
    assert "YK19 ABC" in page.locator("[data-testid=entities]").inner_text()
    mentions = page.locator("[data-testid=mentions]").inner_text()
    assert "yki9abc" in mentions and "Seen by the practitioner" in mentions
    assert page.locator("[data-testid=network] svg").count() == 1
    assert page.locator("script[src^='http']").count() == 0
    # The nickname alone is a match to decide, never merged silently.
    assert page.locator("[data-testid=merge]").count() == 1
    mash.check("groups-3-mash-group")
    page.check("#decision")
    page.click("button:has-text('Save the decision') >> nth=-1")
    assert "Give the reason for the decision" in page.locator(".govuk-error-summary").inner_text()
    mash.check("groups-3-mash-decision-error")
    page.check("#decision")
    page.fill("#reason", "The same silver Astra collects both children; police confirm the plate.")
    page.click("button:has-text('Save the decision') >> nth=-1")
    assert "Confirmed" in page.locator("[data-testid=decision]").inner_text()
    mash.check("groups-3-mash-confirmed")
    group.refresh_from_db()
    assert group.status == ProposalStatus.CONFIRMED
    page.goto("/referrals/mace/")
    agenda = page.locator("[data-testid=mace-group]").inner_text()
    assert f"Group {group.pk}" in agenda and "2 children" in agenda and "Confirmed" in agenda
    mash.check("groups-4-mace-agenda")
    page.goto("/groups/")
    mash.check("groups-4-mash-list")
    page.goto("/groups/places/")
    mash.check("groups-4-mash-places")
    mash.close()

    # A third agency's practitioner records a child seen in the same car: the child joins the
    # group, but the nurse never sees the group nor, through it, the other agencies' children.
    health = Recorder(browser, url, cast, "nurse", checked)
    health.sign_in()
    health.record_with(
        AISHA,
        HEALTH_SIGNS,
        "Dropped at clinic by a silver Astra.",
        "groups-5-health",
        registration="YK19 ABC",
    )
    assert "Jessica" not in health.page.content() and "Tomasz" not in health.page.content()
    health.page.click("text=See the child's profile")
    profile = health.page.content()
    assert "Jessica" not in profile and "Tomasz" not in profile and "YK19" not in profile
    health.page.goto(f"/groups/{ref(group.pk)}/")
    assert "cannot see this page" in health.page.content()
    health.check("groups-5-health-refused", axe=False)
    health.page.goto("/referrals/mace/")
    assert "cannot see this page" in health.page.content()
    health.close()
    group.refresh_from_db()
    assert group.members.count() == 3

    # The partnership lead names the police officer the area's SPOC on the group rules page ...
    lead = Recorder(browser, url, cast, "lead", checked)
    lead.sign_in()
    lead.page.goto("/groups/settings/")
    assert "No one is designated" in lead.page.content()
    lead.check("groups-6-lead-rules")
    lead.page.fill("#review_days", "0")
    lead.page.click("button:has-text('Save the rules')")
    assert "Give at least 1 working day" in lead.page.locator(".govuk-error-summary").inner_text()
    lead.check("groups-6-lead-rules-error")
    lead.page.fill("#review_days", "3")
    lead.page.select_option("#spoc-user", label="officer (Practitioner, Northbridge Police)")
    lead.page.click("button:has-text('Designate')")
    assert "officer" in lead.page.locator("[data-testid=spocs]").inner_text()
    lead.page.goto("/accounts/access-grants/")
    assert "officer" in lead.page.locator("[data-testid=designations]").inner_text()
    lead.check("groups-6-lead-access-given")
    lead.close()

    # ... who finds the police check of the car in their inbox, sees the car's mentions (naming
    # only the child they recorded) and records what the police hold.
    spoc = Recorder(browser, url, cast, "officer", checked)
    spoc.sign_in()
    spoc.page.goto("/referrals/inbox/")
    assert spoc.page.locator("[data-testid=inbox-groups]").inner_text() == "1"
    assert spoc.page.locator("[data-testid=header-inbox-count]").inner_text() == "1"
    # The third child seen in the same car is still the one car to check.
    row = spoc.page.locator("[data-testid=group-task-row]").inner_text()
    assert row.count("to check: vehicle YK19 ABC") == 1
    spoc.check("groups-7-spoc-inbox")
    spoc.page.click(f"text=Police check of group {group.pk}")
    page = spoc.page
    mentions = " ".join(page.locator("[data-testid=check-entity]").all_inner_texts())
    assert "YK19 ABC" in mentions and "yki9abc" in mentions and "Tomasz Nowak" in mentions
    assert "Jessica" not in page.content() and "Aisha" not in page.content()
    assert "Taz" not in page.content()  # the person is the MASH's, not the police check's
    spoc.check("groups-7-spoc-check")
    page.click("button:has-text('Record the check')")
    assert "Say what was checked" in page.locator(".govuk-error-summary").inner_text()
    spoc.check("groups-7-spoc-check-error")
    page.fill("#note", "PNC and the intelligence system searched: the Astra is a private hire car.")
    page.click("button:has-text('Record the check')")
    assert "private hire car" in page.locator("[data-testid=check-note]").inner_text()
    spoc.check("groups-7-spoc-check-recorded")
    page.goto("/referrals/inbox/")
    assert page.locator("[data-testid=inbox-groups]").inner_text() == "0"
    spoc.close()
    recorded = AuditEvent.objects.get(event_type="group_check_recorded")
    assert recorded.actor_label == "officer"

    viewed = AuditEvent.objects.filter(event_type="group_viewed").order_by("seq")
    assert {e.actor_label for e in viewed} == {"analyst"}
    assert all(e.extra["purpose"] == "MASH review of a group of connected children" for e in viewed)
    assert {step: v for step, v in checked.items() if v} == {}
    assert len(checked) >= 16

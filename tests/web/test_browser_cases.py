"""End to end in Debian's chromium: a school's and a clinic's children both go to the same
takeaway; the MACE panel (the MASH) opens a case on the place from the places page, adds both
children with reasons (a child without one is refused), and the case is on the panel's agenda;
a practitioner never reaches the case.

Screenshots go to test-artifacts/web/cases-*.png; axe-core checks every new page.
"""

from __future__ import annotations

import pytest

from jigsaw.web.audit.models import AuditEvent
from jigsaw.web.groups.forms import MentionInput
from jigsaw.web.groups.services import mentions_record
from jigsaw.web.referrals.models import MaceCase
from tests.web.cast import HEALTH_SIGNS, JESSICA, SCHOOL_SIGNS, Cast, record_concern
from tests.web.test_browser import Visit, browser  # noqa: F401 - the fixture

pytestmark = [pytest.mark.postgres, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AMIRA = {"first_name": "Amira", "last_name": "Haddad", "dob": (2010, 7, 9), "sex": "F"}
SHOP_WRITTEN = "Kebab house, 12 Mill Street NB1 2AB"
SHOP = "12 mill street, NB1 2AB"


def test_the_mace_panel_opens_a_case_on_a_place_adds_two_children_and_it_is_on_the_agenda(
    browser,  # noqa: F811 - the fixture
    live_server,
):
    cast = Cast()
    shop = MentionInput("place", SHOP_WRITTEN, {"address": SHOP_WRITTEN}, "disclosed", None)
    for user, who, signs in (
        (cast.teacher, JESSICA, SCHOOL_SIGNS),
        (cast.nurse, AMIRA, HEALTH_SIGNS),
    ):
        saved = record_concern(user, who, signs, "Goes to the takeaway after school.")
        mentions_record(actor=user, concern=saved.concern, child=saved.child, mentions=[shop])
    checked: dict[str, list] = {}

    mash = Visit(browser, live_server.url, cast, "analyst", checked)
    mash.sign_in()
    page = mash.page
    page.goto("/groups/places/")
    row = page.locator("[data-testid=places] tr", has_text=SHOP)
    row.locator("[data-testid=open-case]").click()
    assert page.locator("h1").inner_text() == "Open a MACE case"
    assert SHOP in page.locator("[data-testid=from-place]").inner_text()
    assert page.locator("#kind-place").is_checked()
    mash.check("cases-1-open")
    page.fill("#title", "")
    page.click("button:has-text('Open the case')")
    assert "Give the case a title" in page.locator(".govuk-error-summary").inner_text()
    mash.check("cases-1-open-error")
    page.fill("#title", "Mill Street takeaway")
    page.click("button:has-text('Open the case')")
    assert page.locator("h1").inner_text() == "Mill Street takeaway"
    mash.check("cases-2-case")

    # Both children recorded at the place are suggested; a child without a reason is refused.
    options = page.locator("[data-testid=suggested] option").all_inner_texts()
    assert any("Jessica Okafor" in o for o in options) and any("Amira Haddad" in o for o in options)
    page.select_option("#child", label=next(o for o in options if "Jessica Okafor" in o))
    page.click("button:has-text('Add the child')")
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Say why the child is affected by this context" in summary
    mash.check("cases-2-child-error")
    for name, why in (
        ("Jessica Okafor", "Says older men buy her food there."),
        ("Amira Haddad", "Seen there late at night by the outreach team."),
    ):
        options = page.locator("[data-testid=suggested] option").all_inner_texts()
        page.select_option("#child", label=next(o for o in options if name in o))
        page.fill("#reason", why)
        page.click("button:has-text('Add the child')")
    children = page.locator("[data-testid=case-child]")
    assert children.count() == 2
    assert "Jessica Okafor" in children.nth(0).inner_text()
    assert "Amira Haddad" in children.nth(1).inner_text()
    history = page.locator("[data-testid=case-history]").inner_text()
    assert "Amira Haddad added: Seen there late at night" in history
    mash.check("cases-3-two-children")

    page.goto("/referrals/mace/")
    item = page.locator("[data-testid=agenda-case]")
    assert item.count() == 1
    assert "Mill Street takeaway" in item.inner_text() and "2 children" in item.inner_text()
    assert "new case" in item.inner_text()
    mash.check("cases-4-agenda")
    page.goto("/referrals/mace/cases/")
    assert page.locator("[data-testid=case-row]").count() == 1
    mash.check("cases-4-list")
    mash.close()

    case = MaceCase.objects.get()
    nurse = Visit(browser, live_server.url, cast, "nurse", checked)
    nurse.sign_in()
    from jigsaw.web.refs import ref

    for path in ("/referrals/mace/cases/", f"/referrals/mace/cases/{ref(case.pk)}/"):
        nurse.page.goto(path)
        assert "cannot see this page" in nurse.page.content()
        assert "Jessica" not in nurse.page.content()
    nurse.close()

    viewed = AuditEvent.objects.filter(event_type="mace_case_viewed").order_by("seq")
    assert {e.actor_label for e in viewed} == {"analyst"}
    assert set(viewed.last().extra["children"]) == set(
        case.children.values_list("child_id", flat=True)
    )
    assert {step: v for step, v in checked.items() if v} == {}

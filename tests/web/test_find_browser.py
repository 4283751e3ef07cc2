"""In chromium: find a child, page a long list, review a link side by side and undo it, correct
and withdraw a concern. Every page is checked with axe-core and screenshotted."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from jigsaw.linkage import COMPARISONS
from jigsaw.web.accounts.models import Agency, Role
from jigsaw.web.accounts.services import user_create
from jigsaw.web.children.models import Child, Link
from jigsaw.web.refs import ref
from tests.web.cast import (
    HEALTH_SIGNS,
    JESSICA,
    PASSWORD,
    SCHOOL_SIGNS,
    Cast,
    background_load,
    record_concern,
    unsure_identity,
)
from tests.web.test_browser import Visit, browser, fresh_code  # noqa: F401  (the chromium fixture)

pytestmark = [pytest.mark.postgres, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOM = {
    "first_name": "Thomas",
    "last_name": "Wright",
    "dob": (2009, 8, 30),
    "sex": "M",
    "postcode": "NB3 2LX",
    "nhs_number": "9434765919",
}


class FindVisit(Visit):
    """A browser session that may sign in again midway (the session having expired)."""

    def sign_in(self, heading: str = "Jigsaw") -> None:
        page = self.page
        page.goto("/accounts/sign-in/")
        page.fill("#username", self.name)
        page.fill("#password", PASSWORD)
        page.click("button:has-text('Continue')")
        device = self.cast.devices[self.name]
        device.refresh_from_db()
        page.fill("#token", f"{fresh_code(device):06d}")
        page.click("button:has-text('Sign in')")
        expect(page.locator("h1")).to_have_text(heading)


def _showing(page) -> tuple[int, int, int]:
    text = page.locator("[data-testid=showing]").first.inner_text()
    found = re.search(r"Showing (\d+) to (\d+) of (\d+)", text)
    assert found, text
    return tuple(int(n) for n in found.groups())


def test_find_review_and_correct(browser, live_server):  # noqa: F811
    background_load()
    cast = Cast()
    jess = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "Absent most Mondays.")
    record_concern(cast.nurse, unsure_identity(), HEALTH_SIGNS, "Clinic with an older man.")
    tom = record_concern(cast.nurse, TOM, HEALTH_SIGNS, "Seen at the clinic alone.")
    link = Link.objects.get(status="pending", child=jess.child)
    agency = Agency.objects.exclude(area__in=[cast.area, cast.other_area]).order_by("id").first()
    cast.bg_analyst, cast.devices["bg_analyst"] = user_create(
        username="bg_analyst",
        password=PASSWORD,
        role=Role.MASH_ANALYST,
        agency=agency,
        validate=False,
        with_totp=True,
    )
    checked: dict[str, list] = {}
    url = live_server.url

    # A MASH analyst takes a call about "Jess": the nickname finds Jessica; the NHS number, Tom.
    mash = FindVisit(browser, url, cast, "analyst", checked)
    mash.sign_in()
    page = mash.page
    page.goto("/children/search/")
    mash.check("find-01-search-form")
    page.click("button:has-text('Search')")
    assert "There is a problem" in page.content()
    mash.check("find-02-search-empty")
    page.fill("#name", "Jess")
    page.click("button:has-text('Search')")
    results = page.locator("[data-testid=result]").all_inner_texts()
    # Jessica, by her nickname (and the hospital's Jess, filed apart until the MASH decides).
    assert any("Jessica Okafor" in r and "nickname" in r for r in results)
    mash.check("find-03-search-nickname")
    page.goto("/children/search/")
    page.fill("#nhs_number", "943 476 5919")
    page.click("button:has-text('Search')")
    results = page.locator("[data-testid=result]").all_inner_texts()
    assert len(results) == 1 and "Thomas Wright" in results[0]
    mash.check("find-04-search-nhs-number")
    page.click("text=Thomas Wright")
    assert page.locator("h1").inner_text() == "Thomas Wright"
    assert page.url.endswith(f"/children/{ref(tom.child.pk)}/?from=search")
    mash.check("find-05-profile-by-name")

    # The link reviewed side by side, confirmed with a reason, then undone.
    page.goto("/children/mash/")
    mash.check("find-06-mash-queue")
    page.goto(f"/children/links/{ref(link.pk)}/")
    assert "the same child as Jessica Okafor?" in page.locator("h1").inner_text()
    # One row per comparison the linkage engine makes.
    assert page.locator("[data-testid=compare-row]").count() == len(COMPARISONS)
    mash.check("find-07-link-review")
    page.click("button:has-text('Save decision')")
    assert "There is a problem" in page.content()
    assert page.locator(".govuk-error-summary a").first.inner_text().startswith("Select whether")
    mash.check("find-08-link-review-errors")
    page.check("#decision")
    page.check("#reason_choice-checked_with_agency")
    page.fill("#reason", "GP confirmed the date of birth")
    page.click("button:has-text('Save decision')")
    assert "Decision saved" in page.content()
    assert Link.objects.get(pk=link.pk).status == "confirmed"
    graded = Child.objects.get(pk=jess.child.pk).grade_level
    mash.check("find-09-link-confirmed")
    page.fill("#reason", "The GP had her sister's record")
    page.click("button:has-text('Undo the decision')")
    assert "Decision undone" in page.content()
    assert Link.objects.get(pk=link.pk).status == "pending"
    assert Child.objects.get(pk=jess.child.pk).grade_level != graded
    mash.check("find-10-link-undone")
    mash.close()

    # A partnership's long list, paged with its count.
    big = FindVisit(browser, url, cast, "bg_analyst", checked)
    big.sign_in()
    total = Child.objects.filter(area=agency.area).count()
    assert total >= 300
    big.page.goto("/children/")
    assert _showing(big.page) == (1, 50, total)
    big.check("find-11-children-page-1")
    big.page.click(".govuk-pagination__next a")
    assert _showing(big.page) == (51, 100, total)
    big.page.click(f".govuk-pagination__list a:has-text('{(total + 49) // 50}')")
    assert _showing(big.page) == (((total - 1) // 50) * 50 + 1, total, total)
    big.check("find-12-children-last-page")
    big.close()

    # The teacher corrects her concern, then withdraws it: the child is regraded without it.
    teacher = FindVisit(browser, url, cast, "teacher", checked)
    teacher.sign_in()
    page = teacher.page
    page.goto("/concerns/")
    teacher.check("find-13-my-concerns")
    page.click("text=Jessica Okafor")
    page.click("text=Correct or withdraw")
    teacher.check("find-14-amend")
    page.click("button:has-text('Add the correction')")
    assert "There is a problem" in page.content()
    teacher.check("find-15-amend-errors")
    page.fill("#reason", "Wrong day")
    page.fill("#text", "Absent most Tuesdays, not Mondays.")
    page.click("button:has-text('Add the correction')")
    assert "Your correction was added" in page.content()
    assert "Absent most Tuesdays" in page.locator("[data-testid=addendum]").inner_text()
    teacher.check("find-16-corrected")
    page.click("text=Correct or withdraw")
    page.fill("#withdraw_reason", "Recorded about the wrong Jessica")
    page.click("button:has-text('Withdraw the concern')")
    assert "The concern was withdrawn" in page.content()
    assert Child.objects.get(pk=jess.child.pk).grade_level == "none"
    teacher.check("find-17-withdrawn")
    for step, path in (
        ("18-accessibility", "accessibility"),
        ("19-privacy", "privacy"),
        ("20-cookies", "cookies"),
    ):
        page.goto(f"/about/{path}/")
        teacher.check(f"find-{step}")
    # The error summary takes the focus (the one static script), so it is announced first.
    page.goto("/concerns/new/")
    page.click("button:has-text('Save concern')")
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    teacher.check("find-21-intake-errors")

    # The session expires while she writes: the text is kept and she returns to it.
    page.goto("/concerns/new/")
    page.fill("#first_name", "Jess")
    page.fill("#note", "Seen getting into a taxi with two older men after school.")
    from django.contrib.sessions.models import Session

    Session.objects.all().delete()
    page.click("button:has-text('Save concern')")
    assert "/accounts/sign-in/" in page.url
    teacher.sign_in(heading="Record a concern")
    assert "What you had written was kept" in page.content()
    assert page.input_value("#note") == "Seen getting into a taxi with two older men after school."
    assert page.input_value("#first_name") == "Jess"
    teacher.check("find-22-draft-restored")
    teacher.close()

    assert {step: v for step, v in checked.items() if v} == {}

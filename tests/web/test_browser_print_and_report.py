"""In Debian's chromium: the national report sorts under the app's content security policy, and
printed MACE minutes carry OFFICIAL-SENSITIVE once at the top and once at the foot of every page.

Screenshots go to test-artifacts/web/; axe-core checks each page.
"""

from __future__ import annotations

import datetime as dt
import io

import pypdf
import pytest

from jigsaw.act.clock import LONDON
from jigsaw.web.refs import ref
from tests.web.cast import JESSICA, SCHOOL_SIGNS, Cast, background_load, record_concern
from tests.web.test_browser import ARTIFACTS, Visit, browser  # noqa: F401

pytestmark = [pytest.mark.postgres, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MARKING = "OFFICIAL-SENSITIVE"


@pytest.fixture(scope="module")
def national_report(tmp_path_factory):
    from jigsaw.report.national import build_national_report

    folder = tmp_path_factory.mktemp("national")
    build_national_report(2025, folder)
    return folder


def _column(page, col: int) -> list[float]:
    values = page.eval_on_selector_all(
        "#areas-table tbody tr",
        f"rows => rows.map(r => r.cells[{col}].getAttribute('data-sort') || '')",
    )
    return [float(v) for v in values if v != ""]


def test_the_national_report_in_the_app_sorts_under_the_policy_and_leads_back(
    browser,  # noqa: F811
    live_server,
    settings,
    national_report,
):
    settings.JIGSAW_NATIONAL_REPORT_DIR = national_report
    # The policy is enforced here (no bypass): a blocked script would leave the table unsorted.
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    response = page.goto("/oversight/national/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy.split(";")[1]
    back = page.locator("header a", has_text="Back to Jigsaw")
    assert back.is_visible() and back.get_attribute("href") == "/"
    before = _column(page, 2)
    assert before != sorted(before), "the table starts in the report's own order"
    button = page.locator("#areas-table th button", has_text="Identified")
    button.click()
    assert button.get_attribute("aria-sort") == "ascending"
    assert _column(page, 2) == sorted(before)
    button.click()
    assert button.get_attribute("aria-sort") == "descending"
    assert _column(page, 2) == sorted(before, reverse=True)
    page.screenshot(path=str(ARTIFACTS / "find-national-report-sorted.png"))
    assert refused == []
    # The way back leads into the app (its sign-in, for someone not signed in).
    back.click()
    page.wait_for_load_state()
    assert page.locator(".govuk-service-navigation__service-name").inner_text() == "Jigsaw"
    context.close()

    # axe-core needs to inject its script, so this look bypasses the policy.
    checked: dict[str, list] = {}
    look = Visit(browser, live_server.url, None, "anyone", checked)
    look.page.goto("/oversight/national/")
    look.check("find-national-report")
    look.close()
    assert checked == {"find-national-report": []}


def _marks_per_page(pdf: bytes) -> list[list[str]]:
    """Where on each printed page the marking is: "top" or "foot" (outside the middle 80%)."""
    pages = []
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        height = float(page.mediabox.height)
        found: list[str] = []

        def visit(text, cm, tm, font, size, found=found, height=height):
            if MARKING in text:
                y = tm[5] * cm[3] + cm[5] if cm[3] else tm[5]
                found.append(
                    "top" if y > 0.9 * height else "foot" if y < 0.1 * height else f"{y:.0f}"
                )

        page.extract_text(visitor_text=visit)
        pages.append(sorted(found, reverse=True))
    return pages


def test_printed_minutes_are_marked_once_at_the_top_and_foot_of_every_page(
    browser,  # noqa: F811
    live_server,
):
    from jigsaw.web.referrals import services
    from jigsaw.web.referrals.models import Referral

    background_load()
    cast = Cast()
    saved = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "Absent most Mondays.")
    services.contact_decide(
        actor=cast.school_dsl, contact=saved.concern.contact, decision="refer", reason="Worried."
    )
    referral = Referral.objects.get(child=saved.child)
    # Enough attendees for the minutes to run over several printed pages.
    attendees = "\n".join(f"Northbridge Police | officer {n} | PC {n}" for n in range(1, 90))
    meeting = services.mace_meeting_record(
        actor=cast.analyst,
        held_on=dt.datetime.now(LONDON).date(),
        chair="Chief Superintendent Lowe",
        attendees=attendees,
        items=[
            services.MaceItemInput(
                referral=referral,
                reasons=("new referral",),
                discussion="Safety plan agreed with the school.",
                risk="amber",
                plan="Review at the next panel.",
            )
        ],
    )
    checked: dict[str, list] = {}
    mash = Visit(browser, live_server.url, cast, "analyst", checked)
    mash.sign_in()
    mash.page.goto(f"/referrals/mace/{ref(meeting.pk)}/")
    page = mash.page
    # On screen: marked at the top and the foot of the minutes.
    assert page.get_by_text(MARKING, exact=True).filter(visible=True).count() == 2
    page.emulate_media(media="print")
    mash.check("act-minutes-print")
    # In print: one marking in the page (the first page's top), no navigation, header or footer.
    visible = page.get_by_text(MARKING, exact=True).filter(visible=True)
    assert visible.count() == 1
    assert visible.evaluate("e => e.classList.contains('jigsaw-marking--top')")
    for hidden in ("header", "nav", "footer", ".govuk-phase-banner", ".jigsaw-account"):
        assert page.locator(hidden).filter(visible=True).count() == 0, hidden
    assert page.get_by_text("Download as PDF").filter(visible=True).count() == 0
    # The printed pages themselves: each marked once at its top and once at its foot.
    printed = _marks_per_page(page.pdf(format="A4"))
    assert len(printed) >= 2
    assert printed == [["top", "foot"]] * len(printed)
    mash.close()
    assert checked == {key: [] for key in checked}, "axe-core found serious or critical violations"

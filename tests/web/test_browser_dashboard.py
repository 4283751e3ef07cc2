"""End to end in Debian's chromium: a partnership lead reads the dashboard and takes the return.

A synthetic partnership standing in for Derby, with two years of its agencies' workflow, is
loaded; its lead signs in, opens the dashboard, picks another period, and downloads the return
as CSV, Excel and the print page. Every page is screenshotted into test-artifacts/web/ and
checked with axe-core.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest
from django.utils import timezone

from jigsaw.web.audit.models import AuditEvent
from jigsaw.web.oversight.dashboard import snapshots_refresh
from tests.web.cast import Cast, background_load
from tests.web.oversight.world import DERBY, load_world
from tests.web.test_browser import Visit, browser  # noqa: F401

pytestmark = [pytest.mark.postgres, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_lead_reads_the_dashboard_and_downloads_the_return(browser, live_server):  # noqa: F811
    background_load()
    cast = Cast()
    area, _, _ = load_world(3000, 5, DERBY, cast.analyst, prefix="D")
    profile = cast.lead.profile
    profile.area = area
    profile.save()
    checked: dict[str, list] = {}

    lead = Visit(browser, live_server.url, cast, "lead", checked)
    lead.sign_in()
    page = lead.page
    page.goto("/oversight/")
    page.click("text=Open the partnership dashboard")
    # Before the scheduled refresh has run, the page says so at once rather than compute.
    assert "being prepared" in page.locator("[data-testid=preparing]").inner_text()
    lead.check("dashboard-0-preparing")
    snapshots_refresh(timezone.localdate(), areas=[area])
    page.reload()
    assert page.locator("h1").inner_text() == "Partnership dashboard"
    lead.check("dashboard-1-page")
    # Disproportionality by ethnicity and disability, the gaps shown as groups of their own.
    ethnicity = page.locator("[data-testid=by-ethnicity]").inner_text()
    assert "White: British" in ethnicity and "Not asked" in ethnicity
    assert "Not asked" in page.locator("[data-testid=by-disability]").inner_text()
    assert "Similar partnerships:" in page.locator("[data-testid=silent-rule]").inner_text()
    # The figures a lead looks for first, each with its table.
    identified = page.locator("[data-testid=identified]")
    assert "Victims of CSE, whole period" in identified.inner_text()
    assert page.locator("[data-testid=published]").count() == 1
    assert "a different measure" in page.content()
    assert page.locator("[data-testid=dark-figure]").inner_text().startswith("Agencies' lists used")
    assert page.locator("[data-testid=timeliness]").count() == 1
    assert page.locator("main script").count() == 0

    # Another period: the calendar year before.
    page.fill("#start", "2025-01-01")
    page.fill("#end", "2025-12-31")
    page.click("button:has-text('Show the period')")
    assert "1 January 2025 to 31 December 2025" in page.locator("[data-testid=about]").inner_text()
    lead.check("dashboard-2-period")
    # A period ending in the future is refused, saying why.
    page.fill("#end", "2099-01-01")
    page.click("button:has-text('Show the period')")
    assert "must be before today" in page.locator(".govuk-error-summary").inner_text()
    assert page.locator("#end").input_value() == "2099-01-01"  # kept, to correct in place
    lead.check("dashboard-3-bad-period")
    page.goto("/oversight/partnership/")

    before = AuditEvent.objects.filter(event_type="aggregates_viewed").count()
    with page.expect_download() as csv_download:
        page.click("text=Return as CSV")
    rows = pd.read_csv(
        io.BytesIO(open(csv_download.value.path(), "rb").read()), dtype=str, keep_default_na=False
    )
    assert rows["area_code"].unique().tolist() == [DERBY]
    assert rows.iloc[0]["measure"] == "schema_version"
    with page.expect_download() as xlsx_download:
        page.click("text=Return as Excel")
    assert open(xlsx_download.value.path(), "rb").read(2) == b"PK"
    page.click("text=Return to print or save as PDF")
    assert page.locator(".marking").first.inner_text() == "OFFICIAL-SENSITIVE"
    lead.check("dashboard-4-print")
    assert AuditEvent.objects.filter(event_type="aggregates_viewed").count() == before + 3
    lead.close()

    failing = {step: found for step, found in checked.items() if found}
    assert failing == {}, failing

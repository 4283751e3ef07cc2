"""End to end in Debian's chromium: an administrator retrains the partnership's linkage model.

A synthetic partnership from the world generator (about 1,100 records) is loaded; its
administrator opens the linkage model page, sees the shipped model in use, presses "Retrain
now", and sees the model trained on the partnership's records with its date and the number of
records; then sets the schedule, and sees a "Retrain now" over the size trained while one
waits queued for the retraining timer. Every page is screenshotted into test-artifacts/web/ and
checked with axe-core.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from jigsaw.linkage import Model
from jigsaw.web.linkmodel.models import LinkageModel, LinkageSchedule
from tests.web.cast import Cast, area_from_world, background_load
from tests.web.test_browser import Visit, browser  # noqa: F401

pytestmark = [pytest.mark.postgres, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_administrator_retrains_and_sees_the_date_and_records(
    browser,  # noqa: F811
    live_server,
    settings,
):
    settings.JIGSAW_LINKAGE_U_PAIRS = 200_000  # the same training, in seconds
    background_load()
    cast = Cast()
    area, agencies = area_from_world()
    profile = cast.admin.profile
    profile.area, profile.agency = area, agencies["social_care"]
    profile.save()
    checked: dict[str, list] = {}

    admin = Visit(browser, live_server.url, cast, "admin", checked)
    admin.sign_in()
    page = admin.page
    page.goto("/")
    page.click("a.govuk-service-navigation__link:has-text('Linkage model')")
    assert page.locator("h1").inner_text() == "Linkage model"
    in_use = page.locator("[data-testid=model-in-use]").inner_text()
    assert "The model shipped with Jigsaw" in in_use and "81,298 synthetic records" in in_use
    admin.check("linkage-model-0-shipped")

    page.click("button:has-text('Retrain now')")
    row = LinkageModel.objects.get(area=area, active=True)
    banner = page.locator("[data-testid=retrain-message]").inner_text()
    assert f"Trained on {row.records:,} records and made the model in use" in banner
    in_use = page.locator("[data-testid=model-in-use]").inner_text()
    assert "Trained on this partnership's records" in in_use
    assert row.version in in_use
    assert timezone.localtime(row.trained_at).strftime("%-d %B %Y") in in_use
    assert f"{row.records:,} records of this partnership's agencies" in in_use
    assert row.records >= 1000 and "," in f"{row.records:,}"
    assert page.locator("[data-testid=summary] li").count() >= 3
    assert "In use" in page.locator("[data-testid=history]").inner_text()
    assert row.version != Model.default().version
    admin.check("linkage-model-1-trained")

    page.check("#every_days-30")
    page.click("button:has-text('Save schedule')")
    assert "Next retraining:" in page.locator("[data-testid=next-run]").inner_text()
    assert LinkageSchedule.objects.get(area=area).every_days == 30
    admin.check("linkage-model-2-scheduled")

    # A partnership too large to train while the administrator waits: queued for the timer.
    settings.JIGSAW_LINKAGE_RETRAIN_NOW_RECORDS = 10
    page.click("button:has-text('Retrain now')")
    banner = page.locator("[data-testid=retrain-message]").inner_text()
    assert f"Queued: the area holds {row.records:,} records" in banner
    queued = page.locator("[data-testid=retrain-queued]").inner_text()
    assert "Retraining asked for on" in queued and "the retraining timer" in queued
    assert LinkageModel.objects.filter(area=area).count() == 1
    admin.check("linkage-model-3-queued")
    admin.close()

    failing = {step: found for step, found in checked.items() if found}
    assert failing == {}, failing

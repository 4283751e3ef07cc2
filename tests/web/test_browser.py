"""End to end in Debian's chromium: two agencies' concerns meet, a third cannot read them, the MASH can.

Each step is screenshotted into test-artifacts/web/, and axe-core checks every page visited for
serious or critical accessibility violations.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django_otp.oath import TOTP

from jigsaw.screening import Grade
from jigsaw.web.audit.models import AuditEvent
from jigsaw.web.refs import pk_of
from tests.web.cast import (
    HEALTH_SIGNS,
    JESS,
    JESSICA,
    PASSWORD,
    POLICE_SIGNS,
    SCHOOL_SIGNS,
    Cast,
    background_load,
)

pytestmark = [pytest.mark.postgres, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Playwright's sync API runs an event loop in this thread; the ORM calls here are the test's own.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "web"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCHOOL_NOTE = "Absent most Mondays; new phone and expensive trainers she will not explain."
HEALTH_NOTE = "Attended sexual health clinic with a man in his 20s who answered for her."
POLICE_NOTE = "Found in a car with two older males at 23:40 near the retail park."


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(
            "Debian's chromium is needed for the browser tests: apt-get install chromium",
            pytrace=False,
        )
    if not AXE.exists():
        pytest.fail(
            "axe-core is missing from node_modules: run `make bootstrap` (npm ci)", pytrace=False
        )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def fresh_code(device) -> int:
    """A code the device will accept now: a code is good once, so one person signing in twice
    within a 30-second step would be refused. The next step's code is within the device's
    tolerance; past that, wait for the step to turn."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    now = totp.t()
    step = max(now, device.last_t + 1)
    if step > now + device.tolerance:
        time.sleep(device.step - (time.time() - device.t0) % device.step + 0.1)
        return fresh_code(device)
    totp.time = device.t0 + (step - device.drift) * device.step
    return totp.token()


class Visit:
    """One user's browser session: signs in with both factors, checks and screenshots each page."""

    def __init__(self, browser, base_url: str, cast: Cast, name: str, checked: dict):
        # bypass_csp lets the test inject axe-core; the pages themselves keep their policy.
        self.context = browser.new_context(base_url=base_url, bypass_csp=True)
        self.page = self.context.new_page()
        self.cast, self.name, self.checked = cast, name, checked

    def check(self, step: str, *, axe: bool = True) -> None:
        self.page.screenshot(path=str(ARTIFACTS / f"{step}.png"), full_page=True)
        if not axe:
            return
        self.page.add_script_tag(path=str(AXE))
        found = self.page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))"
        )
        self.checked[step] = [v for v in found if v["impact"] in ("serious", "critical")]

    def sign_in(self) -> None:
        page = self.page
        page.goto("/accounts/sign-in/")
        # The sign-in pages are the same for everyone: axe checks them once.
        first = not self.checked
        self.check(f"{self.name}-01-sign-in", axe=first)
        page.fill("#username", self.name)
        page.fill("#password", PASSWORD)
        page.click("button:has-text('Continue')")
        self.check(f"{self.name}-02-code", axe=first)
        device = self.cast.devices[self.name]
        device.refresh_from_db()
        page.fill("#token", f"{fresh_code(device):06d}")
        page.click("button:has-text('Sign in')")
        assert page.locator("h1").inner_text() == "Jigsaw"

    def record(self, who: dict, signs: list[str], note: str, step: str) -> None:
        page = self.page
        page.goto("/concerns/new/")
        # The empty form is the same for every agency: axe checks it once.
        self.check(f"{step}-form", axe=not any(name.endswith("-form") for name in self.checked))
        page.fill("#first_name", who["first_name"])
        page.fill("#last_name", who["last_name"])
        year, month, day = who["dob"]
        page.fill("#dob_day", str(day))
        page.fill("#dob_month", str(month))
        page.fill("#dob_year", str(year))
        page.check("#sex" if who["sex"] == "F" else f"#sex-{who['sex']}")
        page.fill("#postcode", who["postcode"])
        from django.utils import timezone

        today = timezone.localdate()
        page.fill("#seen_day", str(today.day))
        page.fill("#seen_month", str(today.month))
        page.fill("#seen_year", str(today.year))
        for sign in signs:
            # Signs are grouped by domain in closed <details>: open the group, as a user would.
            group = page.locator("details", has=page.locator(f"#indicator-{sign}"))
            if group.get_attribute("open") is None:
                group.locator("summary").click()
            page.check(f"#indicator-{sign}")
        page.fill("#note", note)
        page.check("#lawful_basis")
        page.click("button:has-text('Save concern')")
        assert page.locator("h1").inner_text() == "Concern saved"
        self.check(f"{step}-saved")

    def grade(self, testid: str) -> str:
        return self.page.locator(f"[data-testid={testid}] [data-grade]").get_attribute("data-grade")

    def close(self) -> None:
        self.context.close()


def test_two_agencies_pieces_meet_and_only_the_right_people_see_them(browser, live_server):
    background_load()
    cast = Cast()
    checked: dict[str, list] = {}
    url = live_server.url

    school = Visit(browser, url, cast, "teacher", checked)
    school.sign_in()
    school.page.goto("/concerns/new/")
    school.page.click("button:has-text('Save concern')")
    assert "There is a problem" in school.page.content()
    school.check("1-school-errors")
    school.record(JESSICA, SCHOOL_SIGNS, SCHOOL_NOTE, "1-school")
    school_grade = school.grade("concern-grade")
    assert school.page.locator("[data-testid=not-linked]").count() == 1
    school.close()

    health = Visit(browser, url, cast, "nurse", checked)
    health.sign_in()
    health.record(JESS, HEALTH_SIGNS, HEALTH_NOTE, "2-health")
    # The nickname and the swapped day and month did not stop the link; need to know: the nurse
    # learns that other agencies know the child, not which, and not the combined grade.
    assert health.page.locator("[data-testid=known-elsewhere]").count() == 1
    assert "Northbridge Academy" not in health.page.content()
    assert health.page.locator("[data-testid=child-grade]").count() == 0
    health_grade = health.grade("concern-grade")
    health.page.click("text=See the child's profile")
    child_url = health.page.url
    health.check("2-health-profile")
    health.close()

    police = Visit(browser, url, cast, "officer", checked)
    police.sign_in()
    police.record({**JESSICA, "first_name": "Jessie"}, POLICE_SIGNS, POLICE_NOTE, "3-police")
    police.page.click("text=See the child's profile")
    assert police.page.url == child_url
    notes = police.page.locator("[data-testid=concern-note]").all_inner_texts()
    assert POLICE_NOTE in notes
    assert not any(SCHOOL_NOTE in n or HEALTH_NOTE in n for n in notes)
    # Only the officer's own concern: the others' signs and notes stay with the MASH.
    assert len(notes) == 1 and "Northbridge Academy" not in police.page.content()
    police.check("3-police-profile")
    police.page.goto("/audit/")
    assert "cannot see this page" in police.page.content()
    police.check("3-police-refused")
    police.close()

    mash = Visit(browser, url, cast, "analyst", checked)
    mash.sign_in()
    mash.page.goto("/children/mash/")
    mash.check("4-mash-queue")
    mash.page.goto(child_url)
    notes = mash.page.locator("[data-testid=concern-note]").all_inner_texts()
    assert all(any(text in n for n in notes) for text in (SCHOOL_NOTE, HEALTH_NOTE, POLICE_NOTE))
    combined = mash.grade("child-grade")
    assert Grade(combined) > max(Grade(school_grade), Grade(health_grade))
    mash.check("4-mash-profile")
    mash.close()

    auditor = Visit(browser, url, cast, "auditor", checked)
    auditor.sign_in()
    auditor.page.goto("/audit/?subject_type=child")
    log = auditor.page.locator("[data-testid=audit]").inner_text()
    assert all(name in log for name in ("nurse", "officer", "analyst"))
    auditor.check("5-audit-log")
    # Who looked at this child and why: found by name, every look with its purpose, no notes.
    auditor.page.goto("/audit/children/?name=Jessica+Okafor")
    auditor.check("5-who-looked-find")
    auditor.page.click("[data-testid=result] a")
    looks = auditor.page.locator("[data-testid=audit]").inner_text()
    assert all(name in looks for name in ("teacher", "nurse", "officer", "analyst"))
    assert "MASH review of a child in the area" in looks
    assert not any(note in auditor.page.content() for note in (SCHOOL_NOTE, HEALTH_NOTE))
    auditor.check("5-who-looked")
    auditor.close()

    lead = Visit(browser, url, cast, "lead", checked)
    lead.sign_in()
    lead.page.goto("/oversight/")
    assert "<5" in lead.page.locator("[data-testid=agencies]").inner_text()
    lead.check("6-partnership-figures")
    lead.close()

    admin = Visit(browser, url, cast, "admin", checked)
    admin.sign_in()
    admin.page.goto("/accounts/users/")
    admin.check("7-admin-users")
    admin.page.goto("/accounts/agencies/")
    admin.check("7-admin-agencies")
    # A child one may not open answers as a missing one would: nothing says it exists.
    admin.page.goto(child_url)
    assert "Page not found" in admin.page.content()
    admin.close()

    # Every view of the child's record wrote an audit event: the five profile or saved pages.
    child_id = str(pk_of(child_url.rstrip("/").rsplit("/", 1)[-1]))
    viewers = list(
        AuditEvent.objects.filter(event_type="child_viewed", subject_id=child_id)
        .order_by("id")
        .values_list("actor_label", flat=True)
    )
    assert viewers == ["teacher", "nurse", "nurse", "officer", "officer", "analyst"]
    assert {step: v for step, v in checked.items() if v} == {}
    assert len(checked) >= 14

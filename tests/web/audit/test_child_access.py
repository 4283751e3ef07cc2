"""Who looked at this child and why: one page, found by name or NHS number, filtered, paged and
exported (the export itself audited); for the auditors of the child's area only."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jigsaw.web.audit.models import AuditEvent
from jigsaw.web.children.selectors import child_access
from jigsaw.web.demo import demo_user_create
from tests.web.cast import JESSICA, PASSWORD, SCHOOL_SIGNS, record_concern, verified_client

pytestmark = [pytest.mark.django_db]

NHS_NUMBER = "943 476 5919"  # a valid check digit
TOM = {"first_name": "Tom", "last_name": "Wright", "dob": (2010, 5, 6), "sex": "M"}


def _showing(body: str) -> tuple[int, int, int]:
    found = re.search(r"Showing (\d+) to (\d+) of (\d+) events", body)
    assert found, "no count of events on the page"
    return int(found[1]), int(found[2]), int(found[3])


@pytest.fixture
def jessica(cast):
    return record_concern(
        cast.teacher,
        {**JESSICA, "nhs_number": NHS_NUMBER.replace(" ", "")},
        SCHOOL_SIGNS,
        "seen with older men",
    )


def test_the_auditor_finds_a_child_by_name_and_by_nhs_number(client, cast, jessica):
    record_concern(cast.nurse, TOM, ["sti_diagnosis"], "seen")
    auditor = verified_client(client, cast, "auditor")
    target = reverse("audit:child_access", args=[jessica.child.pk])
    by_name = auditor.get(reverse("audit:child_find"), {"name": "Jess Okafor"}).content.decode()
    by_number = auditor.get(reverse("audit:child_find"), {"nhs_number": NHS_NUMBER}).content
    assert f'href="{target}">Jessica Okafor<' in by_name and ">Tom Wright<" not in by_name
    assert f'href="{target}">Jessica Okafor<' in by_number.decode()
    assert "Showing 1 to 1 of 1 children found" in by_name
    # The search is audited with the auditor's purpose.
    searched = AuditEvent.objects.filter(event_type="children_searched", actor=cast.auditor)
    assert searched.count() == 2
    assert {e.extra["purpose"] for e in searched} == {"auditor: who looked at a child"}
    assert [e.extra["children"] for e in searched] == [[jessica.child.pk]] * 2


def test_another_areas_auditor_finds_nothing_and_gets_not_found(client, cast, jessica):
    far_auditor, device = demo_user_create(
        username="southmoor.auditor", password=PASSWORD, role="auditor", agency=cast.far_council
    )
    cast.far_auditor = far_auditor
    cast.devices["far_auditor"] = device
    far = verified_client(client, cast, "far_auditor")
    found = far.get(reverse("audit:child_find"), {"nhs_number": NHS_NUMBER}).content.decode()
    assert "Okafor" not in found and "No child of your area matches" in found
    page = far.get(reverse("audit:child_access", args=[jessica.child.pk]))
    missing = far.get(reverse("audit:child_access", args=[jessica.child.pk + 1000]))
    assert page.status_code == missing.status_code == 404
    assert far.get(reverse("audit:child_access_csv", args=[jessica.child.pk])).status_code == 404
    # Nobody but an auditor may use the pages.
    for name in ("analyst", "lead", "admin"):
        other = verified_client(Client(), cast, name)
        assert other.get(reverse("audit:child_access", args=[jessica.child.pk])).status_code == 403


def test_the_childs_events_are_filtered_paged_and_exported_with_an_audit_row(client, cast, jessica):
    child = jessica.child.pk
    for _ in range(55):
        child_access(
            user=cast.analyst, child_id=child, purpose="MASH review of a child in the area"
        )
    child_access(user=cast.teacher, child_id=child, purpose="practitioner: a child they recorded")
    # A list that showed the child is an event about the child (JSON containment on PostgreSQL,
    # json_each on SQLite).
    verified_client(Client(), cast, "teacher").get(reverse("children:list"))
    # Another child's events are not this child's.
    tom = record_concern(cast.nurse, TOM, ["sti_diagnosis"], "seen")
    child_access(user=cast.nurse, child_id=tom.child.pk, purpose="practitioner")
    auditor = verified_client(client, cast, "auditor")
    url = reverse("audit:child_access", args=[child])

    everything = auditor.get(url).content.decode()
    first, last, total = _showing(everything)
    # The views (55 + 1), and the concern, grade and creation of the child.
    assert (first, last) == (1, 50) and total >= 56
    assert "nurse" not in everything
    # Reading the page is itself an event about the child: one more on the next look.
    second = auditor.get(url, {"page": 2}).content.decode()
    assert _showing(second) == (51, total + 1, total + 1)

    by_analyst = auditor.get(url, {"actor": "analyst"}).content.decode()
    assert _showing(by_analyst)[2] == 55
    listed = auditor.get(url, {"event_type": "children_listed"}).content.decode()
    assert _showing(listed)[2] == 1 and "teacher" in listed
    views = auditor.get(url, {"event_type": "child_viewed"}).content.decode()
    assert _showing(views)[2] == 56
    today = timezone.localdate()  # dates are filtered in the partnership's time zone
    dated = {
        "since_day": today.day,
        "since_month": today.month,
        "since_year": today.year,
        "until_day": today.day,
        "until_month": today.month,
        "until_year": today.year,
    }
    assert _showing(auditor.get(url, dated).content.decode())[2] >= 56
    tomorrow = today + dt.timedelta(days=1)
    later = {**dated, "since_day": tomorrow.day, "since_month": tomorrow.month}
    later.update(since_year=tomorrow.year, until_day=tomorrow.day, until_month=tomorrow.month)
    later["until_year"] = tomorrow.year
    assert "No events" in auditor.get(url, later).content.decode()
    backwards = {**dated, "until_year": today.year - 1}
    refused = auditor.get(url, backwards)
    assert refused.status_code == 400
    assert "The last day must be the same as or after the first day" in refused.content.decode()

    # The export: the filtered rows, all pages of them, and a row saying it left.
    export = auditor.get(
        reverse("audit:child_access_csv", args=[child]),
        {"actor": "analyst", "event_type": "child_viewed"},
    )
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert len(rows) == 55
    assert {(r["user"], r["event"], r["child_id"]) for r in rows} == {
        ("analyst", "child_viewed", str(child))
    }
    assert {r["purpose"] for r in rows} == {"MASH review of a child in the area"}
    exported = AuditEvent.objects.filter(event_type="child_access_exported").get()
    assert exported.actor == cast.auditor and exported.subject_id == str(child)
    assert exported.area_id == cast.area.pk
    assert exported.extra == {
        "purpose": "auditor: who looked at a child",
        "actor": "analyst",
        "event_type": "child_viewed",
        "rows": 55,
    }
    # The auditor's own readings of the child show on the child's page too.
    again = auditor.get(url, {"actor": "auditor"}).content.decode()
    assert "child access exported" in again and "audit log viewed" in again

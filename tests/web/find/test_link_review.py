"""Reviewing a possible link: two records side by side, a reason for every decision, and undo."""

from __future__ import annotations

import pytest

from jigsaw.web.audit.models import AuditEvent
from jigsaw.web.children.compare import link_threshold
from jigsaw.web.children.models import Child, Link
from jigsaw.web.refs import ref
from tests.web.cast import (
    HEALTH_SIGNS,
    JESSICA,
    SCHOOL_SIGNS,
    record_concern,
    unsure_identity,
    verified_client,
)

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def pending(cast):
    school = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "school note")
    health = record_concern(cast.nurse, unsure_identity(), HEALTH_SIGNS, "health note")
    return school, health, Link.objects.get(status="pending")


def test_the_two_records_are_side_by_side_with_the_engines_weights(client, cast, pending):
    school, health, link = pending
    page = verified_client(client, cast, "analyst").get(f"/children/links/{ref(link.pk)}/")
    text = page.content.decode()
    assert page.status_code == 200
    # "Same child as whom": the candidate child by name, and where the record is filed now.
    assert "the same child as Jessica Okafor?" in text
    assert f"(child {health.child.pk})" in text and f"(child {school.child.pk})" in text
    assert "Northbridge Academy" in text and "Northbridge NHS Trust" in text
    assert "Agrees" in text
    # The explanation stored at intake, weight by weight, and the real probability.
    stored = link.explanation["detail"]
    assert all(label in text for _, label, _ in stored)
    shown = f"{link.match_probability * 100:.1f}%"
    assert shown in text and shown != "99.9%"
    assert f"linked automatically at {link_threshold() * 100:.1f}% and above" in text


def test_an_empty_decision_is_an_error_not_a_405(client, cast, pending):
    _, _, link = pending
    analyst = verified_client(client, cast, "analyst")
    response = analyst.post(f"/children/links/{ref(link.pk)}/", {})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Select whether these records are about the same child" in text
    assert "Select the reason for your decision" in text
    other = analyst.post(
        f"/children/links/{ref(link.pk)}/", {"decision": "confirm", "reason_choice": "other"}
    )
    assert other.status_code == 400 and "Describe the reason" in other.content.decode()
    # The old address of the decision no longer answers a GET with a blank 405.
    assert analyst.get(f"/children/links/{ref(link.pk)}/decide/").status_code == 302
    assert Link.objects.get(pk=link.pk).status == "pending"


def test_confirm_with_a_reason_then_undo_regrades_and_is_audited(client, cast, pending):
    school, health, link = pending
    analyst = verified_client(client, cast, "analyst")
    response = analyst.post(
        f"/children/links/{ref(link.pk)}/",
        {"decision": "confirm", "reason_choice": "checked_with_agency", "reason": "GP confirmed"},
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.status == "confirmed"
    assert link.decision_reason == "Checked with the agency that holds the record: GP confirmed"
    assert Child.objects.get(pk=school.child.pk).grade_level == "high"

    empty = analyst.post(f"/children/links/{ref(link.pk)}/undo/", {"reason": ""})
    assert (
        empty.status_code == 400
        and "Say why the decision is being undone" in empty.content.decode()
    )
    undone = analyst.post(f"/children/links/{ref(link.pk)}/undo/", {"reason": "GP had the sister"})
    assert undone.status_code == 302
    link.refresh_from_db()
    assert link.status == "pending"
    assert Link.objects.get(record=health.concern.record, status="new").child_id == health.child.pk
    assert Child.objects.get(pk=school.child.pk).grade_level == "low"
    event = AuditEvent.objects.filter(event_type="link_undone").latest("id")
    assert event.extra["undone"] == "confirmed" and event.extra["reason"] == "GP had the sister"
    assert event.extra["restored_child"] == health.child.pk
    # And it can be decided again.
    again = analyst.post(
        f"/children/links/{ref(link.pk)}/",
        {"decision": "reject", "reason_choice": "twin_or_sibling"},
    )
    assert again.status_code == 302
    assert Link.objects.get(pk=link.pk).status == "rejected"


def test_a_sibling_in_the_same_household_is_called_out(client, cast, pending):
    _, _, link = pending
    sister = record_concern(
        cast.officer,
        {**JESSICA, "first_name": "Amara", "dob": (2013, 6, 9)},
        ["older_associates"],
        "sister",
    )
    page = verified_client(client, cast, "analyst").get(f"/children/links/{ref(link.pk)}/")
    text = page.content.decode()
    assert "Other children in the same household" in text
    assert "Amara Okafor" in text and f"child {sister.child.pk}" in text


def test_only_the_areas_analyst_reviews(client, cast, pending):
    _, _, link = pending
    assert (
        verified_client(client, cast, "far_analyst")
        .get(f"/children/links/{ref(link.pk)}/")
        .status_code
        == 404
    )
    client.logout()
    assert (
        verified_client(client, cast, "teacher").get(f"/children/links/{ref(link.pk)}/").status_code
        == 403
    )


def test_an_automatic_link_shows_its_own_probability_not_the_clusters(db):
    """The demo loader stores each automatic link's own probability: a record with the same
    NHS number as its child's first record is linked above the threshold (the batch's cluster
    confidence, stored before, read 0.0% for such links when a twin scored high)."""

    auto = Link.objects.filter(status="auto", record__nhs_number__gt="").select_related("record")
    same_nhs = [
        link
        for link in auto
        if Link.objects.filter(
            child_id=link.child_id, status="new", record__nhs_number=link.record.nhs_number
        ).exists()
    ]
    assert same_nhs, "the background partnership has records sharing an NHS number"
    assert all(link.match_probability >= link_threshold() for link in same_nhs)
    assert all(link.explanation["detail"][0][0] == "prior" for link in same_nhs)
    assert not Link.objects.filter(status="auto", match_probability__isnull=True).exists()

"""Uncertain links wait for a MASH analyst; nothing is merged silently."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from jigsaw.web.audit.models import AuditEvent
from jigsaw.web.children import matching
from jigsaw.web.children.models import Child, Link
from jigsaw.web.children.services import link_confirm, link_reject
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
    return school, health


def test_an_uncertain_match_starts_a_new_child_and_waits_for_review(cast, pending):
    school, health = pending
    assert health.child.pk != school.child.pk and health.pending_review == 1
    link = Link.objects.get(status="pending")
    assert (link.record_id, link.child_id) == (health.concern.record_id, school.child.pk)
    model = matching.matcher().model
    assert model.review_threshold <= link.match_probability < model.link_threshold
    assert Child.objects.get(pk=school.child.pk).grade_level == "low"


def test_only_a_mash_analyst_of_the_area_decides(cast, pending):
    link = Link.objects.get(status="pending")
    for name in ("teacher", "nurse", "school_dsl", "far_analyst", "lead"):
        with pytest.raises(PermissionDenied):
            link_confirm(actor=getattr(cast, name), link=link)


def test_confirming_moves_the_record_and_regrades_the_child(cast, pending):
    school, health = pending
    link_confirm(
        actor=cast.analyst, link=Link.objects.get(status="pending"), reason="Same school and GP"
    )
    assert Child.objects.get(pk=school.child.pk).grade_level == "high"
    assert Child.objects.get(pk=health.child.pk).grade_level == "none"
    assert set(
        Link.objects.filter(record=health.concern.record).values_list("status", flat=True)
    ) == {"superseded", "confirmed"}
    event = AuditEvent.objects.get(event_type="link_confirmed")
    assert event.actor_label == "analyst" and event.extra["reason"] == "Same school and GP"


def test_rejecting_keeps_the_children_apart(cast, pending):
    school, health = pending
    link_reject(
        actor=cast.analyst,
        link=Link.objects.get(status="pending"),
        reason="Different DOB on GP record",
    )
    assert Child.objects.get(pk=school.child.pk).grade_level == "low"
    assert Link.objects.get(record=health.concern.record, status="new").child_id == health.child.pk
    assert AuditEvent.objects.filter(event_type="link_rejected").count() == 1


def test_the_analyst_decides_on_the_profile_page(client, cast, pending):
    school, _ = pending
    analyst = verified_client(client, cast, "analyst")
    page = analyst.get(f"/children/{ref(school.child.pk)}/?from=mash").content.decode()
    link = Link.objects.get(status="pending")
    assert f"/children/links/{ref(link.pk)}/" in page and "side by side" in page
    response = analyst.post(
        f"/children/links/{ref(link.pk)}/decide/",
        {"decision": "confirm", "reason_choice": "checked_with_agency"},
    )
    assert response.status_code == 302
    assert Child.objects.get(pk=school.child.pk).grade_level == "high"


def test_deciding_a_link_twice_shows_why_it_was_not_saved(client, cast, pending):
    school, _ = pending
    analyst = verified_client(client, cast, "analyst")
    link = Link.objects.get(status="pending")
    url = f"/children/links/{ref(link.pk)}/decide/"
    assert (
        analyst.post(url, {"decision": "confirm", "reason_choice": "identifiers_agree"}).status_code
        == 302
    )
    # A second decision (a colleague's, or a double submit) is refused with the reason shown.
    again = analyst.post(url, {"decision": "reject", "reason_choice": "other", "reason": "not her"})
    assert again.status_code == 409
    text = again.content.decode()
    assert "There is a problem" in text
    assert f"The decision was not saved: link {link.pk} is confirmed, not pending" in text
    assert Link.objects.get(pk=link.pk).status == "confirmed"
    assert not AuditEvent.objects.filter(event_type="link_rejected").exists()


def test_a_link_of_another_area_is_not_found_for_its_analyst(client, cast, pending):
    link = Link.objects.get(status="pending")
    far = verified_client(client, cast, "far_analyst")
    response = far.post(f"/children/links/{ref(link.pk)}/decide/", {"decision": "confirm"})
    assert response.status_code == 404
    assert Link.objects.get(pk=link.pk).status == "pending"

"""The access rule for children's records, applied and audited by one selector (ADR 0006)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from jigsaw.web.audit.models import AuditEvent
from jigsaw.web.children.selectors import child_access, children_visible_to
from tests.web.cast import (
    HEALTH_SIGNS,
    JESS,
    JESSICA,
    POLICE_SIGNS,
    SCHOOL_SIGNS,
    record_concern,
    verified_client,
)

pytestmark = [pytest.mark.django_db]

SCHOOL_NOTE = "Absent most Mondays; new phone and trainers."
HEALTH_NOTE = "Came to clinic with a man in his 20s who answered for her."
POLICE_NOTE = "Seen in a car with older males at 23:40."


@pytest.fixture
def jessica(cast):
    """One child known to school, health and police, each concern recorded by a practitioner."""
    school = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, SCHOOL_NOTE)
    record_concern(cast.nurse, JESS, HEALTH_SIGNS, HEALTH_NOTE)
    record_concern(cast.officer, {**JESSICA, "first_name": "Jessie"}, POLICE_SIGNS, POLICE_NOTE)
    return school.child


def _notes(view) -> dict[str, str | None]:
    return {c.agency: c.note for c in view.concerns}


def test_practitioner_sees_own_free_text_but_not_other_agencies(cast, jessica):
    view = child_access(user=cast.officer, child_id=jessica.pk, purpose="test")
    notes = _notes(view)
    assert len(view.concerns) == 3
    assert notes["Northbridge Police"] == POLICE_NOTE
    assert notes["Northbridge Academy"] is None and notes["Northbridge NHS Trust"] is None
    # Other agencies' identities stay with them too.
    assert [r.identity is not None for r in view.records] == [
        r.agency == "Northbridge Police" for r in view.records
    ]


def test_safeguarding_lead_sees_all_of_their_agencys_concerns_only(cast, jessica):
    notes = _notes(child_access(user=cast.school_dsl, child_id=jessica.pk, purpose="test"))
    assert notes == {
        "Northbridge Academy": SCHOOL_NOTE,
        "Northbridge NHS Trust": None,
        "Northbridge Police": None,
    }


def test_another_practitioner_in_the_same_agency_cannot_open_the_child(cast, jessica):
    with pytest.raises(PermissionDenied):
        child_access(user=cast.teacher2, child_id=jessica.pk, purpose="test")


def test_mash_analyst_sees_the_combined_picture_in_full(cast, jessica):
    view = child_access(user=cast.analyst, child_id=jessica.pk, purpose="test")
    assert _notes(view) == {
        "Northbridge Academy": SCHOOL_NOTE,
        "Northbridge NHS Trust": HEALTH_NOTE,
        "Northbridge Police": POLICE_NOTE,
    }
    assert all(r.identity is not None for r in view.records)
    assert view.child.grade_level == "high"


@pytest.mark.parametrize("name", ["far_analyst", "lead", "auditor", "admin", "teacher2"])
def test_everyone_else_is_refused_and_the_refusal_is_audited(cast, jessica, name):
    user = getattr(cast, name)
    with pytest.raises(PermissionDenied):
        child_access(user=user, child_id=jessica.pk, purpose="curious")
    event = AuditEvent.objects.get(event_type="child_view_refused", actor=user)
    assert event.subject_id == str(jessica.pk) and event.extra == {"purpose": "curious"}
    assert not children_visible_to(user).filter(pk=jessica.pk).exists()


def test_every_view_of_a_child_writes_one_audit_event_with_who_what_when_why(cast, jessica):
    before = AuditEvent.objects.filter(event_type="child_viewed").count()
    for name in ("teacher", "nurse", "analyst", "school_dsl"):
        child_access(user=getattr(cast, name), child_id=jessica.pk, purpose=f"check by {name}")
    events = AuditEvent.objects.filter(event_type="child_viewed").order_by("id")[before:]
    assert [(e.actor_label, e.subject_type, e.subject_id, e.extra["purpose"]) for e in events] == [
        (name, "child", str(jessica.pk), f"check by {name}")
        for name in ("teacher", "nurse", "analyst", "school_dsl")
    ]
    assert all(e.at.utcoffset().total_seconds() == 0 for e in events)


def test_profile_page_withholds_other_agencies_text_and_is_audited(client, cast, jessica):
    page = verified_client(client, cast, "officer").get(f"/children/{jessica.pk}/").content.decode()
    assert POLICE_NOTE in page and SCHOOL_NOTE not in page and HEALTH_NOTE not in page
    assert "Withheld: held by Northbridge Academy" in page
    event = AuditEvent.objects.filter(event_type="child_viewed").latest("id")
    assert event.actor_label == "officer" and event.extra["purpose"] == "opened the child's profile"


def test_profile_page_is_forbidden_to_a_partnership_lead(client, cast, jessica):
    assert verified_client(client, cast, "lead").get(f"/children/{jessica.pk}/").status_code == 403


def test_profile_queries_do_not_grow_with_the_number_of_concerns(
    client, cast, jessica, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    officer = verified_client(client, cast, "officer")
    with CaptureQueriesContext(connection) as few:
        officer.get(f"/children/{jessica.pk}/")
    for n in range(5):
        record_concern(cast.nurse, JESS, ["self_harm"], f"more {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = officer.get(f"/children/{jessica.pk}/")
    assert page.content.decode().count('data-testid="concern-row"') == 8


def test_an_override_reason_is_withheld_like_the_note_it_overrides(client, cast, jessica):
    from jigsaw.web.concerns.models import Concern
    from jigsaw.web.concerns.services import concern_grade_override

    school_concern = Concern.objects.get(record__agency=cast.school)
    reason = "Brother told the DSL she stays at a flat above the takeaway."
    concern_grade_override(actor=cast.school_dsl, concern=school_concern, level="high", reason=reason)
    by_agency = {
        c.agency: c.override_reason
        for c in child_access(user=cast.officer, child_id=jessica.pk, purpose="test").concerns
    }
    assert by_agency["Northbridge Academy"] is None
    mash = child_access(user=cast.analyst, child_id=jessica.pk, purpose="test")
    assert {c.agency: c.override_reason for c in mash.concerns}["Northbridge Academy"] == reason
    page = verified_client(client, cast, "officer").get(f"/children/{jessica.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Overridden to high" in text and reason not in text and "reason withheld" in text


def test_the_mash_queue_lists_high_before_medium_whatever_was_graded_last(cast):
    import datetime as dt

    from django.utils import timezone

    from jigsaw.web.children.models import Child
    from jigsaw.web.children.selectors import children_to_review_for

    now = timezone.now()
    high = Child.objects.create(
        area=cast.area, created_at=now, grade_level="high", graded_at=now - dt.timedelta(days=3)
    )
    medium = Child.objects.create(
        area=cast.area, created_at=now, grade_level="medium", graded_at=now
    )
    ours = [c.pk for c in children_to_review_for(cast.analyst) if c.pk in (high.pk, medium.pk)]
    assert ours == [high.pk, medium.pk]


@pytest.mark.parametrize(
    ("name", "url", "purpose"),
    [("teacher", "/children/", "my children"), ("analyst", "/children/mash/", "MASH queue")],
)
def test_lists_of_children_are_audited_with_what_was_shown(client, cast, jessica, name, url, purpose):
    response = verified_client(client, cast, name).get(url)
    assert response.status_code == 200
    event = AuditEvent.objects.filter(event_type="children_listed").latest("id")
    assert event.actor.username == name and event.extra["purpose"] == purpose
    assert jessica.pk in event.extra["children"]

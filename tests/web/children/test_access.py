"""The access rule for children's records, applied and audited by one selector (ADR 0006)."""

from __future__ import annotations

import re

import pytest
from django.http import Http404

from jigsaw.web.audit.models import AuditEvent
from jigsaw.web.children.selectors import child_access, children_visible_to
from jigsaw.web.refs import ref
from tests.web.cast import (
    HEALTH_SIGNS,
    JESS,
    JESSICA,
    PASSWORD,
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


def test_practitioner_sees_only_their_own_concern_and_that_others_know_the_child(cast, jessica):
    # Need to know: not which other agencies hold concerns, nor what they saw.
    view = child_access(user=cast.officer, child_id=jessica.pk, purpose="test")
    assert _notes(view) == {"Northbridge Police": POLICE_NOTE}
    assert view.known_elsewhere and not view.agencies_visible and not view.grade_visible
    assert view.agencies == ("Northbridge Police",)
    # Other agencies' records, and so their identities, stay with them.
    assert [r.agency for r in view.records] == ["Northbridge Police"]
    assert all(r.identity is not None for r in view.records)


def test_safeguarding_lead_sees_all_of_their_agencys_concerns_only(cast, jessica):
    notes = _notes(child_access(user=cast.school_dsl, child_id=jessica.pk, purpose="test"))
    assert notes == {
        "Northbridge Academy": SCHOOL_NOTE,
        "Northbridge NHS Trust": None,
        "Northbridge Police": None,
    }


def test_another_practitioner_in_the_same_agency_cannot_open_the_child(cast, jessica):
    with pytest.raises(Http404):
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
    with pytest.raises(Http404):
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
    page = (
        verified_client(client, cast, "officer")
        .get(f"/children/{ref(jessica.pk)}/")
        .content.decode()
    )
    assert POLICE_NOTE in page and SCHOOL_NOTE not in page and HEALTH_NOTE not in page
    assert "Northbridge Academy" not in page and 'data-testid="known-elsewhere"' in page
    event = AuditEvent.objects.filter(event_type="child_viewed").latest("id")
    assert (
        event.actor_label == "officer"
        and event.extra["purpose"] == "practitioner: a child they recorded a concern about"
    )


@pytest.mark.parametrize("name", ["lead", "auditor", "admin"])
def test_the_profile_page_is_not_found_for_roles_without_children_and_is_audited(
    client, cast, jessica, name
):
    assert (
        verified_client(client, cast, name).get(f"/children/{ref(jessica.pk)}/").status_code == 404
    )
    event = AuditEvent.objects.get(event_type="child_view_refused", actor=getattr(cast, name))
    assert event.subject_id == str(jessica.pk)


def test_profile_queries_do_not_grow_with_the_number_of_concerns(
    client, cast, jessica, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    officer = verified_client(client, cast, "analyst")
    with CaptureQueriesContext(connection) as few:
        officer.get(f"/children/{ref(jessica.pk)}/")
    for n in range(5):
        record_concern(cast.nurse, JESS, ["self_harm"], f"more {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = officer.get(f"/children/{ref(jessica.pk)}/")
    assert page.content.decode().count('data-testid="concern-row"') == 8


def test_an_override_reason_is_withheld_like_the_note_it_overrides(client, cast, jessica):
    from jigsaw.web.concerns.models import Concern
    from jigsaw.web.concerns.services import concern_grade_override

    school_concern = Concern.objects.get(record__agency=cast.school)
    reason = "Brother told the DSL she stays at a flat above the takeaway."
    concern_grade_override(
        actor=cast.school_dsl, concern=school_concern, level="high", reason=reason
    )
    by_agency = {
        c.agency: c.override_reason
        for c in child_access(user=cast.officer, child_id=jessica.pk, purpose="test").concerns
    }
    assert "Northbridge Academy" not in by_agency
    dsl_sees = child_access(user=cast.school_dsl, child_id=jessica.pk, purpose="test").concerns
    assert {c.agency: c.override_reason for c in dsl_sees}["Northbridge Academy"] == reason
    mash = child_access(user=cast.analyst, child_id=jessica.pk, purpose="test")
    assert {c.agency: c.override_reason for c in mash.concerns}["Northbridge Academy"] == reason
    page = verified_client(client, cast, "officer").get(f"/children/{ref(jessica.pk)}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Overridden to high" not in text and reason not in text


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
def test_lists_of_children_are_audited_with_what_was_shown(
    client, cast, jessica, name, url, purpose
):
    response = verified_client(client, cast, name).get(url)
    assert response.status_code == 200
    event = AuditEvent.objects.filter(event_type="children_listed").latest("id")
    assert event.actor.username == name and event.extra["purpose"] == purpose
    assert jessica.pk in event.extra["children"]


def _page(response) -> str:
    # The sign-out form's CSRF token is masked afresh on every page; nothing else may differ.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


@pytest.mark.parametrize("name", ["teacher2", "far_analyst", "school_dsl_of_no_record"])
def test_a_forbidden_child_and_a_missing_child_answer_the_same(client, cast, jessica, name):
    from jigsaw.web.accounts.models import Role
    from jigsaw.web.accounts.services import user_create
    from jigsaw.web.children.models import Child

    if name == "school_dsl_of_no_record":
        # The safeguarding lead of an agency that holds nothing about the child.
        user, device = user_create(
            username=name,
            password=PASSWORD,
            role=Role.DSL,
            agency=cast.council,
            validate=False,
            with_totp=True,
        )
        setattr(cast, name, user)
        cast.devices[name] = device
    missing = (Child.objects.order_by("-pk").first().pk or 0) + 1000
    visitor = verified_client(client, cast, name)
    forbidden = visitor.get(f"/children/{ref(jessica.pk)}/")
    absent = visitor.get(f"/children/{ref(missing)}/")
    assert forbidden.status_code == absent.status_code == 404
    assert _page(forbidden) == _page(absent)
    assert "Page not found" in _page(forbidden)
    # Both refusals are audited: the trail tells the auditor what the page does not.
    refused = AuditEvent.objects.filter(event_type="child_view_refused", actor=getattr(cast, name))
    assert {e.subject_id for e in refused} == {str(jessica.pk), ""}
    assert {e.extra.get("child") for e in refused if not e.subject_id} == {missing}


def test_an_override_of_a_concern_one_may_not_override_answers_like_a_missing_one(
    client, cast, jessica
):
    from jigsaw.web.concerns.models import Concern

    health_concern = Concern.objects.get(record__agency=cast.health)
    dsl = verified_client(client, cast, "school_dsl")
    data = {"level": "high", "reason": "r"}
    other_agencys = dsl.post(f"/concerns/{ref(health_concern.pk)}/override/", data)
    missing = dsl.post(f"/concerns/{ref(health_concern.pk + 1000)}/override/", data)
    assert other_agencys.status_code == missing.status_code == 404
    assert _page(other_agencys) == _page(missing)
    assert Concern.objects.get(pk=health_concern.pk).override_level == ""


def test_a_concern_recorded_in_another_area_never_joins_this_areas_child(cast, jessica):
    """The same name and birth date recorded in another partnership starts that area's own child:
    its analyst cannot open ours, and ours does not see theirs as a link to decide."""
    from jigsaw.web.children.models import Link
    from jigsaw.web.children.selectors import pending_links_for

    far = record_concern(cast.far_analyst, JESSICA, SCHOOL_SIGNS, "Seen in Southmoor")
    assert far.child.pk != jessica.pk
    assert far.child.area_id == cast.other_area.pk
    assert not Link.objects.filter(record=far.concern.record, child=jessica).exists()
    with pytest.raises(Http404):
        child_access(user=cast.far_analyst, child_id=jessica.pk, purpose="curious")
    with pytest.raises(Http404):
        child_access(user=cast.analyst, child_id=far.child.pk, purpose="curious")
    assert not pending_links_for(cast.analyst).filter(record=far.concern.record).exists()
    notes = _notes(child_access(user=cast.analyst, child_id=jessica.pk, purpose="test"))
    assert "Seen in Southmoor" not in notes.values()

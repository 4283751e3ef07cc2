"""Every refusal leaves an audit row, and the recorded purpose of a look is the server's."""

from __future__ import annotations

import pytest

from jigsaw.web.audit.models import AuditEvent
from jigsaw.web.refs import ref
from tests.web.cast import JESSICA, SCHOOL_SIGNS, record_concern, unsure_identity, verified_client

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _refusals(user) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            actor=user, event_type__in=["page_refused", "child_view_refused"]
        ).order_by("id")
    )


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("teacher", "/audit/"),
        ("teacher", "/oversight/"),
        ("teacher", "/children/mash/"),
        ("lead", "/concerns/new/"),
        ("auditor", "/accounts/users/"),
        ("admin", "/audit/"),
        ("analyst", "/accounts/access-grants/"),
    ],
)
def test_a_page_refused_to_a_role_is_audited(client, cast, name, path):
    response = verified_client(client, cast, name).get(path)
    assert response.status_code == 403
    (event,) = _refusals(getattr(cast, name))
    assert event.event_type == "page_refused"
    assert event.extra["path"] == path and event.extra["reason"] == "role may not use this page"


@pytest.mark.parametrize("name", ["lead", "auditor", "admin", "far_analyst", "teacher2"])
def test_a_child_refused_to_any_role_is_audited_once(client, cast, name):
    child = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "school").child
    response = verified_client(client, cast, name).get(f"/children/{ref(child.pk)}/")
    assert response.status_code == 404
    (event,) = _refusals(getattr(cast, name))
    assert event.event_type == "child_view_refused" and event.subject_id == str(child.pk)


def test_a_link_decision_refused_to_another_areas_analyst_is_audited(client, cast):
    from jigsaw.web.children.models import Link

    record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "school")
    record_concern(cast.nurse, unsure_identity(), ["sti_diagnosis"], "health")
    link = Link.objects.get(status="pending")
    far = verified_client(client, cast, "far_analyst")
    response = far.post(f"/children/links/{ref(link.pk)}/decide/", {"decision": "confirm"})
    assert response.status_code == 404
    (event,) = _refusals(cast.far_analyst)
    assert event.extra["path"] == f"/children/links/{ref(link.pk)}/decide/"
    assert event.extra["method"] == "POST"
    link.refresh_from_db()
    assert link.status == "pending"


def test_another_authors_concern_page_refused_is_audited(client, cast):
    saved = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "school")
    response = verified_client(client, cast, "teacher2").get(f"/concerns/{ref(saved.concern.pk)}/")
    assert response.status_code == 404
    assert len(_refusals(cast.teacher2)) == 1


def test_the_purpose_of_a_look_comes_from_the_role_never_from_the_url(client, cast):
    child = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "school").child
    teacher = verified_client(client, cast, "teacher")
    assert teacher.get(f"/children/{ref(child.pk)}/?from=mash").status_code == 200
    view = AuditEvent.objects.filter(event_type="child_viewed", actor=cast.teacher).latest("id")
    assert view.extra["purpose"] == "practitioner: a child they recorded a concern about"
    analyst = verified_client(client, cast, "analyst")
    assert analyst.get(f"/children/{ref(child.pk)}/?from=list").status_code == 200
    view = AuditEvent.objects.filter(event_type="child_viewed", actor=cast.analyst).latest("id")
    assert view.extra["purpose"] == "MASH review of a child in the area"

"""The audit log: auditors read it (and their reading is audited); nobody else can."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from jigsaw.web.audit.models import AuditEvent, EventType
from jigsaw.web.audit.selectors import audit_events_for
from jigsaw.web.audit.services import audit_record
from tests.web.cast import JESSICA, SCHOOL_SIGNS, record_concern, verified_client

pytestmark = [pytest.mark.django_db]


def test_event_types_are_unique_and_stored_as_their_value():
    values = [e.value for e in EventType]
    assert len(values) == len(set(values))
    assert all(len(v) <= AuditEvent._meta.get_field("event_type").max_length for v in values)


def test_audit_rows_refuse_anything_but_an_event_type(cast):
    with pytest.raises(TypeError):
        audit_record(actor=cast.teacher, event_type="child_viewed")


def test_auditor_filters_by_subject_and_the_reading_is_audited(client, cast):
    outcome = record_concern(
        cast.teacher, JESSICA, SCHOOL_SIGNS, "a note the auditor must not read"
    )
    page = verified_client(client, cast, "auditor").get(
        f"/audit/?subject_type=child&subject_id={outcome.child.pk}"
    )
    body = page.content.decode()
    assert "child created" in body and "child graded" in body and "teacher" in body
    assert "a note the auditor must not read" not in body
    read = AuditEvent.objects.filter(event_type="audit_log_viewed").latest("id")
    assert read.actor_label == "auditor" and read.extra == {
        "subject_type": "child",
        "subject_id": str(outcome.child.pk),
    }


@pytest.mark.parametrize("name", ["teacher", "analyst", "lead", "admin"])
def test_only_auditors_read_the_log(cast, name):
    with pytest.raises(PermissionDenied):
        audit_events_for(user=getattr(cast, name))


def test_audit_rows_cannot_be_changed_or_deleted_even_directly(cast):
    from django.db import DatabaseError, transaction

    event = AuditEvent.objects.filter(event_type="user_created").first()
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(extra={"tampered": True})
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert "tampered" not in event.extra

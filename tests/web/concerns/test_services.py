"""Recording a concern: linking, grading, audit in the same transaction, refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from jigsaw.screening import Grade
from jigsaw.web.audit.models import AuditEvent
from jigsaw.web.children.models import AgencyRecord, Child, Link
from jigsaw.web.concerns.models import Concern
from jigsaw.web.concerns.services import concern_grade_override
from tests.web.cast import (
    HEALTH_SIGNS,
    JESS,
    JESSICA,
    SCHOOL_SIGNS,
    record_concern,
)

pytestmark = [pytest.mark.django_db]


def test_first_concern_starts_a_child_and_emits_each_event(cast):
    outcome = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "Absent most Mondays.")
    assert outcome.new_record and outcome.link.status == "new"
    assert outcome.concern.grade_level == "low"
    assert outcome.child.grade_level == "low"
    assert outcome.concern.catalogue_version == outcome.child.catalogue_version != ""
    events = list(AuditEvent.objects.order_by("id").values_list("event_type", flat=True))
    assert events[-6:] == [
        "record_created",
        "child_created",
        "link_created",
        "concern_recorded",
        "child_graded",
        "contact_created",  # for the school's safeguarding lead to decide
    ]
    assert set(
        AuditEvent.objects.filter(event_type="concern_recorded").values_list(
            "actor__username", flat=True
        )
    ) == {"teacher"}


def test_nickname_and_swapped_birth_date_link_and_the_grade_rises(cast):
    school = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "Absent most Mondays.")
    health = record_concern(cast.nurse, JESS, HEALTH_SIGNS, "Came to clinic with a man in his 20s.")
    assert health.link.status == "auto"
    assert health.link.match_probability > 0.99
    assert health.child.pk == school.child.pk
    # Together the two agencies' signs grade the child above what either concern gives alone.
    combined = Child.objects.get(pk=school.child.pk).grade_level
    alone = max(Grade(school.concern.grade_level), Grade(health.concern.grade_level))
    assert Grade(combined) > alone
    assert combined == "high"


REFUSE_AUDIT = {
    "postgresql": "CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ BEGIN "
    "RAISE EXCEPTION 'audit store unavailable'; END $$ LANGUAGE plpgsql;"
    "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_auditevent "
    "FOR EACH ROW EXECUTE FUNCTION refuse_audit();",
    "sqlite": "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit store unavailable'); END;",
}


def test_an_audit_row_that_cannot_be_written_refuses_the_concern(cast):
    with connection.cursor() as cursor:
        cursor.execute(REFUSE_AUDIT[connection.vendor])
    tables = (Concern, AgencyRecord, Child, Link)
    before = [table.objects.count() for table in tables]
    with pytest.raises(Exception, match="audit store unavailable"):
        record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "Absent most Mondays.")
    assert [table.objects.count() for table in tables] == before


def test_unknown_indicator_and_future_date_are_refused(cast):
    before = Concern.objects.count()
    with pytest.raises(ValidationError, match="not_a_sign"):
        record_concern(cast.teacher, JESSICA, ["not_a_sign"], "x")
    with pytest.raises(ValidationError, match="today or in the past"):
        record_concern(
            cast.teacher,
            JESSICA,
            SCHOOL_SIGNS,
            "x",
            seen_on=timezone.localdate() + dt.timedelta(days=2),
        )
    assert Concern.objects.count() == before


@pytest.mark.parametrize("name", ["lead", "auditor", "admin"])
def test_roles_without_child_access_cannot_record(cast, name):
    with pytest.raises(PermissionDenied):
        record_concern(getattr(cast, name), JESSICA, SCHOOL_SIGNS, "x")


def test_a_concern_can_only_be_added_to_your_own_agencys_record(cast):
    from django.utils import timezone

    from jigsaw.web.concerns.services import concern_record

    school = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "x")
    with pytest.raises(PermissionDenied):
        concern_record(
            actor=cast.nurse,
            record=school.concern.record,
            seen_on=timezone.localdate(),
            indicators=HEALTH_SIGNS,
            note="y",
            lawful_basis="vital_interests",
        )
    again = concern_record(
        actor=cast.teacher2,
        record=school.concern.record,
        seen_on=timezone.localdate(),
        indicators=["sexual_bullying"],
        note="z",
        lawful_basis="vital_interests",
    )
    assert again.child.pk == school.child.pk and not again.new_record


def test_override_sits_beside_the_computed_grade_with_its_reason(cast):
    school = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "x")
    with pytest.raises(PermissionDenied):
        concern_grade_override(actor=cast.teacher, concern=school.concern, level="high", reason="r")
    with pytest.raises(ValidationError):
        concern_grade_override(
            actor=cast.school_dsl, concern=school.concern, level="high", reason=" "
        )
    concern = concern_grade_override(
        actor=cast.school_dsl,
        concern=school.concern,
        level="high",
        reason="Known to be with an adult who is under investigation",
    )
    concern.refresh_from_db()
    assert (concern.grade_level, concern.override_level) == ("low", "high")
    event = AuditEvent.objects.get(event_type="concern_grade_overridden")
    assert event.extra["computed"] == "low" and event.extra["override"] == "high"

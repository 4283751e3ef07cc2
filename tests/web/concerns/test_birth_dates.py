"""Dates of birth that conflict with the dates concerns were seen must never crash the intake."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from jigsaw.web.children.models import AgencyRecord, Child
from jigsaw.web.children.services import child_regrade
from tests.web.cast import JESSICA, SCHOOL_SIGNS, record_concern

pytestmark = [pytest.mark.django_db]


def test_a_concern_seen_before_the_birth_date_is_refused_on_the_date_field(cast):
    held = AgencyRecord.objects.count()
    with pytest.raises(ValidationError) as refused:
        record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "Absent.", seen_on=dt.date(2010, 1, 5))
    assert "seen_on" in refused.value.message_dict
    assert AgencyRecord.objects.count() == held  # nothing half-written


def test_the_intake_page_shows_the_refusal_instead_of_failing(cast, client):
    from tests.web.cast import verified_client

    verified_client(client, cast, "teacher")
    response = client.post(
        "/concerns/new/",
        {
            "action": "save",
            "first_name": "Jessica",
            "last_name": "Okafor",
            "sex": "F",
            "postcode": "NB1 4QT",
            "nhs_number": "",
            "dob_day": "4",
            "dob_month": "3",
            "dob_year": "2011",
            "seen_day": "5",
            "seen_month": "1",
            "seen_year": "2010",
            "indicators": SCHOOL_SIGNS,
            "note": "Absent.",
            "lawful_basis": "public_task_safeguarding",
            "record_choice": "new",
        },
    )
    assert response.status_code == 200
    assert "before the child was born" in response.content.decode()


def test_a_child_whose_records_disagree_is_graded_from_a_birth_date_before_every_concern(cast):
    first = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "Absent.")
    child = first.child
    # Two later records linked to the same child carry a birth date after the school's concern:
    # the date most records agree on cannot be the child's, so grading must not crash on it.
    late = dt.date(2011, 3, 4) + dt.timedelta(days=1)
    first.concern.seen_on = dt.date(2011, 3, 4)
    first.concern.save()
    for n in (1, 2):
        record = AgencyRecord.objects.create(
            agency=cast.health,
            record_id=f"H-late-{n}",
            first_name="Jessica",
            last_name="Okafor",
            dob=late,
            sex="F",
            postcode="NB1 4QT",
            created_at=timezone.now(),
        )
        record.links.create(
            child=child, status="confirmed", match_probability=1.0, created_at=timezone.now()
        )
    child = child_regrade(actor=cast.teacher, child=child, today=timezone.localdate())
    assert child.grade_reasons["dob_used"] == "2011-03-04"
    assert "birth" in child.grade_reasons["dob_note"]
    assert Child.objects.get(pk=child.pk).grade_level == child.grade_level
    assert "2011-03-05" in child.grade_reasons["dob_note"]


def test_a_grade_is_marked_not_computable_when_no_linked_birth_date_fits(cast):
    first = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "Absent.")
    # A record loaded from elsewhere (not through the intake) with a concern dated before its
    # birth date: no date of birth the partnership holds precedes every concern.
    record = first.concern.record
    record.dob = dt.date(2012, 1, 1)
    record.save()
    first.concern.seen_on = dt.date(2011, 6, 1)
    first.concern.save()
    child = child_regrade(actor=cast.teacher, child=first.child, today=timezone.localdate())
    assert child.grade_level == "none"
    assert child.grade_reasons["dob_note"].startswith("Not computable")

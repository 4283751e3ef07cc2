"""Dates of birth that conflict with the dates concerns were seen must never crash the intake."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from jigsaw.web.children.models import AgencyRecord
from tests.web.cast import JESSICA, SCHOOL_SIGNS, record_concern

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_a_concern_seen_before_the_birth_date_is_refused_on_the_date_field(cast):
    held = AgencyRecord.objects.count()
    with pytest.raises(ValidationError) as refused:
        record_concern(
            cast.teacher, JESSICA, SCHOOL_SIGNS, "Absent.", seen_on=dt.date(2010, 1, 5)
        )
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


"""The intake search reads only the searcher's own agency's records.

A shared identifier must not draw another agency's knowledge out through the search: an NHS
number held only by health, typed with a made-up name, must not return the school's pupil.
"""

from __future__ import annotations

import pytest

from jigsaw.identifiers import is_valid_nhs_number
from jigsaw.web.children.models import Link
from tests.web.cast import JESSICA, SCHOOL_SIGNS, record_concern, verified_client
from tests.web.concerns.test_intake_page import _form

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

NHS = "9434765919"  # a valid NHS number (modulus 11), synthetic


def test_an_nhs_number_only_health_holds_does_not_return_the_schools_pupil(client, cast):
    assert is_valid_nhs_number(NHS)
    health = record_concern(cast.nurse, {**JESSICA, "nhs_number": NHS}, ["sti_diagnosis"], "h")
    school = record_concern(cast.teacher2, JESSICA, SCHOOL_SIGNS, "school knows her")
    # The two records are one child: the school's own record exists, without the NHS number.
    assert school.child == health.child
    assert Link.objects.get(record=school.concern.record, status__in=["auto", "new"])
    assert school.concern.record.nhs_number == ""

    teacher = verified_client(client, cast, "teacher")
    made_up = _form(
        {**JESSICA, "first_name": "Zed", "last_name": "Quixley", "postcode": "ZZ9 9ZZ"},
        action="find",
        nhs_number=NHS,
        dob_day=1,
        dob_month=1,
        dob_year=2010,
    )
    body = teacher.post("/concerns/new/", made_up).content.decode()
    assert "No match in your agency" in body
    assert "Okafor" not in body and "NB1 4QT" not in body

    # The school's own details still find the school's own record.
    body = teacher.post("/concerns/new/", _form(action="find")).content.decode()
    assert "Jessica Okafor, born 4 March 2011" in body

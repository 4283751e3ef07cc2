"""The intake form: look-alike records told apart, nothing chosen for the user, partial identities."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.utils import timezone

from jigsaw.web.children.models import AgencyRecord
from jigsaw.web.concerns.models import Concern
from tests.web.cast import JESSICA, SCHOOL_SIGNS, record_concern, verified_client

pytestmark = [pytest.mark.django_db]


def _form(**changes):
    today = timezone.localdate()
    year, month, day = JESSICA["dob"]
    data = {
        "first_name": JESSICA["first_name"],
        "last_name": JESSICA["last_name"],
        "sex": "F",
        "postcode": JESSICA["postcode"],
        "dob_day": day,
        "dob_month": month,
        "dob_year": year,
        "seen_day": today.day,
        "seen_month": today.month,
        "seen_year": today.year,
        "indicators": SCHOOL_SIGNS,
        "note": "Absent most Mondays.",
        "lawful_basis": "public_task_safeguarding",
        "action": "save",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def look_alikes(cast):
    """Two school records of one name and birth date, told apart by reference, address and
    when the child was last seen.

    They are two children (their valid NHS numbers differ, which the linkage engine never
    links across), so the search offers both: it offers one record per child.
    """
    first = record_concern(
        cast.teacher,
        {**JESSICA, "nhs_number": "9434765919"},
        SCHOOL_SIGNS,
        "one",
        seen_on=dt.date(2026, 1, 12),
    )
    second = record_concern(
        cast.teacher2,
        {**JESSICA, "postcode": "NB7 1AA", "nhs_number": "9434765870"},
        SCHOOL_SIGNS,
        "two",
        seen_on=dt.date(2026, 6, 3),
    )
    return first.concern.record, second.concern.record


def test_look_alike_records_are_told_apart_and_none_is_chosen(client, cast, look_alikes):
    one, two = look_alikes
    teacher = verified_client(client, cast, "teacher")
    body = teacher.post("/concerns/new/", _form(action="find")).content.decode()
    hints = re.findall(r'data-testid="candidate">(.*?)</div>', body)
    assert len(hints) == 2 and hints[0] != hints[1]
    assert any(one.record_id in h and "last seen 12 Jan 2026" in h for h in hints)
    assert any(two.record_id in h and "last seen 3 Jun 2026" in h and "NB7 1AA" in h for h in hints)
    assert "checked" not in re.search(r'<input[^>]*value="new"[^>]*>', body).group(0)
    # Saving without choosing asks for a choice, and keeps the records on offer.
    unchosen = teacher.post("/concerns/new/", _form(searched="1"))
    assert unchosen.status_code == 200
    text = unchosen.content.decode()
    assert "Select the record that is this child" in text and two.record_id in text
    assert Concern.objects.filter(note="Absent most Mondays.").count() == 0


def test_the_chosen_record_survives_a_validation_error(client, cast, look_alikes):
    _, two = look_alikes
    teacher = verified_client(client, cast, "teacher")
    body = teacher.post(
        "/concerns/new/", _form(searched="1", record_choice=two.record_id, note="")
    ).content.decode()
    assert "Describe what you saw" in body
    chosen = re.search(rf'<input[^>]*value="{two.record_id}"[^>]*>', body).group(0)
    assert "checked" in chosen
    saved = teacher.post("/concerns/new/", _form(searched="1", record_choice=two.record_id))
    assert saved.status_code == 302
    assert Concern.objects.get(note="Absent most Mondays.").record_id == two.pk


def test_a_first_name_and_an_age_are_enough_and_marked(client, cast):
    officer = verified_client(client, cast, "officer")
    response = officer.post(
        "/concerns/new/",
        _form(
            first_name="",
            alias="Bluey",
            last_name="",
            dob_day="",
            dob_month="",
            dob_year="",
            age="14",
            postcode="",
        ),
    )
    assert response.status_code == 302
    record = AgencyRecord.objects.get(alias="Bluey")
    assert (record.first_name, record.last_name) == ("Bluey", "")
    assert record.needs_identification and record.dob_estimated
    age = (timezone.localdate() - record.dob).days / 365.25
    assert 14 <= age < 15
    page = officer.get(response["Location"]).content.decode()
    assert "needs identification" in page.lower()


def test_without_a_date_of_birth_or_an_age_the_form_says_either(client, cast):
    body = (
        verified_client(client, cast, "officer")
        .post("/concerns/new/", _form(dob_day="", dob_month="", dob_year=""))
        .content.decode()
    )
    assert "or their approximate age if you do not know it" in body
    no_name = html.unescape(
        verified_client(client, cast, "officer")
        .post("/concerns/new/", _form(first_name=""))
        .content.decode()
    )
    assert "Enter the child's first name, or the name they go by" in no_name

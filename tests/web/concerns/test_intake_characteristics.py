"""Ethnicity and disability asked at intake of a child new to the agency, kept on the child."""

from __future__ import annotations

import pytest
from django.utils import timezone

from jigsaw.web.concerns.models import Concern
from tests.web.cast import JESSICA, SCHOOL_SIGNS, verified_client

pytestmark = [pytest.mark.django_db]


def _form(who=JESSICA, **changes):
    today = timezone.localdate()
    year, month, day = who["dob"]
    data = {
        "first_name": who["first_name"],
        "last_name": who["last_name"],
        "sex": who["sex"],
        "postcode": who["postcode"],
        "nhs_number": "",
        "dob_day": day,
        "dob_month": month,
        "dob_year": year,
        "seen_day": today.day,
        "seen_month": today.month,
        "seen_year": today.year,
        "indicators": SCHOOL_SIGNS,
        "note": "Seen with older men.",
        "lawful_basis": "public_task_safeguarding",
        "action": "save",
    }
    data.update(changes)
    return data


def _child(note):
    concern = Concern.objects.get(note=note)
    return concern.record.links.get(status__in=["new", "auto", "confirmed"]).child


def test_the_answers_are_kept_on_the_child_and_never_overwritten(client, cast):
    teacher = verified_client(client, cast, "teacher")
    page = teacher.get("/concerns/new/").content.decode()
    # Offered with every Census 2021 group, and "Not asked" chosen until someone answers.
    assert '<option value="not asked" selected>Not asked</option>' in page
    assert "White: Gypsy or Irish Traveller" in page
    answered = _form(ethnicity="black_caribbean", disability="refused", note="first")
    assert teacher.post("/concerns/new/", answered).status_code == 302
    child = _child("first")
    assert (child.ethnicity, child.disability) == ("black_caribbean", "refused")
    # The same child recorded by another agency, answered otherwise: the first answers stand.
    client.logout()
    nurse = verified_client(client, cast, "nurse")
    again = _form(ethnicity="white_british", disability="yes", note="second")
    assert nurse.post("/concerns/new/", again).status_code == 302
    assert _child("second").pk == child.pk
    child.refresh_from_db()
    assert (child.ethnicity, child.disability) == ("black_caribbean", "refused")


def test_a_child_nobody_asked_about_reads_not_asked_and_a_made_up_answer_is_refused(client, cast):
    teacher = verified_client(client, cast, "teacher")
    someone = {**JESSICA, "first_name": "Amira", "last_name": "Haddad", "dob": (2010, 6, 1)}
    assert teacher.post("/concerns/new/", _form(someone, note="unasked")).status_code == 302
    child = _child("unasked")
    assert (child.ethnicity, child.disability) == ("not asked", "not asked")
    body = teacher.post(
        "/concerns/new/", _form(someone, ethnicity="martian", note="made up")
    ).content.decode()
    assert "Select a valid choice" in body
    assert not Concern.objects.filter(note="made up").exists()

"""The record-a-concern page: validation, finding the child in your own agency's records, saving."""

from __future__ import annotations

import pytest
from django.utils import timezone

from jigsaw.web.concerns.models import Concern
from jigsaw.web.refs import ref
from tests.web.cast import JESSICA, SCHOOL_SIGNS, record_concern, verified_client

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
        "note": "Absent most Mondays.",
        "lawful_basis": "public_task_safeguarding",
        "action": "save",
    }
    data.update(changes)
    return data


def test_page_groups_indicators_by_domain_with_help_text(client, cast):
    page = verified_client(client, cast, "teacher").get("/concerns/new/").content.decode()
    assert (
        '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Education</legend>'
        in page
    )
    assert 'id="indicator-unexplained_absence-hint"' in page
    assert "Schedule 1 paragraph 18" in page


def test_nhs_number_with_a_wrong_check_digit_is_refused(client, cast):
    teacher = verified_client(client, cast, "teacher")
    body = teacher.post("/concerns/new/", _form(nhs_number="943 476 5918")).content.decode()
    assert (
        "check digit is wrong" in body
        and Concern.objects.filter(note="Absent most Mondays.").count() == 0
    )
    response = teacher.post("/concerns/new/", _form(nhs_number="943 476 5919"))
    assert response.status_code == 302
    assert Concern.objects.get(note="Absent most Mondays.").record.nhs_number == "9434765919"


def test_impossible_dates_and_missing_fields_are_named(client, cast):
    body = (
        verified_client(client, cast, "teacher")
        .post(
            "/concerns/new/",
            _form(dob_day=31, dob_month=2, indicators=[], note="", lawful_basis=""),
        )
        .content.decode()
    )
    for message in (
        "must be a real date",
        "Select at least one sign",
        "Describe what you saw",
        "Select the lawful basis",
    ):
        assert message in body


def test_find_shows_only_your_own_agencys_matching_records(client, cast):
    record_concern(cast.nurse, JESSICA, ["sti_diagnosis"], "health knows her")
    teacher = verified_client(client, cast, "teacher")
    body = teacher.post("/concerns/new/", _form(action="find")).content.decode()
    assert "No match in your agency" in body  # health's record is not shown to a school
    record_concern(cast.teacher2, JESSICA, SCHOOL_SIGNS, "school knows her")
    body = teacher.post("/concerns/new/", _form(action="find")).content.decode()
    assert "Is this one of your agency" in body and "Jessica Okafor, born 4 March 2011" in body
    # The same identity as the school's record: a near-certain match, shown as a percentage.
    match = float(body.split("(match ")[1].split("%)")[0])
    assert 99.0 <= match < 100.0
    record_id = body.split('name="record_choice" type="radio" value="')[1].split('"')[0]
    response = teacher.post(
        "/concerns/new/", _form(record_choice=record_id, note="second school concern")
    )
    assert response.status_code == 302
    assert Concern.objects.get(note="second school concern").record.record_id == record_id


def test_saved_page_shows_the_concern_and_combined_grades(client, cast):
    response = verified_client(client, cast, "teacher").post("/concerns/new/", _form(), follow=True)
    body = response.content.decode()
    assert "Concern saved" in body and 'data-testid="concern-grade"' in body
    # Need to know: the practitioner's safeguarding lead holds the combined picture, not them.
    assert 'data-testid="child-grade"' not in body and 'data-testid="who-holds-picture"' in body
    assert "What to do next" in body and "not a 999 call" in body


def test_a_concern_page_is_shown_only_to_its_author(client, cast):
    outcome = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "x")
    assert (
        verified_client(client, cast, "teacher2")
        .get(f"/concerns/{ref(outcome.concern.pk)}/")
        .status_code
        == 404
    )


def test_safeguarding_lead_overrides_on_the_profile_and_it_shows_beside_the_grade(client, cast):
    outcome = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "x")
    dsl = verified_client(client, cast, "school_dsl")
    page = dsl.get(f"/children/{ref(outcome.child.pk)}/").content.decode()
    assert f"/concerns/{ref(outcome.concern.pk)}/override/" in page
    response = dsl.post(
        f"/concerns/{ref(outcome.concern.pk)}/override/",
        {"level": "high", "reason": "Seen with a man under investigation"},
    )
    assert response.status_code == 302
    page = dsl.get(response["Location"]).content.decode()
    assert "Overridden to high</strong>: Seen with a man under investigation" in page
    outcome.concern.refresh_from_db()
    assert (outcome.concern.grade_level, outcome.concern.override_level) == ("low", "high")


def test_an_override_without_a_reason_is_refused_with_the_reason_why(client, cast):
    outcome = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "x")
    response = verified_client(client, cast, "school_dsl").post(
        f"/concerns/{ref(outcome.concern.pk)}/override/", {"level": "high", "reason": ""}
    )
    assert response.status_code == 400
    assert "Give the reason for the override" in response.content.decode()
    outcome.concern.refresh_from_db()
    assert outcome.concern.override_level == ""


def test_a_practitioner_cannot_override(client, cast):
    outcome = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "x")
    teacher = verified_client(client, cast, "teacher")
    assert "/override/" not in teacher.get(f"/children/{ref(outcome.child.pk)}/").content.decode()
    response = teacher.post(
        f"/concerns/{ref(outcome.concern.pk)}/override/", {"level": "high", "reason": "r"}
    )
    assert response.status_code == 403


def test_another_agencys_lead_is_refused_even_with_an_empty_override_form(client, cast):
    from jigsaw.web.accounts.models import Role
    from jigsaw.web.accounts.services import user_create
    from tests.web.cast import PASSWORD

    outcome = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "x")
    user, device = user_create(
        username="police_dsl",
        password=PASSWORD,
        role=Role.DSL,
        agency=cast.police,
        validate=False,
        with_totp=True,
    )
    cast.police_dsl = user
    cast.devices["police_dsl"] = device
    response = verified_client(client, cast, "police_dsl").post(
        f"/concerns/{ref(outcome.concern.pk)}/override/", {}
    )
    # Answered as a missing concern would be: nothing says which child it is about.
    assert response.status_code == 404
    assert str(outcome.child.pk) not in response.get("Location", "")

"""Finding a child: forgiving on names, exact on identifiers, blind to what one may not open."""

from __future__ import annotations

import datetime as dt

import pytest

from jigsaw.web.audit.models import AuditEvent
from jigsaw.web.children.search import SearchTerms, children_search
from tests.web.cast import HEALTH_SIGNS, JESSICA, SCHOOL_SIGNS, record_concern, verified_client

pytestmark = [pytest.mark.django_db]

# A valid NHS number (check digit 9), as the NHS's own example.
NHS = "9434765919"
TOM = {
    "first_name": "Thomas",
    "last_name": "Wright",
    "dob": (2009, 8, 30),
    "sex": "M",
    "postcode": "NB3 2LX",
    "nhs_number": NHS,
}


@pytest.fixture
def children(cast):
    jess = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "school note")
    tom = record_concern(cast.nurse, TOM, HEALTH_SIGNS, "health note")
    return jess, tom


def found(user, **terms):
    return [r.child.pk for r in children_search(user=user, terms=SearchTerms(**terms))]


def test_a_nickname_finds_the_full_name(cast, children):
    jess, _ = children
    assert found(cast.analyst, name="Jess")[:1] == [jess.child.pk]
    assert found(cast.analyst, name="Jess Okafor")[:1] == [jess.child.pk]
    result = children_search(user=cast.analyst, terms=SearchTerms(name="Jess Okafor"))[0]
    assert "nickname or variant" in result.how


def test_a_typo_and_a_sound_alike_surname_still_find_her(cast, children):
    jess, _ = children
    assert jess.child.pk in found(cast.analyst, name="Jessica Okafur")
    assert jess.child.pk in found(cast.analyst, name="Jesica Okafor")


def test_a_changed_surname_is_found_with_the_first_name_and_date_of_birth(cast, children):
    jess, _ = children
    assert jess.child.pk not in found(cast.analyst, name="Jessica Brown")
    assert jess.child.pk in found(
        cast.analyst, name="Jessica Brown", dob_day=4, dob_month=3, dob_year=2011
    )


def test_a_different_name_is_not_found(cast, children):
    jess, tom = children
    assert jess.child.pk not in found(cast.analyst, name="Priya Okonkwo-Smythe")


def test_identifiers_and_partial_dates(cast, children):
    jess, tom = children
    assert found(cast.analyst, nhs_number=NHS) == [tom.child.pk]
    assert found(cast.analyst, name="Tom Wright", dob_day=30, dob_month=8, dob_year=2009)[:1] == [
        tom.child.pk
    ]
    assert tom.child.pk in found(cast.analyst, dob_year=2009, postcode="NB3 2LX")
    assert tom.child.pk in found(cast.analyst, dob_month=8, dob_year=2009, name="Wright")
    assert tom.child.pk not in found(cast.analyst, dob_year=2010, name="Wright")
    assert tom.child.pk in found(cast.analyst, postcode="NB3", name="Tom")
    reference = tom.concern.record.record_id
    assert found(cast.analyst, reference=reference.upper()) == [tom.child.pk]


def test_an_approximate_age_allows_a_year_either_side(cast, children):
    _, tom = children
    today = dt.date(2026, 12, 1)
    # Born 30 August 2009: 17 on that day.
    for age in (16, 17, 18):
        terms = SearchTerms(name="Wright", age=age)
        assert tom.child.pk in [
            r.child.pk for r in children_search(user=cast.analyst, terms=terms, today=today)
        ]
    terms = SearchTerms(name="Wright", age=13)
    assert tom.child.pk not in [
        r.child.pk for r in children_search(user=cast.analyst, terms=terms, today=today)
    ]


def test_only_children_one_may_open_are_found_and_nothing_hints_at_others(client, cast, children):
    jess, tom = children
    # The teacher recorded Jess, not Tom; another teacher recorded neither.
    assert found(cast.teacher, nhs_number=NHS) == []
    assert found(cast.teacher, name="Jess") == [jess.child.pk]
    assert found(cast.teacher2, name="Jess") == []
    assert found(cast.far_analyst, name="Jess") == []
    page = verified_client(client, cast, "teacher2").get("/children/search/?name=Jessica+Okafor")
    text = page.content.decode()
    assert page.status_code == 200 and "No children found" in text
    assert 'data-testid="result"' not in text and "Showing" not in text


def test_a_practitioner_finds_only_through_their_own_agencys_identity(cast, children):
    """The nurse's record says Thomas; the school's record is not searched for the nurse, so a
    name only another agency uses does not find the child for them."""
    _, tom = children
    record_concern(
        cast.teacher, {**TOM, "first_name": "Tommy", "nhs_number": ""}, SCHOOL_SIGNS, "x"
    )
    assert tom.child.pk in found(cast.teacher, name="Tommy Wright")
    # The school DSL sees the school's record, not the hospital's NHS number.
    assert found(cast.school_dsl, nhs_number=NHS) == []


def test_every_search_is_audited_with_its_terms(client, cast, children):
    jess, _ = children
    before = AuditEvent.objects.filter(event_type="children_searched").count()
    page = verified_client(client, cast, "analyst").get("/children/search/?name=Jess&dob_year=2011")
    assert page.status_code == 200 and "Jessica Okafor" in page.content.decode()
    event = AuditEvent.objects.filter(event_type="children_searched").order_by("-id").first()
    assert AuditEvent.objects.filter(event_type="children_searched").count() == before + 1
    assert event.extra["terms"] == {"name": "Jess", "dob_year": 2011}
    assert jess.child.pk in event.extra["children"]


def test_an_empty_or_bad_search_says_what_to_do(client, cast, children):
    analyst = verified_client(client, cast, "analyst")
    empty = analyst.get("/children/search/?name=")
    assert empty.status_code == 400 and "Enter a name, date of birth" in empty.content.decode()
    day_only = analyst.get("/children/search/?dob_day=3")
    assert (
        day_only.status_code == 400 and "a month and year, or a year" in day_only.content.decode()
    )
    bad = analyst.get("/children/search/?nhs_number=1234567890")
    assert bad.status_code == 400 and "valid 10-digit NHS number" in bad.content.decode()
    assert analyst.get("/children/search/").status_code == 200

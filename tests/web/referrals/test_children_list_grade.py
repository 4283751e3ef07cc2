"""Need to know on the children list: a practitioner sees their own concern's grade, never the
combined grade that other agencies' signs raised (as on the child's profile)."""

from __future__ import annotations

import re

import pytest

from tests.web.cast import HEALTH_SIGNS, JESSICA, POLICE_SIGNS, record_concern, verified_client

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def grade_cells(html: str) -> list[str]:
    return re.findall(r'data-testid="list-grade">\s*<strong class="govuk-tag[^"]*">([^<]+)<', html)


@pytest.fixture
def jessica_known_to_three(cast):
    # The nurse's own sign alone grades lower than the child's combined grade with the police's.
    record_concern(cast.nurse, JESSICA, HEALTH_SIGNS[:1], "Seen at the clinic.")
    outcome = record_concern(
        cast.officer, JESSICA, POLICE_SIGNS + HEALTH_SIGNS[1:], "Seen with older men."
    )
    outcome.child.refresh_from_db()
    return outcome.child


def test_a_practitioner_sees_their_own_concerns_grade_not_the_combined_grade(
    cast, client, jessica_known_to_three
):
    child = jessica_known_to_three
    own = child.links.get(record__agency=cast.health).record.concerns.get().grade_level
    assert child.grade_level != own, "the fixture must make the two grades differ"
    html = verified_client(client, cast, "nurse").get("/children/").content.decode()
    assert "Combined grade" not in html
    assert "Your concern’s grade" in html or "Your concern's grade" in html
    assert [g.lower() for g in grade_cells(html)] == [own]
    # Filtering by the combined grade must not reveal it either.
    combined = verified_client(client, cast, "nurse").get(f"/children/?grade={child.grade_level}")
    assert "Jessica" not in combined.content.decode()
    mine = verified_client(client, cast, "nurse").get(f"/children/?grade={own}")
    assert "Jessica" in mine.content.decode()


def test_the_safeguarding_lead_and_the_mash_see_the_combined_grade(
    cast, client, jessica_known_to_three
):
    child = jessica_known_to_three
    for name in ("analyst",):
        html = verified_client(client, cast, name).get("/children/").content.decode()
        assert "Combined grade" in html
        assert [g.lower() for g in grade_cells(html)] == [child.grade_level]

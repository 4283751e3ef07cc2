"""Partnership leads see counts only, with 1 to 4 shown as <5."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from jigsaw.web.oversight.selectors import area_aggregates_for, suppressed
from tests.web.cast import JESSICA, SCHOOL_SIGNS, record_concern, verified_client

pytestmark = [pytest.mark.django_db]


@pytest.mark.parametrize(("count", "shown"), [(0, "0"), (1, "<5"), (4, "<5"), (5, "5"), (12, "12")])
def test_small_counts_are_suppressed(count, shown):
    assert suppressed(count) == shown


def test_lead_sees_suppressed_counts_of_their_own_area(client, cast):
    for n in range(5):
        record_concern(
            cast.teacher,
            {
                **JESSICA,
                "first_name": f"Pupil{n}",
                "last_name": f"Test{n}",
                "dob": (2010, 1, n + 1),
            },
            SCHOOL_SIGNS,
            "x",
        )
    record_concern(cast.nurse, JESSICA, ["sti_diagnosis"], "y")
    figures = area_aggregates_for(user=cast.lead, today=timezone.localdate())
    by_agency = dict(figures.concerns_by_agency)
    assert (by_agency["School or college"], by_agency["Health"], by_agency["Police"]) == (
        "5",
        "<5",
        "0",
    )
    page = verified_client(client, cast, "lead").get("/oversight/").content.decode()
    assert "&lt;5" in page and "Pupil" not in page and "Okafor" not in page


@pytest.mark.parametrize("name", ["teacher", "analyst", "auditor", "admin"])
def test_only_partnership_leads_see_the_figures(cast, name):
    with pytest.raises(PermissionDenied):
        area_aggregates_for(user=getattr(cast, name), today=timezone.localdate())

"""Partnership leads see counts only: 0 to 4 shown as <5, from a snapshot taken once a day."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from jigsaw.web.children.models import Child
from jigsaw.web.concerns.models import Concern
from jigsaw.web.oversight.models import FiguresSnapshot
from jigsaw.web.oversight.selectors import area_aggregates_for
from tests.web.cast import JESSICA, SCHOOL_SIGNS, record_concern, verified_client

pytestmark = [pytest.mark.django_db]


def _pupils(cast, n: int) -> None:
    for i in range(n):
        record_concern(
            cast.teacher,
            {
                **JESSICA,
                "first_name": f"Pupil{i}",
                "last_name": f"Test{i}",
                "dob": (2010, 1, i + 1),
            },
            SCHOOL_SIGNS,
            "x",
        )


def test_lead_sees_suppressed_counts_of_their_own_area(client, cast):
    _pupils(cast, 5)
    record_concern(cast.nurse, JESSICA, ["sti_diagnosis"], "y")
    # Today's concerns count from tomorrow's figures, which count whole days.
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    figures = area_aggregates_for(user=cast.lead, today=tomorrow)
    by_agency = dict(figures.concerns_by_agency)
    # 5 is shown; 1 (health) and 0 (police) are both small: zero is suppressed too, so "<5"
    # never tells a reader that at least one child is there.
    assert (by_agency["School or college"], by_agency["Health"], by_agency["Police"]) == (
        "5",
        "<5",
        "<5",
    )
    page = verified_client(client, cast, "lead").get("/oversight/").content.decode()
    assert "&lt;5" in page and "Pupil" not in page and "Okafor" not in page
    assert "refreshed once a day" in page


def _tables(page: str) -> list[str]:
    return re.findall(r'<table class="govuk-table" data-testid=.*?</table>', page, flags=re.S)


def test_a_reload_cannot_reveal_a_concern_recorded_in_between(client, cast):
    """The figures a lead sees do not move between reloads until the next day's snapshot."""
    _pupils(cast, 7)
    record_concern(cast.nurse, JESSICA, ["sti_diagnosis"], "y")
    # As if recorded yesterday, so that today's figures count them.
    yesterday = timezone.now() - dt.timedelta(days=1)
    Concern.objects.update(recorded_at=yesterday)
    Child.objects.update(created_at=yesterday)
    lead = verified_client(client, cast, "lead")
    before = _tables(lead.get("/oversight/").content.decode())
    assert len(before) == 2 and "School or college</th><td" in before[1]
    assert (
        dict(area_aggregates_for(user=cast.lead, today=timezone.localdate()).concerns_by_agency)[
            "School or college"
        ]
        == "7"
    )
    # One more concern, between two reloads.
    record_concern(
        cast.teacher,
        {**JESSICA, "first_name": "Pupil9", "last_name": "Test9", "dob": (2010, 2, 9)},
        SCHOOL_SIGNS,
        "z",
    )
    assert _tables(lead.get("/oversight/").content.decode()) == before
    assert (
        dict(area_aggregates_for(user=cast.lead, today=timezone.localdate()).concerns_by_agency)[
            "School or college"
        ]
        == "7"
    )
    # The next refresh (tomorrow's snapshot) counts it.
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    after = area_aggregates_for(user=cast.lead, today=tomorrow)
    assert dict(after.concerns_by_agency)["School or college"] == "8"
    assert FiguresSnapshot.objects.filter(area=cast.lead.profile.area).count() == 2


@pytest.mark.parametrize("name", ["teacher", "analyst", "auditor", "admin"])
def test_only_partnership_leads_see_the_figures(cast, name):
    with pytest.raises(PermissionDenied):
        area_aggregates_for(user=getattr(cast, name), today=timezone.localdate())

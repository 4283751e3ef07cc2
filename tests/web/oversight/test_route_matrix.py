"""The permission matrix of the partnership dashboard's pages: every route, every role.

Only a partnership lead sees the dashboard and takes the return (of their own area only: the
area is the lead's, never a parameter); everyone else is refused (403), and a visitor who is
not signed in is sent to sign in.
"""

from __future__ import annotations

import pytest

from tests.web.cast import verified_client

pytestmark = [pytest.mark.django_db]

ROLES = ("teacher", "school_dsl", "nurse", "analyst", "far_analyst", "lead", "auditor", "admin")
ROUTES = {
    "dashboard": "/oversight/partnership/",
    "return_csv": "/oversight/partnership/return.csv",
    "return_xlsx": "/oversight/partnership/return.xlsx",
    "return_html": "/oversight/partnership/return.html",
}


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_every_route_answers_every_role_as_the_matrix_says(cast, client, route):
    from jigsaw.web.oversight.models import AreaPopulation

    AreaPopulation.objects.create(area=cast.area, children=40_000, source="test")
    answers = {}
    for name in ROLES:
        client.logout()
        answers[name] = verified_client(client, cast, name).get(ROUTES[route]).status_code
    assert answers == {name: 200 if name == "lead" else 403 for name in ROLES}
    client.logout()
    anonymous = client.get(ROUTES[route])
    assert anonymous.status_code == 302 and "/accounts/sign-in/" in anonymous["Location"]


def test_an_unknown_format_is_not_found(cast, client):
    assert (
        verified_client(client, cast, "lead").get("/oversight/partnership/return.pdf").status_code
        == 404
    )


def test_an_area_with_no_known_population_is_told_so_not_shown_made_up_rates(cast, client):
    lead = verified_client(client, cast, "lead")
    page = lead.get("/oversight/partnership/").content.decode()
    assert "no child population is known for Northbridge (E99000001)" in page
    assert lead.get("/oversight/partnership/return.csv").status_code == 400


def test_an_empty_partnership_says_plainly_there_is_nothing_to_estimate(cast, client):
    from django.utils import timezone

    from jigsaw.web.oversight.dashboard import snapshots_refresh
    from jigsaw.web.oversight.models import AreaPopulation

    AreaPopulation.objects.create(area=cast.area, children=40_000, source="test")
    snapshots_refresh(timezone.localdate(), areas=[cast.area])
    page = verified_client(client, cast, "lead").get("/oversight/partnership/").content.decode()
    # Northbridge's agencies identified no child: no dark figure, said plainly; no published
    # figure for a code that is not an English LA.
    assert "Too few lists to estimate" in page
    assert "no published DfE figure for E99000001" in page

"""Who gets what from each route these pages added: rows for the permission matrix.

``role_required`` refuses other roles (403); the selectors answer a child, link or concern one
may not touch as a missing one (404).
"""

from __future__ import annotations

import pytest
from django.test import Client

from jigsaw.web.children.models import Link
from jigsaw.web.refs import ref
from tests.web.cast import (
    HEALTH_SIGNS,
    JESSICA,
    SCHOOL_SIGNS,
    record_concern,
    unsure_identity,
    verified_client,
)

pytestmark = [pytest.mark.django_db]

USERS = (
    "teacher",
    "teacher2",
    "school_dsl",
    "nurse",
    "officer",
    "analyst",
    "far_analyst",
    "lead",
    "auditor",
    "admin",
)


@pytest.fixture
def routes(cast):
    school = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "school note")
    record_concern(cast.nurse, unsure_identity(), HEALTH_SIGNS, "health note")
    link = Link.objects.get(status="pending")
    concern = school.concern.pk
    everyone = dict.fromkeys(USERS, 200)
    recorders = {
        "teacher": 200,
        "teacher2": 200,
        "school_dsl": 200,
        "nurse": 200,
        "officer": 200,
        "analyst": 200,
        "far_analyst": 200,
        "lead": 403,
        "auditor": 403,
        "admin": 403,
    }
    return {
        "/children/search/": recorders,
        "/concerns/": recorders,
        f"/children/links/{ref(link.pk)}/": {
            **dict.fromkeys(USERS, 403),
            "analyst": 200,
            "far_analyst": 404,
        },
        f"/children/links/{ref(link.pk)}/undo/": {
            **dict.fromkeys(USERS, 403),
            "analyst": 302,
            "far_analyst": 404,
        },
        f"/children/links/{ref(link.pk)}/decide/": {
            **dict.fromkeys(USERS, 403),
            "analyst": 302,
            "far_analyst": 302,
        },
        f"/concerns/{ref(concern)}/amend/": {
            **dict.fromkeys(USERS, 404),
            "teacher": 200,
            "school_dsl": 200,
            "lead": 403,
            "auditor": 403,
            "admin": 403,
        },
        "/about/accessibility/": everyone,
        "/about/privacy/": everyone,
        "/about/cookies/": everyone,
    }


def test_each_added_route_answers_each_role_as_the_rules_say(cast, routes):
    for name in USERS:
        client = verified_client(Client(), cast, name)
        for path, expected in routes.items():
            assert client.get(path).status_code == expected[name], (path, name)


def test_information_pages_need_no_sign_in_and_the_rest_do(cast, routes):
    anonymous = Client()
    for path in routes:
        status = anonymous.get(path).status_code
        assert status == (200 if path.startswith("/about/") else 302), path

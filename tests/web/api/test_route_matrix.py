"""The permission matrix of the API's and the import's routes: every route, every role (pages) or
every kind of token (API), the answer expected."""

from __future__ import annotations

import pytest

from jigsaw.web.api.services import token_create, token_revoke
from jigsaw.web.refs import ref
from tests.web.cast import JESSICA, SCHOOL_SIGNS, record_concern, verified_client

pytestmark = pytest.mark.django_db

ROLES = ("teacher", "school_dsl", "nurse", "analyst", "far_analyst", "lead", "auditor", "admin")


def test_every_page_route_answers_every_role(cast, client):
    token = token_create(actor=cast.admin, agency=cast.school, name="MIS", scopes=["concerns:read"])
    routes = {
        "/api-tokens/": {"admin": 200},
        f"/api-tokens/{ref(token.record.pk)}/revoke/": {"admin": 302},  # GET only goes back
        "/imports/": {"admin": 200, "school_dsl": 200},
        "/imports/columns/": {"admin": 302, "school_dsl": 302},  # nothing uploaded yet
        "/imports/problems.csv": {"admin": 200, "school_dsl": 200},
        "/imports/progress/": {"admin": 302, "school_dsl": 302},  # no import started
    }
    answers, wanted = {}, {}
    for name in ROLES:
        verified_client(client, cast, name)
        for path, allowed in routes.items():
            answers[(path, name)] = client.get(path).status_code
            wanted[(path, name)] = allowed.get(name, 403)
        client.logout()
    assert answers == wanted


def test_every_api_route_answers_every_kind_of_token(cast, client):
    concern = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "note").concern
    make = {
        "submit": ("school", ["concerns:submit"]),
        "read": ("school", ["concerns:read"]),
        "other_agency": ("health", ["concerns:read", "concerns:submit"]),
        "aggregates": ("council", ["aggregates:read"]),
        "mash": ("council", ["referrals:read"]),
        "revoked": ("school", ["concerns:read", "concerns:submit"]),
    }
    tokens = {}
    for kind, (agency, scopes) in make.items():
        new = token_create(actor=cast.admin, agency=getattr(cast, agency), name=kind, scopes=scopes)
        tokens[kind] = new.token
        if kind == "revoked":
            token_revoke(actor=cast.admin, token=new.record)
    tokens["none"] = ""
    body = {
        "record_id": concern.record.record_id,
        "seen_on": "1/11/2026",
        "indicators": ["older_associates"],
    }
    routes = {
        ("post", "/api/v1/concerns"): {"submit": 201, "other_agency": 403},
        ("get", "/api/v1/concerns"): {"read": 200, "other_agency": 200},
        ("get", f"/api/v1/concerns/{concern.pk}"): {"read": 200, "other_agency": 404},
        ("get", "/api/v1/aggregates"): {"aggregates": 200},
        ("get", "/api/v1/referrals"): {"mash": 200},
        ("get", "/api/openapi.json"): dict.fromkeys(tokens, 200),
    }
    answers, wanted = {}, {}
    for kind, token in tokens.items():
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        for (method, path), allowed in routes.items():
            if method == "post":
                answer = client.post(path, body, content_type="application/json", **headers)
            else:
                answer = client.get(path, **headers)
            answers[(path, method, kind)] = answer.status_code
            wanted[(path, method, kind)] = allowed.get(kind, 401 if kind == "none" else 403)
    assert answers == wanted

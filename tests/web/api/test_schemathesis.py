"""Schemathesis against the running app: every operation of /api/openapi.json, with generated
inputs, through the whole Django stack (WSGI, middleware, token, services, database).

Checked for every response, of valid and of invalid requests: no server error, a documented
status code, a body and content type that match the schema. Not checked: that any input the
schema allows is accepted, since the schema cannot say which strings are a real date in a UK
form, a catalogue indicator or a valid NHS number (those are refused with a 422 naming the field,
which the schema documents); nor that an unknown query parameter is refused (it is ignored, as
HTTP APIs commonly do).
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from jigsaw.web.api.services import token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_schema(db):
    # As Django's test client does: the test's transaction must outlive each request, so the
    # handler may not close the connection when a request ends.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(cast, settings):
    settings.JIGSAW_API_CALLS_PER_MINUTE = 100_000
    agency = token_create(
        actor=cast.admin,
        agency=cast.school,
        name="School MIS",
        scopes=["concerns:submit", "concerns:read"],
    )
    lead = token_create(
        actor=cast.admin, agency=cast.council, name="Dashboard", scopes=["aggregates:read"]
    )
    mash = token_create(
        actor=cast.admin, agency=cast.council, name="MASH tools", scopes=["referrals:read"]
    )
    return {"agency": agency.token, "lead": lead.token, "mash": mash.token}


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
OPERATIONS = ["concern_submit", "concern_list", "concern_status", "aggregates", "referral_list"]
# The token each operation is called with (the agency's system by default).
TOKEN_OF = {"aggregates": "lead", "referral_list": "mash"}


def test_every_operation_is_tested(api_schema):
    assert sorted(
        r.ok().definition.raw["operationId"] for r in api_schema.get_all_operations()
    ) == sorted(OPERATIONS)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_every_operation_answers_by_its_schema(api_schema, tokens, operation_id, mode):
    operation = api_schema.find_operation_by_id(operation_id)
    token = tokens[TOKEN_OF.get(operation_id, "agency")]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=30,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def check(case):
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

    check()

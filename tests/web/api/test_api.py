"""The API: tokens (scoped, hashed, expiring, revocable), the three operations, the audit of every
call and the rate limit, through the real app (Django's test client, the whole middleware)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from jigsaw.web.api.models import ApiToken
from jigsaw.web.api.services import token_create, token_revoke
from jigsaw.web.audit.models import AuditEvent
from jigsaw.web.concerns.models import Concern
from jigsaw.web.refs import ref
from tests.web.cast import JESSICA, SCHOOL_SIGNS, record_concern, verified_client

pytestmark = pytest.mark.django_db


def _token(cast, agency=None, scopes=("concerns:submit", "concerns:read"), **kwargs):
    return token_create(
        actor=cast.admin,
        agency=agency or cast.school,
        name="School MIS",
        scopes=list(scopes),
        **kwargs,
    )


def _auth(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


JESSICA_IN = {
    "first_name": "Jessica",
    "last_name": "Okafor",
    "dob": "04/03/2011",
    "sex": "F",
    "postcode": "NB1 4QT",
}


def test_token_is_shown_once_and_stored_hashed(cast):
    new = _token(cast)
    stored = ApiToken.objects.get(pk=new.record.pk)
    assert new.token.startswith("jgs_") and len(new.token) > 40
    assert stored.digest == hashlib.sha256(new.token.encode()).hexdigest()
    assert new.token not in str(list(ApiToken.objects.values()))
    assert new.token not in str(list(AuditEvent.objects.values()))
    # The token's account can never sign in to the pages.
    assert not stored.account.has_usable_password()


def test_only_the_areas_administrator_creates_tokens_and_scopes_are_of_one_role(cast):
    with pytest.raises(PermissionDenied):
        token_create(actor=cast.school_dsl, agency=cast.school, name="x", scopes=["concerns:read"])
    with pytest.raises(PermissionDenied):
        token_create(actor=cast.admin, agency=cast.far_council, name="x", scopes=["concerns:read"])
    with pytest.raises(ValidationError):
        _token(cast, scopes=["concerns:read", "aggregates:read"])
    with pytest.raises(ValidationError):
        _token(cast, scopes=["children:delete"])


def test_submit_a_concern_links_and_grades_as_the_form_does(cast, client):
    new = _token(cast)
    body = {
        "child": JESSICA_IN,
        "seen_on": "1 Nov 2026",
        "indicators": ["Unexplained absence from school", "gifts_from_older_people"],
        "note": "seen with older men",
    }
    answer = client.post(
        "/api/v1/concerns", body, content_type="application/json", **_auth(new.token)
    )
    assert answer.status_code == 201, answer.content
    data = answer.json()
    concern = Concern.objects.get(pk=data["id"])
    # Labels and ids both name catalogue indicators; the concern is graded as intake grades it.
    assert concern.indicators == SCHOOL_SIGNS
    assert data["grade"]["level"] == concern.grade_level
    # The workflow's first step: a contact waiting for the school's safeguarding lead.
    assert data["referral"] == {"status": "contact new", "decision": None, "feedback": None}
    assert data["new_record"] is True
    assert concern.recorded_by == new.record.account
    assert concern.record.agency == cast.school
    # Every call is audited with the token's identity, and so is what it did.
    events = AuditEvent.objects.filter(actor=new.record.account).values_list(
        "event_type", flat=True
    )
    assert {"api_called", "concern_recorded", "record_created"} <= set(events)
    called = AuditEvent.objects.get(event_type="api_called", actor=new.record.account)
    assert called.extra["token"] == new.record.prefix and called.extra["scope"] == "concerns:submit"


def test_bad_fields_are_named(cast, client):
    new = _token(cast)
    body = {
        "child": {**JESSICA_IN, "dob": "31/02/2011", "nhs_number": "1234567890"},
        "seen_on": "tomorrow",
        "indicators": ["not_a_sign"],
    }
    answer = client.post(
        "/api/v1/concerns", body, content_type="application/json", **_auth(new.token)
    )
    assert answer.status_code == 422
    fields = {error["field"] for error in answer.json()["errors"]}
    assert fields == {"child.dob", "child.nhs_number", "seen_on", "indicators"}
    assert not Concern.objects.filter(recorded_by=new.record.account).exists()


def test_a_token_reads_only_its_own_agencys_concerns(cast, client):
    school = _token(cast)
    health = _token(cast, agency=cast.health)
    mine = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "school's words").concern
    theirs = record_concern(
        cast.nurse, {**JESSICA, "first_name": "Jess"}, ["sti_diagnosis"], "health's words"
    ).concern
    listed = client.get("/api/v1/concerns", **_auth(school.token)).json()
    ids = {row["id"] for row in listed["results"]}
    assert mine.pk in ids and theirs.pk not in ids
    assert "words" not in str(listed)  # no free text in a status, even one's own
    assert client.get(f"/api/v1/concerns/{mine.pk}", **_auth(school.token)).status_code == 200
    # Another agency's concern answers exactly as a missing one does.
    other = client.get(f"/api/v1/concerns/{theirs.pk}", **_auth(school.token))
    missing = client.get("/api/v1/concerns/999999999", **_auth(school.token))
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    assert client.get(f"/api/v1/concerns/{theirs.pk}", **_auth(health.token)).status_code == 200


def test_a_token_of_another_area_never_reads_this_area(cast, client):
    from jigsaw.web.accounts.services import user_create

    far_admin, _ = user_create(
        username="far_admin",
        password="x",  # noqa: S106
        role="administrator",
        agency=cast.far_council,
        validate=False,
    )
    far = token_create(
        actor=far_admin,
        agency=cast.far_council,
        name="Southmoor case system",
        scopes=["concerns:read"],
    )
    mine = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "note").concern
    assert client.get("/api/v1/concerns", **_auth(far.token)).json()["results"] == []
    assert client.get(f"/api/v1/concerns/{mine.pk}", **_auth(far.token)).status_code == 404
    lead = token_create(
        actor=far_admin, agency=cast.far_council, name="Dashboard", scopes=["aggregates:read"]
    )
    figures = client.get("/api/v1/aggregates", **_auth(lead.token)).json()
    assert figures["area"] == "Southmoor"


def test_expired_revoked_unknown_and_unscoped_tokens_are_refused(cast, client):
    expired = _token(cast, lifetime=dt.timedelta(minutes=1))
    ApiToken.objects.filter(pk=expired.record.pk).update(expires_at=timezone.now())
    revoked = _token(cast)
    token_revoke(actor=cast.admin, token=revoked.record)
    reader = _token(cast, scopes=["concerns:read"])
    assert client.get("/api/v1/concerns", **_auth(expired.token)).status_code == 403
    assert client.get("/api/v1/concerns", **_auth(revoked.token)).status_code == 403
    assert client.get("/api/v1/concerns", **_auth(revoked.token[:-2] + "xx")).status_code == 401
    assert client.get("/api/v1/concerns").status_code == 401
    assert client.get("/api/v1/aggregates", **_auth(reader.token)).status_code == 403
    answer = client.post(
        "/api/v1/concerns",
        {"child": JESSICA_IN, "seen_on": "1/11/2026", "indicators": SCHOOL_SIGNS},
        content_type="application/json",
        **_auth(reader.token),
    )
    assert answer.status_code == 403
    refused = AuditEvent.objects.filter(event_type="api_call_refused")
    assert sorted(e.extra["reason"] for e in refused) == [
        "expired",
        "not allowed aggregates:read",
        "not allowed concerns:submit",
        "revoked",
    ]


def test_aggregates_are_the_partnership_leads_suppressed_counts(cast, client):
    lead = _token(cast, agency=cast.council, scopes=["aggregates:read"])
    answer = client.get("/api/v1/aggregates", **_auth(lead.token))
    assert answer.status_code == 200
    from jigsaw.web.oversight.selectors import area_aggregates_for

    data = answer.json()
    page = area_aggregates_for(user=cast.lead, today=timezone.localdate())
    # The same selector as the partnership lead's page, so the same suppressed counts.
    assert data["area"] == page.area == "Northbridge"
    assert [(r["label"], r["count"]) for r in data["children_by_grade"]] == page.children_by_grade
    assert [(r["label"], r["count"]) for r in data["concerns_by_agency"]] == page.concerns_by_agency
    assert all(r["count"] == "<5" or int(r["count"]) >= 5 for r in data["children_by_grade"])


def test_the_rate_limit_refuses_calls_past_the_limit(cast, client, settings):
    settings.JIGSAW_API_CALLS_PER_MINUTE = 3
    new = _token(cast)
    codes = [client.get("/api/v1/concerns", **_auth(new.token)).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]


def test_the_openapi_document_lists_every_operation(client):
    document = client.get("/api/openapi.json").json()
    assert document["openapi"].startswith("3.")
    operations = {(method, path) for path, item in document["paths"].items() for method in item}
    assert operations == {
        ("post", "/api/v1/concerns"),
        ("get", "/api/v1/concerns"),
        ("get", "/api/v1/concerns/{concern_id}"),
        ("get", "/api/v1/aggregates"),
        ("get", "/api/v1/referrals"),
    }


def test_the_administrators_page_creates_shows_once_and_revokes(cast, client):
    admin = verified_client(client, cast, "admin")
    page = admin.post(
        "/api-tokens/",
        {"name": "School MIS", "agency": cast.school.pk, "scopes": ["concerns:read"], "days": 30},
    )
    assert page.status_code == 200
    token = ApiToken.objects.get(name="School MIS")
    html = page.content.decode()
    start = html.index('id="new-token">') + len('id="new-token">')
    text = html[start : html.index("<", start)]
    assert hashlib.sha256(text.encode()).hexdigest() == token.digest
    assert text not in admin.get("/api-tokens/").content.decode()
    admin.post(f"/api-tokens/{ref(token.pk)}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.get("/api/v1/concerns", **_auth(text)).status_code == 403


def test_the_referrals_state_reaches_the_agency_that_recorded_the_concern(cast, client):
    from jigsaw.web.referrals.services import referral_create

    school = _token(cast)
    saved = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "note")
    referral_create(
        actor=cast.school_dsl,
        child=saved.child,
        source="dsl",
        concern=saved.concern,
        reason="the lead's own words",
    )
    status = client.get(f"/api/v1/concerns/{saved.concern.pk}", **_auth(school.token)).json()
    assert status["referral"] == {"status": "referral open", "decision": None, "feedback": None}
    assert "own words" not in str(status)

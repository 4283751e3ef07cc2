"""The MASH's referral list for its own tools: a token of the MASH's area with the named action
``referrals:read`` reads its area's referrals, paged, with what the MASH may see; never another
area's; every call and every child listed is audited."""

from __future__ import annotations

import pytest
from django.utils import timezone

from jigsaw.web.api.services import token_create
from jigsaw.web.audit.models import AuditEvent
from jigsaw.web.children.models import Child
from jigsaw.web.referrals.models import ReferralSource
from jigsaw.web.referrals.services import referral_create
from tests.web.cast import JESSICA, SCHOOL_SIGNS, record_concern

pytestmark = pytest.mark.django_db


def _auth(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _referrals(cast, how_many: int) -> list:
    """``how_many`` referrals in the cast's area (Jessica's child) and one in the far area."""
    saved = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "seen with an older man")
    child = Child.objects.get(pk=saved.child.pk)
    made = []
    for number in range(how_many):
        made.append(
            referral_create(
                actor=None,
                child=child,
                source=ReferralSource.THRESHOLD,
                concern=saved.concern,
                reason=f"reason {number} for the MASH",
            )
        )
    far_child = Child.objects.create(area=cast.far_council.area, created_at=timezone.now())
    referral_create(actor=None, child=far_child, source=ReferralSource.THRESHOLD, reason="far away")
    return made


def test_the_mash_token_reads_its_areas_referrals_paged_and_never_another_areas(cast, client):
    made = _referrals(cast, 3)
    token = token_create(
        actor=cast.admin, agency=cast.council, name="MASH tools", scopes=["referrals:read"]
    ).token
    first = client.get("/api/v1/referrals?limit=2", **_auth(token)).json()
    second = client.get("/api/v1/referrals?limit=2&offset=2", **_auth(token)).json()
    assert first["count"] == second["count"] == 3
    ids = [r["id"] for r in first["results"] + second["results"]]
    assert ids == [r.pk for r in reversed(made)]  # newest first, each once
    row = first["results"][0]
    # What the MASH may see: the child's name from any agency's record and the referral's reason.
    assert row["child_name"] == f"{JESSICA['first_name']} {JESSICA['last_name']}"
    assert row["reason"] == "reason 2 for the MASH" and row["state"] == "open"
    assert row["source"] == "threshold" and row["due"] is not None
    assert "far away" not in str(first) + str(second)
    listed = AuditEvent.objects.filter(event_type="children_listed").order_by("-seq").first()
    assert listed.extra["purpose"] == "MASH referrals list (API)"
    assert listed.extra["children"] == [made[0].child_id]  # the second page: one referral
    assert AuditEvent.objects.filter(event_type="api_called").count() == 2


def test_the_far_areas_mash_token_sees_only_the_far_areas_referral(cast, client):
    from jigsaw.web.accounts.models import Role
    from jigsaw.web.accounts.services import user_create

    _referrals(cast, 2)
    far_admin, _ = user_create(
        username="far.admin",
        password="a long synthetic passphrase 42",  # noqa: S106 - a test account
        role=Role.ADMINISTRATOR,
        agency=cast.far_council,
        validate=False,
    )
    token = token_create(
        actor=far_admin, agency=cast.far_council, name="MASH tools", scopes=["referrals:read"]
    ).token
    page = client.get("/api/v1/referrals", **_auth(token)).json()
    assert page["count"] == 1 and page["results"][0]["reason"] == "far away"


def test_the_referral_list_needs_its_named_action(cast, client):
    _referrals(cast, 1)
    school = token_create(
        actor=cast.admin, agency=cast.school, name="MIS", scopes=["concerns:read"]
    ).token
    refused = client.get("/api/v1/referrals", **_auth(school))
    assert refused.status_code == 403
    assert AuditEvent.objects.filter(event_type="api_call_refused").exists()
    assert client.get("/api/v1/referrals").status_code == 401


def test_closed_referrals_are_listed_only_when_asked(cast, client):
    from jigsaw.web.referrals.models import Referral

    made = _referrals(cast, 2)
    Referral.objects.filter(pk=made[0].pk).update(
        state="closed",
        closed_at=timezone.now(),
        decision="no_further_action",
        decision_reason="no concerns found",
        outcome="other_need",
        close_reason="supported by early help",
    )
    token = token_create(
        actor=cast.admin, agency=cast.council, name="MASH tools", scopes=["referrals:read"]
    ).token
    assert client.get("/api/v1/referrals", **_auth(token)).json()["count"] == 1
    every = client.get("/api/v1/referrals?include_closed=true", **_auth(token)).json()
    assert every["count"] == 2

"""`jigsaw demo`'s named step makes one working token for the school's system."""

from __future__ import annotations

import pytest

from jigsaw.web.api.models import ApiToken
from jigsaw.web.demo import _demo_api_token
from tests.web.cast import JESSICA, SCHOOL_SIGNS, record_concern

pytestmark = pytest.mark.django_db


def test_the_demo_token_reads_the_schools_concerns(cast, client):
    text = _demo_api_token({"education": cast.school})
    token = ApiToken.objects.get(prefix=text[:10])
    assert token.agency == cast.school and token.account.profile.role == "dsl"
    concern = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "note").concern
    answer = client.get("/api/v1/concerns", HTTP_AUTHORIZATION=f"Bearer {text}")
    assert answer.status_code == 200
    assert [row["id"] for row in answer.json()["results"]] == [concern.pk]

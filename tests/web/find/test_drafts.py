"""A concern being written when the session ends is kept for its writer, and only for them."""

from __future__ import annotations

import re

import pytest

from jigsaw.web.concerns.models import Concern, ConcernDraft
from tests.web.cast import verified_client

pytestmark = [pytest.mark.django_db]

NOTE = "Seen getting into a taxi with two older men after school."


def _token(page: str) -> str:
    return re.search(r'name="draft_owner" value="([^"]+)"', page).group(1)


def test_the_text_survives_the_session_ending_and_returns_after_sign_in(client, cast):
    teacher = verified_client(client, cast, "teacher")
    token = _token(teacher.get("/concerns/new/").content.decode())
    client.logout()  # the session ends while the form is open
    sent = client.post(
        "/concerns/new/",
        {
            "draft_owner": token,
            "first_name": "Jess",
            "note": NOTE,
            "indicators": ["older_associates"],
            "action": "save",
        },
    )
    assert sent.status_code == 302 and "/accounts/sign-in/" in sent["Location"]
    assert Concern.objects.filter(note=NOTE).count() == 0
    assert ConcernDraft.objects.get(user=cast.teacher).data["note"] == [NOTE]

    back = verified_client(client, cast, "teacher")
    home = back.get("/")
    assert home.status_code == 302 and home["Location"] == "/concerns/new/?draft=1"
    page = back.get(home["Location"]).content.decode()
    assert "What you had written was kept" in page and NOTE in page
    assert 'value="Jess"' in page and 'id="indicator-older_associates"' in page
    assert re.search(r'id="indicator-older_associates"[^>]*checked', page)
    assert not ConcernDraft.objects.exists()
    assert back.get("/").status_code == 200


def test_a_draft_is_given_only_to_its_writer_and_needs_a_real_token(client, cast):
    teacher = verified_client(client, cast, "teacher")
    token = _token(teacher.get("/concerns/new/").content.decode())
    client.logout()
    client.post("/concerns/new/", {"draft_owner": token + "x", "note": NOTE})
    assert not ConcernDraft.objects.exists()
    client.post("/concerns/new/", {"draft_owner": token, "note": NOTE})
    other = verified_client(client, cast, "teacher2")
    assert other.get("/").status_code == 200
    assert NOTE not in other.get("/concerns/new/").content.decode()
    assert ConcernDraft.objects.filter(user=cast.teacher).count() == 1

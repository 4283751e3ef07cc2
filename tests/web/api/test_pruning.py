"""Rows that only count within a window are removed once the window has passed: a token keeps
one rate-limit row, not one per minute it was ever used, and the sign-in throttle keeps only the
last window's (username, address) pairs, however many usernames are tried."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jigsaw.web.accounts.models import SignInThrottle
from jigsaw.web.accounts.selectors import SIGN_IN_WINDOW
from jigsaw.web.accounts.services import throttles_prune
from jigsaw.web.api.models import ApiCallWindow
from jigsaw.web.api.services import api_call_begin, token_create

pytestmark = pytest.mark.django_db


def test_a_tokens_earlier_minutes_are_removed_at_its_first_call_of_a_minute(cast):
    token = token_create(actor=cast.admin, agency=cast.school, name="MIS", scopes=["concerns:read"])
    start = timezone.now().replace(second=5, microsecond=0)
    for minute in range(5):
        for _ in range(3):
            api_call_begin(
                token_text=token.token,
                scope="concerns:read",
                method="GET",
                path="/api/v1/concerns",
                now=start + dt.timedelta(minutes=minute),
            )
    rows = list(ApiCallWindow.objects.filter(token=token.record).values_list("window", "calls"))
    # Only the last minute's row is left, with its own three calls counted.
    assert rows == [(start.replace(second=0) + dt.timedelta(minutes=4), 3)]


def test_expired_sign_in_throttle_rows_are_removed_before_each_attempt(cast, client):
    now = timezone.now()
    old = now - SIGN_IN_WINDOW - dt.timedelta(seconds=1)
    SignInThrottle.objects.bulk_create(
        [
            SignInThrottle(username=f"guess{n}", address="192.0.2.7", failures=3, window_start=old)
            for n in range(50)
        ]
        + [SignInThrottle(username="recent", address="192.0.2.8", failures=2, window_start=now)]
    )
    client.post("/accounts/sign-in/", {"username": "teacher", "password": "wrong"})
    left = set(SignInThrottle.objects.values_list("username", "failures"))
    # The expired guesses are gone; the live window and the new attempt's own row stay.
    assert ("recent", 2) in left and len(left) == 2
    assert not any(name.startswith("guess") for name, _ in left)


def test_pruning_keeps_a_row_inside_its_window_and_the_attempts_own_row(cast):
    now = timezone.now()
    SignInThrottle.objects.bulk_create(
        [
            SignInThrottle(
                username="a", address="x", failures=5, window_start=now - SIGN_IN_WINDOW
            ),
            SignInThrottle(
                username="b", address="x", failures=5, window_start=now - SIGN_IN_WINDOW
            ),
            SignInThrottle(
                username="c",
                address="x",
                failures=5,
                window_start=now - SIGN_IN_WINDOW + dt.timedelta(seconds=1),
            ),
        ]
    )
    assert throttles_prune(now=now, keep=("b", "x")) == 1
    assert set(SignInThrottle.objects.values_list("username", flat=True)) == {"b", "c"}

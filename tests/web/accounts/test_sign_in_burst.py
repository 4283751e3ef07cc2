"""Guessing in parallel: real concurrent requests against a live server (each request its own
thread and PostgreSQL connection). At most 5 passwords per username and address are ever tried."""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.parse
import urllib.request

import pytest

from jigsaw.web.audit.models import AuditEvent
from tests.web.cast import PASSWORD, Cast

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class Browser:
    """One client with its own cookies, ready to post the sign-in form."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect
        )
        page = self.opener.open(f"{base}/accounts/sign-in/").read().decode()
        self.csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    def sign_in(self, username: str, password: str) -> tuple[int, str, str]:
        data = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": self.csrf, "username": username, "password": password}
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - the live server's own http URL
            f"{self.base}/accounts/sign-in/", data=data, headers={"Referer": self.base}
        )
        try:
            response = self.opener.open(request)
            return response.status, response.headers.get("Location", ""), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", ""), error.read().decode()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _burst(live_server, attempts: list[str]) -> list[tuple[int, str, str]]:
    browsers = [Browser(live_server.url) for _ in attempts]
    start = threading.Barrier(len(attempts))
    results: list = [None] * len(attempts)

    def go(i: int) -> None:
        start.wait()
        results[i] = browsers[i].sign_in("teacher", attempts[i])

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(attempts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_a_burst_of_parallel_guesses_is_counted_and_the_right_password_does_not_slip_in(
    live_server,
):
    Cast()
    # 19 wrong guesses and the right password, all released at once. Whichever order the server
    # takes them in, only 5 wrong ones are tried, and the right one only if it came before them.
    attempts = [f"wrong guess {i}" for i in range(19)] + [PASSWORD]
    results = _burst(live_server, attempts)
    locked = [r for r in results if "Too many failed attempts" in r[2]]
    failed = [r for r in results if "username or password is wrong" in r[2]]
    signed_in = [r for r in results if r[0] == 302 and r[1] == "/accounts/verify/"]
    assert len(locked) + len(failed) + len(signed_in) == 20, [r[:2] for r in results]
    # Exactly 5 wrong passwords were tried; the right one only if it came before the 5th.
    assert len(failed) == 5
    assert len(signed_in) <= 1 and len(locked) == 15 - len(signed_in)
    # The audit says the same.
    assert AuditEvent.objects.filter(
        event_type="sign_in_failed", extra__locked=True
    ).count() == len(locked)
    assert AuditEvent.objects.filter(
        event_type="signed_in", extra__factor="password"
    ).count() == len(signed_in)


def test_guesses_from_another_address_do_not_lock_the_user_out_of_their_own(live_server):
    from django.test import Client

    Cast()
    results = _burst(live_server, [f"attacker guess {i}" for i in range(8)])
    assert sum("Too many failed attempts" in r[2] for r in results) == 3
    # The live server saw 127.0.0.1; the user signs in from their own desk's address.
    desk = Client(REMOTE_ADDR="10.1.2.3")
    response = desk.post("/accounts/sign-in/", {"username": "teacher", "password": PASSWORD})
    assert response["Location"] == "/accounts/verify/"

"""Sign-in: password then TOTP for everyone; Argon2 hashes; expiring sessions; deny by default."""

from __future__ import annotations

import re
import time

import pytest
from django.conf import settings
from django_otp.oath import TOTP

from jigsaw.web.audit.models import AuditEvent
from tests.web.cast import PASSWORD, verified_client

pytestmark = [pytest.mark.django_db]


def _code(device) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def test_healthz_answers_ok_without_signing_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_passwords_are_hashed_with_argon2(cast):
    from jigsaw.web import settings as project_settings

    assert (
        project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    )
    assert cast.teacher.password.startswith("argon2$argon2id$")


def test_every_page_needs_a_signed_in_user(client):
    from jigsaw.web.refs import ref

    for path in ("/", "/concerns/new/", f"/children/{ref(1)}/", "/audit/", "/oversight/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == "/accounts/sign-in/"


def test_password_alone_does_not_open_the_service(client, cast):
    response = client.post("/accounts/sign-in/", {"username": "teacher", "password": PASSWORD})
    assert response["Location"] == "/accounts/verify/"
    assert client.get("/concerns/new/")["Location"] == "/accounts/verify/"


def test_wrong_totp_code_is_refused_then_throttled_and_right_one_admits(client, cast):
    client.post("/accounts/sign-in/", {"username": "teacher", "password": PASSWORD})
    good = _code(cast.devices["teacher"])
    bad = f"{(int(good) + 1) % 1_000_000:06d}"
    response = client.post("/accounts/verify/", {"token": bad})
    assert response.status_code == 200
    assert b"The code is wrong" in response.content
    # django-otp throttles after a failure: even the right code waits a second (brute force).
    assert client.post("/accounts/verify/", {"token": good}).status_code == 200
    time.sleep(1.1)
    response = client.post("/accounts/verify/", {"token": good})
    assert response["Location"] == "/"
    assert client.get("/concerns/new/").status_code == 200


def test_wrong_password_is_audited_without_the_password_or_the_typed_username(client, cast):
    client.post("/accounts/sign-in/", {"username": "teacher", "password": "nope nope nope"})
    event = AuditEvent.objects.get(event_type="sign_in_failed")
    # The account is the subject; nothing typed is stored.
    assert (event.subject_type, event.subject_id) == ("user", str(cast.teacher.pk))
    assert event.extra == {"account": "known", "address": "127.0.0.1"}
    # People type their password into the username field: that text is never stored.
    typed = "correct horse battery staple 42"
    client.post("/accounts/sign-in/", {"username": typed, "password": ""})
    client.post("/accounts/sign-in/", {"username": typed, "password": "x"})
    event = AuditEvent.objects.filter(event_type="sign_in_failed").order_by("-id").first()
    assert event.subject_id == "" and event.extra == {"account": "unknown", "address": "127.0.0.1"}
    stored = [
        str(row) for row in AuditEvent.objects.values_list("extra", "subject_id", "actor_label")
    ]
    assert not any("horse" in row for row in stored)


def test_user_without_a_device_must_enrol_first(client, cast):
    cast.devices["nurse"].delete()
    client.post("/accounts/sign-in/", {"username": "nurse", "password": PASSWORD})
    assert client.get("/accounts/verify/")["Location"] == "/accounts/set-up-authenticator/"
    page = client.get("/accounts/set-up-authenticator/")
    assert b"<svg" in page.content
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=cast.nurse, confirmed=False)
    response = client.post("/accounts/set-up-authenticator/", {"token": _code(device)})
    assert response["Location"] == "/"
    assert AuditEvent.objects.filter(
        event_type="totp_enrolled", subject_id=str(cast.nurse.pk)
    ).exists()


def test_sessions_expire_after_fifteen_idle_minutes():
    assert settings.SESSION_COOKIE_AGE == 15 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_pages_carry_a_strict_content_security_policy(client, cast):
    response = verified_client(client, cast, "teacher").get("/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("name", "path", "status"),
    [
        ("teacher", "/concerns/new/", 200),
        ("teacher", "/audit/", 403),
        ("teacher", "/oversight/", 403),
        ("teacher", "/children/mash/", 403),
        ("analyst", "/children/mash/", 200),
        ("lead", "/oversight/", 200),
        ("lead", "/concerns/new/", 403),
        ("lead", "/children/", 403),
        ("auditor", "/audit/", 200),
        ("auditor", "/concerns/new/", 403),
        ("admin", "/concerns/new/", 403),
        ("admin", "/children/", 403),
        ("admin", "/audit/", 403),
    ],
)
def test_each_role_reaches_only_its_own_pages(client, cast, name, path, status):
    assert verified_client(client, cast, name).get(path).status_code == status


def test_five_wrong_passwords_lock_the_username_for_a_while(client, cast):
    for _ in range(5):
        client.post("/accounts/sign-in/", {"username": "teacher", "password": "wrong wrong wrong"})
    response = client.post("/accounts/sign-in/", {"username": "teacher", "password": PASSWORD})
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Other users are not affected.
    assert (
        client.post("/accounts/sign-in/", {"username": "nurse", "password": PASSWORD})["Location"]
        == "/accounts/verify/"
    )


def test_an_idle_session_expires(client, cast):
    import datetime as dt

    from django.contrib.sessions.models import Session

    teacher = verified_client(client, cast, "teacher")
    assert teacher.get("/concerns/new/").status_code == 200
    Session.objects.filter(session_key=teacher.session.session_key).update(
        expire_date=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    )
    assert teacher.get("/concerns/new/")["Location"] == "/accounts/sign-in/"


def _every_route():
    """Every URL the application routes, with record 1's reference for each record argument."""
    from django.urls import URLPattern, URLResolver, get_resolver

    from jigsaw.web.refs import ref

    def walk(patterns, prefix):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern):
                route = re.sub(r"<(?:int|ref):\w+>", ref(1), route)
                yield "/" + re.sub(r"<str:\w+>", "x", route).replace("<path:path>", "index.html")

    return sorted(set(walk(get_resolver().url_patterns, "")))


def test_no_route_answers_a_password_only_session_or_a_post_without_csrf(cast):
    from django.test import Client

    open_routes = {
        "/healthz",
        "/index.html",
        "/oversight/national/",
        "/oversight/national/index.html",
    }
    # The accessibility statement, privacy notice and cookies page are for everyone.
    open_routes |= {"/about/accessibility/", "/about/privacy/", "/about/cookies/"}
    sign_in_routes = {
        "/accounts/sign-in/",
        "/accounts/verify/",
        "/accounts/set-up-authenticator/",
        "/accounts/set-password/x/",
    }
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.teacher)  # password only: no TOTP device verified in this session
    # The API answers tokens, never sessions (tests/web/api proves it refuses a call without one).
    routes = [path for path in _every_route() if not path.startswith("/api/")]
    assert "/concerns/new/" in routes and "/children/mash/" in routes
    for path in routes:
        if path in open_routes | sign_in_routes or path == "/accounts/sign-out/":
            continue
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/accounts/verify/", path
    verified_client(client, cast, "teacher")
    for path in routes:
        if path in open_routes:
            continue
        assert client.post(path, {}).status_code == 403, path


def test_the_session_key_changes_at_the_second_factor(client, cast):
    client.post("/accounts/sign-in/", {"username": "teacher", "password": PASSWORD})
    before = client.session.session_key
    response = client.post("/accounts/verify/", {"token": _code(cast.devices["teacher"])})
    assert response["Location"] == "/"
    assert client.session.session_key != before
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=before).exists()
    assert client.get("/concerns/new/").status_code == 200

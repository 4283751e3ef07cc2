"""Nobody can give themselves access: links not passwords, grants shown to the lead, and
administrators who edit, deactivate, unlock and reset users (all audited)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from jigsaw.web.accounts.models import AccessGrant, PasswordLink, Profile
from jigsaw.web.audit.models import AuditEvent
from jigsaw.web.refs import ref
from tests.web.cast import PASSWORD, verified_client

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _invite(admin, username="new.analyst", role="mash_analyst", agency=None, cast=None):
    return admin.post(
        "/accounts/users/",
        {
            "username": username,
            "email": f"{username}@example.org",
            "role": role,
            "agency": str(agency.pk),
        },
    )


def _link_path() -> str:
    link = next(w for w in mail.outbox[-1].body.split() if "/accounts/set-password/" in w)
    return link.split("testserver", 1)[1]


def test_a_link_expires_and_a_weak_password_leaves_it_working(client, cast):
    admin = verified_client(client, cast, "admin")
    _invite(admin, "late.user", "practitioner", cast.school)
    client.logout()
    path = _link_path()
    response = client.post(path, {"password": "short", "confirm": "short"})
    assert response.status_code == 200 and "too short" in response.content.decode()
    assert client.get(path).status_code == 200
    PasswordLink.objects.filter(user__username="late.user").update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert client.get(path).status_code == 404
    response = client.post(
        path, {"password": "long enough words here", "confirm": "long enough words here"}
    )
    assert response.status_code == 404
    assert not Profile.objects.get(user__username="late.user").user.has_usable_password()


def test_a_role_that_opens_children_is_shown_to_the_partnership_lead(client, cast):
    admin = verified_client(client, cast, "admin")
    _invite(admin, "new.analyst", "mash_analyst", cast.council)
    _invite(admin, "new.auditor", "auditor", cast.council)  # opens no child: not a grant
    auditor_user = Profile.objects.get(user__username="new.auditor").user
    # Turning the auditor into a MASH analyst later is a grant too.
    admin.post(
        f"/accounts/users/{ref(auditor_user.pk)}/",
        {"action": "save", "role": "mash_analyst", "agency": str(cast.council.pk), "email": ""},
    )
    grants = AccessGrant.objects.filter(area=cast.area, granted_by=cast.admin)
    assert sorted((g.user.username, g.role, g.previous_role) for g in grants) == [
        ("new.analyst", "mash_analyst", ""),
        ("new.auditor", "mash_analyst", "auditor"),
    ]
    assert verified_client(client, cast, "admin").get("/accounts/access-grants/").status_code == 403
    page = verified_client(client, cast, "lead").get("/accounts/access-grants/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "new.analyst" in body and "new.auditor" in body and "admin" in body
    assert "new.analyst@example.org" in body
    assert AuditEvent.objects.filter(event_type="access_grants_viewed", actor=cast.lead).exists()
    change = AuditEvent.objects.get(event_type="user_updated", subject_id=str(auditor_user.pk))
    assert change.actor == cast.admin and change.extra["role"] == ["auditor", "mash_analyst"]


def test_an_administrator_cannot_change_their_own_account_or_another_areas(client, cast):
    admin = verified_client(client, cast, "admin")
    mine = admin.post(
        f"/accounts/users/{ref(cast.admin.pk)}/",
        {"action": "save", "role": "mash_analyst", "agency": str(cast.council.pk), "email": ""},
    )
    assert mine.status_code == 404
    assert Profile.objects.get(user=cast.admin).role == "administrator"
    far = admin.post(f"/accounts/users/{ref(cast.far_analyst.pk)}/", {"action": "deactivate"})
    missing = admin.get(f"/accounts/users/{ref(999999)}/")
    assert far.status_code == missing.status_code == 404
    cast.far_analyst.refresh_from_db()
    assert cast.far_analyst.is_active
    refused = AuditEvent.objects.filter(event_type="page_refused", actor=cast.admin)
    assert {e.extra["user"] for e in refused} == {cast.admin.pk, cast.far_analyst.pk, 999999}


def test_a_deactivated_user_is_signed_out_at_once(client, cast):
    from django.test import Client

    teacher = verified_client(Client(), cast, "teacher")
    assert teacher.get("/concerns/new/").status_code == 200
    admin = verified_client(client, cast, "admin")
    response = admin.post(f"/accounts/users/{ref(cast.teacher.pk)}/", {"action": "deactivate"})
    assert "signed out now" in response.content.decode()
    assert teacher.get("/concerns/new/")["Location"] == "/accounts/sign-in/"
    assert "_auth_user_id" not in teacher.session  # the session itself is gone
    # Nor can they sign in again with the right password.
    again = Client()
    again.post("/accounts/sign-in/", {"username": "teacher", "password": PASSWORD})
    assert "_auth_user_id" not in again.session
    assert AuditEvent.objects.filter(
        event_type="user_deactivated", actor=cast.admin, subject_id=str(cast.teacher.pk)
    ).exists()
    admin.post(f"/accounts/users/{ref(cast.teacher.pk)}/", {"action": "reactivate"})
    assert (
        again.post("/accounts/sign-in/", {"username": "teacher", "password": PASSWORD})["Location"]
        == "/accounts/verify/"
    )


def test_a_locked_out_user_is_let_back_in_by_their_administrator(client, cast):
    from django.test import Client

    nurse = Client()
    for _ in range(5):
        nurse.post("/accounts/sign-in/", {"username": "nurse", "password": "wrong wrong wrong"})
    assert (
        "Too many failed"
        in nurse.post(
            "/accounts/sign-in/", {"username": "nurse", "password": PASSWORD}
        ).content.decode()
    )
    admin = verified_client(client, cast, "admin")
    assert "Locked out" in admin.get(f"/accounts/users/{ref(cast.nurse.pk)}/").content.decode()
    admin.post(f"/accounts/users/{ref(cast.nurse.pk)}/", {"action": "unlock"})
    response = nurse.post("/accounts/sign-in/", {"username": "nurse", "password": PASSWORD})
    assert response["Location"] == "/accounts/verify/"
    event = AuditEvent.objects.get(event_type="user_unlocked", subject_id=str(cast.nurse.pk))
    assert event.actor == cast.admin and event.extra == {"locks": 1}


def test_a_reset_ends_the_password_the_authenticator_and_the_session(client, cast):
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    cast.officer.email = "officer@police.example"
    cast.officer.save()
    officer = verified_client(Client(), cast, "officer")
    assert officer.get("/concerns/new/").status_code == 200
    admin = verified_client(client, cast, "admin")
    body = admin.post(
        f"/accounts/users/{ref(cast.officer.pk)}/", {"action": "reset"}
    ).content.decode()
    assert "new link was e-mailed" in body
    assert officer.get("/concerns/new/")["Location"] == "/accounts/sign-in/"
    assert not TOTPDevice.objects.filter(user=cast.officer).exists()
    assert mail.outbox[-1].to == ["officer@police.example"]
    token = _link_path().rstrip("/").rsplit("/", 1)[1]
    assert token not in body
    fresh = Client()
    fresh.post("/accounts/sign-in/", {"username": "officer", "password": PASSWORD})
    assert "_auth_user_id" not in fresh.session  # the old password no longer works
    assert AuditEvent.objects.filter(event_type="user_reset", actor=cast.admin).exists()


def test_the_demo_loader_alone_sets_passwords_and_its_users_work(client, cast):
    """`jigsaw demo` prints working users: its demo-only service gives them a known password and
    a confirmed authenticator; the web's own service never takes a password."""
    import inspect

    from jigsaw.web.accounts.services import user_invite
    from jigsaw.web.demo import demo_user_create

    assert "password" not in inspect.signature(user_invite).parameters
    user, device = demo_user_create(
        username="demo.mash",
        password="demo only",  # noqa: S106 - a synthetic demo user's
        role="mash_analyst",
        agency=cast.council,
    )
    assert device.confirmed and user.check_password("demo only")
    response = client.post("/accounts/sign-in/", {"username": "demo.mash", "password": "demo only"})
    assert response["Location"] == "/accounts/verify/"

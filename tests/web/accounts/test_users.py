"""Administrators manage their area's users, and nothing else."""

from __future__ import annotations

import pytest

from jigsaw.web.accounts.models import Profile
from jigsaw.web.audit.models import AuditEvent
from tests.web.cast import verified_client

pytestmark = [pytest.mark.django_db]


def test_administrator_adds_a_user_who_sets_their_own_password_and_authenticator(client, cast):
    from django.core import mail

    admin = verified_client(client, cast, "admin")
    page = admin.get("/accounts/users/").content.decode()
    assert "teacher" in page and "far_analyst" not in page  # only the administrator's area
    response = admin.post(
        "/accounts/users/",
        {
            "username": "new.nurse",
            "email": "new.nurse@northbridge.nhs.example",
            "role": "practitioner",
            "agency": str(cast.health.pk),
        },
    )
    body = response.content.decode()
    assert "User new.nurse created" in body
    profile = Profile.objects.get(user__username="new.nurse")
    assert (profile.role, profile.agency, profile.area) == ("practitioner", cast.health, cast.area)
    assert not profile.user.has_usable_password()  # nobody knows a password for it yet
    event = AuditEvent.objects.get(event_type="user_created", subject_id=str(profile.user.pk))
    assert event.actor_label == "admin" and event.extra["role"] == "practitioner"
    # The link went to the user only; the administrator's page shows neither it nor a password.
    (message,) = mail.outbox
    assert message.to == ["new.nurse@northbridge.nhs.example"]
    link = next(w for w in message.body.split() if "/accounts/set-password/" in w)
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert token not in body and "password:" not in body.lower()
    assert "Temporary password" not in body
    client.logout()
    path = link.split("testserver", 1)[1]
    assert client.get(path).status_code == 200
    response = client.post(
        path, {"password": "a new password of mine", "confirm": "a new password of mine"}
    )
    assert "Password set" in response.content.decode()
    assert client.get(path).status_code == 404  # single use
    client.post(
        "/accounts/sign-in/", {"username": "new.nurse", "password": "a new password of mine"}
    )
    assert client.get("/accounts/verify/")["Location"] == "/accounts/set-up-authenticator/"
    assert client.get("/concerns/new/")["Location"] == "/accounts/verify/"


def test_a_taken_username_is_refused(client, cast):
    admin = verified_client(client, cast, "admin")
    response = admin.post(
        "/accounts/users/",
        {
            "username": "teacher",
            "email": "t@example.org",
            "role": "auditor",
            "agency": str(cast.council.pk),
        },
    )
    assert "already exists" in response.content.decode()


@pytest.mark.parametrize("name", ["teacher", "analyst", "lead", "auditor"])
def test_only_administrators_manage_users(client, cast, name):
    assert verified_client(client, cast, name).get("/accounts/users/").status_code == 403


def test_reference_data_services_emit_their_events_and_are_idempotent(cast):
    from jigsaw.web.accounts.services import agency_create, area_create

    area = area_create(actor=cast.admin, code="E99000009", name="Eastvale")
    agency = agency_create(actor=cast.admin, area=area, kind="police", name="Eastvale Police")
    assert area_create(actor=cast.admin, code="E99000009", name="Eastvale") == area
    assert (
        agency_create(actor=cast.admin, area=area, kind="police", name="Eastvale Police") == agency
    )
    events = AuditEvent.objects.filter(actor=cast.admin).order_by("id")
    assert [(e.event_type, e.subject_id) for e in events] == [
        ("area_created", str(area.pk)),
        ("agency_created", str(agency.pk)),
    ]


def test_administrator_adds_an_agency_to_their_area(client, cast):
    from jigsaw.web.accounts.models import Agency

    admin = verified_client(client, cast, "admin")
    assert (
        admin.post(
            "/accounts/agencies/",
            {"name": "Northbridge Youth Offending Team", "kind": "youth_justice"},
        ).status_code
        == 302
    )
    agency = Agency.objects.get(name="Northbridge Youth Offending Team")
    assert (agency.area, agency.kind) == (cast.area, "youth_justice")
    assert AuditEvent.objects.filter(
        event_type="agency_created", actor=cast.admin, subject_id=str(agency.pk)
    ).exists()
    assert verified_client(client, cast, "analyst").get("/accounts/agencies/").status_code == 403

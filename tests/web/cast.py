"""The named cast of the web tests, created through the real services, and sign-in helpers."""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher

from jigsaw.web.accounts.models import AgencyKind, Role
from jigsaw.web.accounts.services import agency_create, area_create, user_create


class QuickArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with the smallest cost: the same algorithm and hash format, without 100 ms a user."""

    time_cost = 1
    memory_cost = 64
    parallelism = 1


PASSWORD = "correct horse battery staple 42"


class Cast:
    """A small named partnership: one area, its agencies and one user per role."""

    def __init__(self) -> None:
        self.area = area_create(code="E99000001", name="Northbridge")
        self.other_area = area_create(code="E99000002", name="Southmoor")
        self.school = agency_create(
            area=self.area, kind=AgencyKind.EDUCATION, name="Northbridge Academy"
        )
        self.health = agency_create(
            area=self.area, kind=AgencyKind.HEALTH, name="Northbridge NHS Trust"
        )
        self.police = agency_create(
            area=self.area, kind=AgencyKind.POLICE, name="Northbridge Police"
        )
        self.council = agency_create(
            area=self.area, kind=AgencyKind.SOCIAL_CARE, name="Northbridge Children's Services"
        )
        self.far_council = agency_create(
            area=self.other_area, kind=AgencyKind.SOCIAL_CARE, name="Southmoor Children's Services"
        )
        users = [
            ("teacher", Role.PRACTITIONER, self.school),
            ("teacher2", Role.PRACTITIONER, self.school),
            ("school_dsl", Role.DSL, self.school),
            ("nurse", Role.PRACTITIONER, self.health),
            ("officer", Role.PRACTITIONER, self.police),
            ("analyst", Role.MASH_ANALYST, self.council),
            ("far_analyst", Role.MASH_ANALYST, self.far_council),
            ("lead", Role.PARTNERSHIP_LEAD, self.council),
            ("auditor", Role.AUDITOR, self.council),
            ("admin", Role.ADMINISTRATOR, self.council),
        ]
        self.devices = {}
        for name, role, agency in users:
            user, device = user_create(
                username=name,
                password=PASSWORD,
                role=role,
                agency=agency,
                validate=False,
                with_totp=True,
            )
            setattr(self, name, user)
            self.devices[name] = device


def verified_client(client, cast: Cast, name: str):
    """Return the test client signed in as ``name`` with both factors (password and TOTP)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    client.force_login(getattr(cast, name))
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = cast.devices[name].persistent_id
    session.save()
    return client

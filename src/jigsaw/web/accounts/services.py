"""Writes for reference data and users. Each writes its audit row in the same transaction."""

from __future__ import annotations

import base64
import enum
import secrets
from typing import TYPE_CHECKING

from django.contrib.auth import authenticate, get_user_model, login, logout
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from jigsaw.web.accounts.models import Agency, AgencyKind, Area, Profile, Role
from jigsaw.web.accounts.selectors import sign_in_locked
from jigsaw.web.audit.models import EventType
from jigsaw.web.audit.services import audit_record

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.http import HttpRequest


def area_create(*, actor: User | None = None, code: str, name: str) -> Area:
    """Create an area, or return the existing one with that code (idempotent for imports)."""
    with transaction.atomic():
        area = Area.objects.filter(code=code).first()
        if area is not None:
            return area
        area = Area(code=code, name=name)
        area.full_clean()
        area.save()
        audit_record(actor=actor, event_type=EventType.AREA_CREATED, subject=area)
        return area


def agency_create(
    *, actor: User | None = None, area: Area, kind: AgencyKind | str, name: str
) -> Agency:
    """Create an agency in an area, or return the existing one with that name."""
    with transaction.atomic():
        agency = Agency.objects.filter(area=area, name=name).first()
        if agency is not None:
            return agency
        agency = Agency(area=area, kind=AgencyKind(kind), name=name)
        agency.full_clean()
        agency.save()
        audit_record(actor=actor, event_type=EventType.AGENCY_CREATED, subject=agency)
        return agency


def totp_secret_base32(device: TOTPDevice) -> str:
    """Return the device's key in the base32 form authenticator apps ask for."""
    return base64.b32encode(bytes.fromhex(device.key)).decode("ascii")


def user_create(
    *,
    actor: User | None = None,
    username: str,
    password: str,
    role: Role | str,
    agency: Agency,
    validate: bool = True,
    with_totp: bool = False,
) -> tuple[User, TOTPDevice | None]:
    """Create a user holding one role in one agency (and that agency's area).

    Parameters
    ----------
    actor : User or None
        The administrator creating the account (``None`` for the demo loader).
    username, password : str
        The password is validated against the project's validators unless ``validate`` is false
        (demo accounts only) and is stored with Argon2.
    role : Role
        The user's only role.
    agency : Agency
        The agency the user works for; their area is the agency's area.
    with_totp : bool
        Also create a confirmed TOTP device (demo and tests); otherwise the user enrols at first
        sign-in.

    Returns
    -------
    (User, TOTPDevice or None)

    Raises
    ------
    django.core.exceptions.ValidationError
        If the username is taken, the password is weak or the role is unknown.
    """
    role = Role(role)
    user_model = get_user_model()
    with transaction.atomic():
        user = user_model(username=username)
        if validate:
            validate_password(password, user)
        user.set_password(password)
        user.full_clean()
        user.save()
        profile = Profile(user=user, role=role, agency=agency, area=agency.area)
        profile.full_clean()
        profile.save()
        device = None
        if with_totp:
            device = TOTPDevice(user=user, name="authenticator", confirmed=True)
            device.save()
        audit_record(
            actor=actor,
            event_type=EventType.USER_CREATED,
            subject=user,
            extra={"role": role.value, "agency": agency.name},
        )
        return user, device


def staff_member_create(
    *, actor: User, username: str, role: Role | str, agency_id: int
) -> tuple[User, str]:
    """Create a user in one of the administrator's own area's agencies, with a random password.

    Returns
    -------
    (User, str)
        The user and the password to hand over (shown once).

    Raises
    ------
    PermissionDenied
        Unless ``actor`` administers the area, or if the agency is not in it.
    ValidationError
        If the username is taken.
    """
    from django.core.exceptions import PermissionDenied

    from jigsaw.web.accounts.selectors import administered_area

    _, agencies = administered_area(actor)
    agency = agencies.filter(pk=agency_id).first()
    if agency is None:
        raise PermissionDenied("not an agency of your area")
    password = random_password()
    user, _ = user_create(
        actor=actor, username=username, password=password, role=role, agency=agency
    )
    return user, password


def totp_device_start(*, user: User) -> TOTPDevice:
    """Return the user's unconfirmed TOTP device, creating one with a fresh key if needed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice(user=user, name="authenticator", confirmed=False)
        device.save()
    return device


def totp_device_confirm(*, user: User, device: TOTPDevice, token: str) -> bool:
    """Confirm an enrolment when the token is right; return whether it was."""
    with transaction.atomic():
        if not device.verify_token(token):
            return False
        device.confirmed = True
        device.save()
        audit_record(actor=user, event_type=EventType.TOTP_ENROLLED, subject=user)
        return True


def random_password() -> str:
    """Return a strong random password (demo accounts)."""
    return secrets.token_urlsafe(12)


class SignIn(enum.Enum):
    """What a password sign-in came to."""

    SIGNED_IN = "signed_in"
    FAILED = "failed"
    LOCKED = "locked"


def password_sign_in(*, request: HttpRequest, username: str, password: str) -> SignIn:
    """Check a username and password and start a (not yet verified) session; audit the attempt.

    Guessing is slowed to 5 failures per 15 minutes per username
    (:func:`~jigsaw.web.accounts.selectors.sign_in_locked`): a locked username is not even tried.
    """
    if sign_in_locked(username):
        return SignIn.LOCKED
    user = authenticate(request, username=username, password=password)
    with transaction.atomic():
        if user is None:
            audit_record(
                actor=None, event_type=EventType.SIGN_IN_FAILED, extra={"username": username[:150]}
            )
            return SignIn.FAILED
        audit_record(
            actor=user, event_type=EventType.SIGNED_IN, subject=user, extra={"factor": "password"}
        )
        login(request, user)
    return SignIn.SIGNED_IN


def _password_user(request: HttpRequest) -> User | None:
    """The user who passed the password step in this session, if any."""
    from django.contrib.auth.models import User

    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else None


def second_factor_sign_in(*, request: HttpRequest, device: TOTPDevice, token: str) -> bool:
    """Verify the session's user with their authenticator's code; audit success. Return whether
    the code was right (never for a session that has not passed the password)."""
    user = _password_user(request)
    if user is None or not device.verify_token(token):
        return False
    with transaction.atomic():
        audit_record(
            actor=user, event_type=EventType.SIGNED_IN, subject=user, extra={"factor": "totp"}
        )
        otp_login(request, device)
    return True


def authenticator_enrol(*, request: HttpRequest, device: TOTPDevice, token: str) -> bool:
    """Confirm a first authenticator with its code and verify the session with it."""
    user = _password_user(request)
    if user is None or not totp_device_confirm(user=user, device=device, token=token):
        return False
    otp_login(request, device)
    return True


def sign_out(*, request: HttpRequest) -> None:
    """End the session, recording who signed out."""
    with transaction.atomic():
        if request.user.is_authenticated:
            audit_record(actor=request.user, event_type=EventType.SIGNED_OUT, subject=request.user)
        logout(request)

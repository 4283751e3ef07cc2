"""Writes for reference data and users. Each writes its audit row in the same transaction.

Nobody can give themselves access: a new user sets their own password through a single-use,
expiring link sent to their e-mail address and enrols their own authenticator; an administrator
never sees either. Every grant of a role that opens children is recorded for the partnership
lead (ADR 0009). Sign-in counts failed passwords per username and client address, atomically.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import hashlib
import secrets
from typing import TYPE_CHECKING

from django.contrib.auth import authenticate, get_user_model, login, logout
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from jigsaw.web.access import (
    Actor,
    may_be_spoc,
    may_designate,
    may_manage_user,
    role_opens_children,
)
from jigsaw.web.accounts.models import (
    AccessGrant,
    Agency,
    AgencyKind,
    Area,
    Designation,
    DesignationKind,
    PasswordLink,
    PasswordLinkPurpose,
    Profile,
    Role,
    SignInThrottle,
)
from jigsaw.web.accounts.selectors import (
    SIGN_IN_ATTEMPTS,
    SIGN_IN_WINDOW,
    administered_area,
    throttle_key,
)
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


def area_contact_set(*, actor: User, mash_contact: str) -> Area:
    """Set whom other partnerships should contact about a child who may be known here.

    Raises
    ------
    PermissionDenied
        Unless ``actor`` administers an area (their own is the one changed).
    """
    area, _ = administered_area(actor)
    with transaction.atomic():
        area.mash_contact = mash_contact.strip()
        area.full_clean()
        area.save(update_fields=["mash_contact"])
        audit_record(actor=actor, event_type=EventType.AREA_CONTACT_CHANGED, subject=area)
    return area


def _designating_area(actor: User | None, area_id: int) -> None:
    """Refuse unless ``actor`` is the area's partnership lead (``None``: the set-up, the demo)."""
    if actor is not None and not may_designate(Actor.of(actor), area_id=area_id):
        raise PermissionDenied("only the area's partnership lead gives and ends designations")


def spoc_designate(*, actor: User | None, user_id: int) -> Designation:
    """Make a police account of the partnership lead's area its single point of contact for
    groups (it keeps its role); audited, and listed on the lead's "Access given" page.

    Raises
    ------
    Http404
        For an account that is not of the lead's area (as for one that does not exist).
    ValidationError
        For an account that may not be the SPOC (not police, or a role that records no
        concerns), or one that already is.
    """
    profile = Profile.objects.filter(user_id=user_id).select_related("agency", "user").first()
    if profile is None or (
        actor is not None and profile.area_id != getattr(Actor.of(actor), "area_id", None)
    ):
        raise Http404("no such user")
    _designating_area(actor, profile.area_id)
    if not may_be_spoc(role=profile.role, agency_kind=profile.agency.kind):
        raise ValidationError(
            {"user": "Only a police account that records concerns can be the SPOC"}
        )
    with transaction.atomic():
        if Designation.objects.filter(
            user_id=user_id, kind=DesignationKind.SPOC, ended_at__isnull=True
        ).exists():
            raise ValidationError({"user": f"{profile.user.get_username()} is already a SPOC"})
        designation = Designation.objects.create(
            area_id=profile.area_id,
            user_id=user_id,
            agency_id=profile.agency_id,
            kind=DesignationKind.SPOC,
            given_by=actor,
            given_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            event_type=EventType.DESIGNATION_GIVEN,
            subject=designation,
            extra={"user": user_id, "kind": designation.kind, "agency": profile.agency_id},
        )
    return designation


def designation_end(*, actor: User, designation_id: int) -> Designation:
    """End a designation of the partnership lead's area (kept, with who ended it); audited."""
    designation = Designation.objects.filter(pk=designation_id, ended_at__isnull=True).first()
    if designation is None or designation.area_id != Actor.of(actor).area_id:
        raise Http404("no such designation")
    _designating_area(actor, designation.area_id)
    with transaction.atomic():
        designation.ended_by, designation.ended_at = actor, timezone.now()
        designation.save(update_fields=["ended_by", "ended_at"])
        audit_record(
            actor=actor,
            event_type=EventType.DESIGNATION_ENDED,
            subject=designation,
            extra={"user": designation.user_id, "kind": designation.kind},
        )
    return designation


def totp_secret_base32(device: TOTPDevice) -> str:
    """Return the device's key in the base32 form authenticator apps ask for."""
    return base64.b32encode(bytes.fromhex(device.key)).decode("ascii")


def _access_grant_record(
    *, actor: User | None, user: User, profile: Profile, previous_role: str = ""
) -> None:
    """Record, for the partnership lead, that ``user`` now holds a role that opens children."""
    if not role_opens_children(profile.role):
        return
    AccessGrant.objects.create(
        area_id=profile.area_id,
        user=user,
        role=profile.role,
        previous_role=previous_role,
        agency_id=profile.agency_id,
        email=user.email,
        granted_by=actor,
        granted_at=timezone.now(),
    )


def user_create(
    *,
    actor: User | None = None,
    username: str,
    role: Role | str,
    agency: Agency,
    email: str = "",
    password: str | None = None,
    validate: bool = True,
    with_totp: bool = False,
) -> tuple[User, TOTPDevice | None]:
    """Create a user holding one role in one agency (and that agency's area).

    Parameters
    ----------
    actor : User or None
        The administrator creating the account (``None`` for the command line and the demo).
    username, email : str
    password : str or None
        ``None`` (the web's way): the account has no usable password until its user sets one
        through a link (:func:`user_invite`). Only the command line's first administrator, the
        demo loader (:func:`jigsaw.web.demo.demo_user_create`) and tests pass one; it is
        validated unless ``validate`` is false and stored with Argon2.
    role : Role
        The user's only role. A role that opens children is recorded for the partnership lead.
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
        If the username is taken, the e-mail address is malformed, the password is weak or the
        role is unknown.
    """
    role = Role(role)
    user_model = get_user_model()
    with transaction.atomic():
        user = user_model(username=username, email=email.strip())
        if password is None:
            user.set_unusable_password()
        else:
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
        _access_grant_record(actor=actor, user=user, profile=profile)
        return user, device


PASSWORD_LINK_HOURS = 48


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _password_link_send(
    *, user: User, purpose: PasswordLinkPurpose, link_base: str
) -> PasswordLink:
    """Issue a single-use link to ``user`` and e-mail it to them (inside the caller's transaction).

    Earlier unused links of the user stop working. The token is only in the e-mail.
    """
    from django.core.mail import send_mail

    now = timezone.now()
    PasswordLink.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
    token = secrets.token_urlsafe(32)
    link = PasswordLink.objects.create(
        user=user,
        token_hash=_token_hash(token),
        purpose=purpose,
        created_at=now,
        expires_at=now + dt.timedelta(hours=PASSWORD_LINK_HOURS),
    )
    url = f"{link_base.rstrip('/')}/accounts/set-password/{token}/"
    send_mail(
        "Jigsaw: set your password",
        f"An account on Jigsaw is waiting for you ({user.get_username()}).\n\n"
        f"Set your own password here within {PASSWORD_LINK_HOURS} hours; the link works once:\n"
        f"{url}\n\nThen sign in and set up your authenticator app. If you did not expect "
        "this, tell your partnership lead.",
        None,
        [user.email],
    )
    return link


def user_invite(
    *, actor: User, username: str, email: str, role: Role | str, agency_id: int, link_base: str
) -> tuple[User, PasswordLink]:
    """Create a user in one of the administrator's own area's agencies and e-mail them a
    single-use link to set their own password (the administrator never sees one).

    Returns
    -------
    (User, PasswordLink)
        The user and the link's record (its expiry; the token is only in the e-mail).

    Raises
    ------
    PermissionDenied
        Unless ``actor`` administers the area, or if the agency is not in it.
    ValidationError
        If the username is taken or the e-mail address is missing or malformed.
    """
    _, agencies = administered_area(actor)
    agency = agencies.filter(pk=agency_id).first()
    if agency is None:
        raise PermissionDenied("not an agency of your area")
    if not email.strip():
        raise ValidationError({"email": "Enter the user's work e-mail address"})
    with transaction.atomic():
        user, _ = user_create(actor=actor, username=username, email=email, role=role, agency=agency)
        link = _password_link_send(
            user=user, purpose=PasswordLinkPurpose.INVITE, link_base=link_base
        )
    return user, link


def staff_member_to_manage(*, actor: User, user_id: int) -> Profile:
    """Return the profile of a user ``actor`` may manage; audit a refusal.

    Called before the change's transaction opens, so the refusal's audit row is kept.

    Raises
    ------
    Http404
        If there is no such user in the administrator's area, or it is their own account (as
        for a missing one: users of other areas cannot be probed).
    """
    profile = Profile.objects.select_related("user", "agency").filter(user_id=user_id).first()
    if profile is None or not may_manage_user(
        Actor.of(actor), user_area_id=profile.area_id, user_id=profile.user_id
    ):
        with transaction.atomic():
            audit_record(
                actor=actor,
                event_type=EventType.PAGE_REFUSED,
                extra={"page": "user", "user": user_id},
            )
        raise Http404("no such user of your area")
    return profile


def user_update(
    *, actor: User, user_id: int, role: Role | str, agency_id: int, email: str
) -> Profile:
    """Change a user's role, agency or e-mail address (audited; a new role that opens children
    is recorded for the partnership lead)."""
    profile = staff_member_to_manage(actor=actor, user_id=user_id)
    with transaction.atomic():
        _, agencies = administered_area(actor)
        agency = agencies.filter(pk=agency_id).first()
        if agency is None:
            raise PermissionDenied("not an agency of your area")
        role = Role(role)
        before = {
            "role": profile.role,
            "agency": profile.agency.name,
            "email": profile.user.email,
        }
        previous_role, previous_agency = profile.role, profile.agency_id
        profile.role, profile.agency = role.value, agency
        profile.full_clean()
        profile.save()
        user = profile.user
        user.email = email.strip()
        user.full_clean()
        user.save(update_fields=["email"])
        after = {"role": role.value, "agency": agency.name, "email": user.email}
        changed = sorted(k for k in before if before[k] != after[k])
        audit_record(
            actor=actor,
            event_type=EventType.USER_UPDATED,
            subject=user,
            extra={
                "changed": changed,
                "role": [previous_role, role.value],
                "agency": [before["agency"], agency.name],
            },
        )
        if (previous_role, previous_agency) != (role.value, agency.pk):
            _access_grant_record(
                actor=actor, user=user, profile=profile, previous_role=previous_role
            )
        return profile


def user_active_set(*, actor: User, user_id: int, active: bool) -> Profile:
    """Deactivate a user (signed out at their next request, at once) or reactivate them."""
    profile = staff_member_to_manage(actor=actor, user_id=user_id)
    with transaction.atomic():
        user = profile.user
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            event_type=EventType.USER_REACTIVATED if active else EventType.USER_DEACTIVATED,
            subject=user,
        )
        if active:
            # Back to work with the same role: shown to the partnership lead again.
            _access_grant_record(
                actor=actor, user=user, profile=profile, previous_role=profile.role
            )
        return profile


def user_unlock(*, actor: User, user_id: int) -> int:
    """Let a user locked out by failed passwords try again; return how many locks were lifted."""
    profile = staff_member_to_manage(actor=actor, user_id=user_id)
    with transaction.atomic():
        lifted, _ = SignInThrottle.objects.filter(
            username=throttle_key(profile.user.get_username())
        ).delete()
        audit_record(
            actor=actor,
            event_type=EventType.USER_UNLOCKED,
            subject=profile.user,
            extra={"locks": lifted},
        )
        return lifted


def user_reset(*, actor: User, user_id: int, link_base: str) -> PasswordLink:
    """Reset a user who lost their password or authenticator: the password stops working (every
    session of theirs ends with it), the authenticator is removed, locks are lifted, and a new
    single-use link is e-mailed to them. The administrator sees neither password nor secret."""
    profile = staff_member_to_manage(actor=actor, user_id=user_id)
    with transaction.atomic():
        user = profile.user
        if not user.email:
            raise ValidationError({"email": "Give the user an e-mail address first"})
        user.set_unusable_password()
        user.save(update_fields=["password"])
        devices, _ = TOTPDevice.objects.filter(user=user).delete()
        SignInThrottle.objects.filter(username=throttle_key(user.get_username())).delete()
        link = _password_link_send(
            user=user, purpose=PasswordLinkPurpose.RESET, link_base=link_base
        )
        audit_record(
            actor=actor,
            event_type=EventType.USER_RESET,
            subject=user,
            extra={"authenticators_removed": devices},
        )
        return link


def password_link_open(token: str) -> PasswordLink | None:
    """Return the unused, unexpired link for ``token``, or ``None``."""
    return (
        PasswordLink.objects.select_related("user")
        .filter(
            token_hash=_token_hash(token),
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
            user__is_active=True,
        )
        .first()
    )


def password_set_by_link(*, token: str, password: str) -> User:
    """Set a user's own password through their link, which then stops working.

    Raises
    ------
    Http404
        If the link is unknown, used or expired (said alike).
    ValidationError
        If the password is weak (the link still works).
    """
    with transaction.atomic():
        link = (
            PasswordLink.objects.select_for_update()
            .select_related("user")
            .filter(
                token_hash=_token_hash(token),
                used_at__isnull=True,
                expires_at__gt=timezone.now(),
                user__is_active=True,
            )
            .first()
        )
        if link is None:
            raise Http404("this link has been used or has expired")
        user = link.user
        validate_password(password, user)
        user.set_password(password)
        user.save(update_fields=["password"])
        link.used_at = timezone.now()
        link.save(update_fields=["used_at"])
        audit_record(
            actor=user,
            event_type=EventType.PASSWORD_SET,
            subject=user,
            extra={"purpose": link.purpose},
        )
        return user


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
    """Return a strong random password (the demo's and the command line's first administrator)."""
    return secrets.token_urlsafe(12)


class SignIn(enum.Enum):
    """What a password sign-in came to."""

    SIGNED_IN = "signed_in"
    FAILED = "failed"
    LOCKED = "locked"


def throttles_prune(*, now: dt.datetime | None = None, keep: tuple[str, str] | None = None) -> int:
    """Remove the sign-in throttle rows whose window has passed (they count for nothing: the
    next attempt starts a new window); return how many.

    Run before each attempt is counted, in its own short transaction (so it holds no row lock
    while the attempt's own row is locked), so the table holds only the last window's
    addresses, however many usernames are guessed. ``keep`` is the attempt's own row.
    """
    expired = SignInThrottle.objects.filter(
        window_start__lte=(now or timezone.now()) - SIGN_IN_WINDOW
    )
    if keep is not None:
        expired = expired.exclude(username=keep[0], address=keep[1])
    with transaction.atomic():
        removed, _ = expired.delete()
    return removed


def _attempt_reserve(username: str, address: str) -> bool:
    """Count one password attempt for (username, address) before it is tried; return whether it
    may be tried (fewer than ``SIGN_IN_ATTEMPTS`` in the window).

    The row is locked while it is read and incremented, so parallel attempts queue here: a burst
    of guesses gets exactly ``SIGN_IN_ATTEMPTS`` tries, whatever the timing.
    """
    now = timezone.now()
    throttles_prune(now=now, keep=(username, address))
    with transaction.atomic():
        row = None
        while row is None:
            SignInThrottle.objects.bulk_create(
                [SignInThrottle(username=username, address=address, window_start=now)],
                ignore_conflicts=True,
            )
            # None only if another attempt's pruning removed the row in between: made again.
            row = (
                SignInThrottle.objects.select_for_update()
                .filter(username=username, address=address)
                .first()
            )
        if now - row.window_start >= SIGN_IN_WINDOW:
            row.failures, row.window_start = 0, now
        allowed = row.failures < SIGN_IN_ATTEMPTS
        if allowed:
            row.failures += 1
        row.save(update_fields=["failures", "window_start"])
        return allowed


def password_sign_in(*, request: HttpRequest, username: str, password: str) -> SignIn:
    """Check a username and password and start a (not yet verified) session; audit the attempt.

    At most ``SIGN_IN_ATTEMPTS`` wrong passwords per username and client address are tried in
    ``SIGN_IN_WINDOW``: each attempt is counted atomically before it is checked, and a right one
    is uncounted after; an administrator's unlock clears the count.
    A failure is audited with the account it was for, if there is one, never with the text
    typed (people type passwords into the username field).
    """
    from jigsaw.web.accounts.selectors import client_address

    address = client_address(request)
    key = throttle_key(username)
    account = get_user_model().objects.filter(username=username).first()
    if not _attempt_reserve(key, address):
        with transaction.atomic():
            audit_record(
                actor=None,
                event_type=EventType.SIGN_IN_FAILED,
                subject=account,
                extra={"locked": True, "address": address},
            )
        return SignIn.LOCKED
    user = authenticate(request, username=username, password=password)
    with transaction.atomic():
        if user is None:
            audit_record(
                actor=None,
                event_type=EventType.SIGN_IN_FAILED,
                subject=account,
                extra={"account": "known" if account else "unknown", "address": address},
            )
            return SignIn.FAILED
        # The attempt was counted before it was tried; a right password gives its place back.
        # (Earlier failures in the window still count: the limit is on wrong passwords, so no
        # success, however timed within a burst of guesses, lets more than 5 be tried.)
        SignInThrottle.objects.filter(username=key, address=address, failures__gt=0).update(
            failures=F("failures") - 1
        )
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
    the code was right (never for a session that has not passed the password).

    The session key changes here, as it did at the password: a key seen before the second
    factor (on a shared screen, in a log) is worthless after it.
    """
    user = _password_user(request)
    if user is None or not device.verify_token(token):
        return False
    with transaction.atomic():
        audit_record(
            actor=user, event_type=EventType.SIGNED_IN, subject=user, extra={"factor": "totp"}
        )
        request.session.cycle_key()
        otp_login(request, device)
    return True


def authenticator_enrol(*, request: HttpRequest, device: TOTPDevice, token: str) -> bool:
    """Confirm a first authenticator with its code and verify the session with it (a new
    session key, as at the second factor)."""
    user = _password_user(request)
    if user is None or not totp_device_confirm(user=user, device=device, token=token):
        return False
    request.session.cycle_key()
    otp_login(request, device)
    return True


def sign_out(*, request: HttpRequest) -> None:
    """End the session, recording who signed out."""
    with transaction.atomic():
        if request.user.is_authenticated:
            audit_record(actor=request.user, event_type=EventType.SIGNED_OUT, subject=request.user)
        logout(request)

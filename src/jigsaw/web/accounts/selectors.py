"""Reads about users: which role, agency and area a user acts in."""

from __future__ import annotations

import datetime as dt

from jigsaw.web.accounts.models import Profile, Role


def profile_of(user) -> Profile | None:
    """Return the user's profile, or ``None`` for anonymous users and users without a role."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    try:
        return user.profile
    except Profile.DoesNotExist:
        return None


def designations_of(user, profile: Profile) -> frozenset[str]:
    """The duties held by ``user`` in their present area and agency (ended ones, and one given
    in an agency they have since left, no longer count). Read afresh each time: a designation
    ended by the partnership lead stops counting at once."""
    from jigsaw.web.accounts.models import Designation

    return frozenset(
        Designation.objects.filter(
            user_id=user.pk,
            area_id=profile.area_id,
            agency_id=profile.agency_id,
            ended_at__isnull=True,
        ).values_list("kind", flat=True)
    )


def designated_users(*, area_id: int, kind: str) -> list:
    """The active users holding a designation of ``kind`` in an area (in the agency it was given
    in): whom a SPOC's task is told to."""
    from django.contrib.auth import get_user_model
    from django.db.models import F

    from jigsaw.web.accounts.models import Designation

    held = Designation.objects.filter(
        area_id=area_id,
        kind=kind,
        ended_at__isnull=True,
        user__profile__area_id=area_id,
        user__profile__agency_id=F("agency_id"),
    ).values("user_id")
    return list(get_user_model().objects.filter(pk__in=held, is_active=True).order_by("username"))


def spoc_candidates(area_id: int) -> list[tuple[int, str]]:
    """The area's active accounts that may be designated the SPOC and are not one yet (the rule
    is :func:`jigsaw.web.access.may_be_spoc`), as (user id, label)."""
    from jigsaw.web.access import may_be_spoc
    from jigsaw.web.accounts.models import Designation, DesignationKind

    held = set(
        Designation.objects.filter(
            area_id=area_id, kind=DesignationKind.SPOC, ended_at__isnull=True
        ).values_list("user_id", flat=True)
    )
    return [
        (p.user_id, f"{p.user.get_username()} ({p.get_role_display()}, {p.agency.name})")
        for p in Profile.objects.filter(area_id=area_id, user__is_active=True)
        .select_related("user", "agency")
        .order_by("agency__name", "user__username")
        if p.user_id not in held and may_be_spoc(role=p.role, agency_kind=p.agency.kind)
    ]


def role_of(user) -> Role | None:
    """Return the user's role, or ``None``: no role means no access to anything (deny by default)."""
    profile = profile_of(user)
    return Role(profile.role) if profile is not None else None


def administered_area(user):
    """Return the area an administrator manages, with its agencies (administrators only).

    Raises
    ------
    PermissionDenied
        Unless the user is the area's administrator.
    """
    from django.core.exceptions import PermissionDenied

    from jigsaw.web.access import Actor, may_manage_users
    from jigsaw.web.accounts.models import Agency

    profile = profile_of(user)
    if profile is None or not may_manage_users(Actor.of(user), area_id=profile.area_id):
        raise PermissionDenied("only administrators manage users")
    return profile.area, Agency.objects.filter(area_id=profile.area_id)


def staff_for(user):
    """Return the profiles of the users in an administrator's area (administrators only).

    Raises
    ------
    PermissionDenied
        Unless the user is an administrator.
    """
    area, _ = administered_area(user)
    return (
        Profile.objects.filter(area_id=area.pk)
        .select_related("user", "agency")
        .order_by("agency__name", "user__username")
    )


SIGN_IN_ATTEMPTS = 5
SIGN_IN_WINDOW = dt.timedelta(minutes=15)


def throttle_key(username: str) -> str:
    """The username as failed sign-ins are counted (case and spaces do not make a new count)."""
    return username.strip().lower()[:150]


def client_address(request) -> str:
    """The client's address: the connection's, or, behind ``JIGSAW_PROXY_HOPS`` trusted proxies
    that append to ``X-Forwarded-For``, the address the nearest of them saw (never a value the
    client could have written itself)."""
    from django.conf import settings

    hops = int(getattr(settings, "JIGSAW_PROXY_HOPS", 0) or 0)
    if hops > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            return forwarded[-hops][:45]
    return str(request.META.get("REMOTE_ADDR") or "unknown")[:45]


def locked_usernames(area_id: int) -> set[str]:
    """The throttle keys of an area's users who are locked out from at least one address now."""
    from django.utils import timezone

    from jigsaw.web.accounts.models import SignInThrottle

    keys = {
        throttle_key(name): name
        for name in Profile.objects.filter(area_id=area_id).values_list("user__username", flat=True)
    }
    rows = SignInThrottle.objects.filter(
        username__in=list(keys),
        failures__gte=SIGN_IN_ATTEMPTS,
        window_start__gt=timezone.now() - SIGN_IN_WINDOW,
    ).values_list("username", flat=True)
    return {keys[key] for key in rows}


def access_grants_for(user):
    """Return the partnership lead's area, the grants of roles that open children in it and its
    designations (the SPOCs, ended ones too), newest first; the reading is audited.

    Raises
    ------
    PermissionDenied
        Unless ``user`` is the area's partnership lead.
    """
    from django.core.exceptions import PermissionDenied
    from django.db import transaction

    from jigsaw.web.access import Actor, may_see_access_grants
    from jigsaw.web.accounts.models import AccessGrant, Designation
    from jigsaw.web.audit.models import EventType
    from jigsaw.web.audit.services import audit_record

    profile = profile_of(user)
    if profile is None or not may_see_access_grants(Actor.of(user), area_id=profile.area_id):
        raise PermissionDenied("only the partnership lead sees who was given access")
    grants = list(
        AccessGrant.objects.filter(area_id=profile.area_id).select_related(
            "user", "agency", "granted_by"
        )[:500]
    )
    designations = list(
        Designation.objects.filter(area_id=profile.area_id).select_related(
            "user", "agency", "given_by", "ended_by"
        )[:500]
    )
    with transaction.atomic():
        audit_record(
            actor=user,
            event_type=EventType.ACCESS_GRANTS_VIEWED,
            subject=profile.area,
            extra={"shown": len(grants), "designations": len(designations)},
        )
    return profile.area, grants, designations

"""Reads about users: which role, agency and area a user acts in."""

from __future__ import annotations

from jigsaw.web.accounts.models import Profile, Role


def profile_of(user) -> Profile | None:
    """Return the user's profile, or ``None`` for anonymous users and users without a role."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    try:
        return user.profile
    except Profile.DoesNotExist:
        return None


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
SIGN_IN_WINDOW_MINUTES = 15


def sign_in_locked(username: str) -> bool:
    """Return whether a username has had too many failed sign-ins lately (5 in 15 minutes).

    Counted from the audit trail, so the lock holds across processes and restarts.
    """
    import datetime as dt

    from jigsaw.web.audit.models import AuditEvent

    since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=SIGN_IN_WINDOW_MINUTES)
    failures = AuditEvent.objects.filter(
        event_type="sign_in_failed", extra__username=username[:150], at__gte=since
    ).count()
    return failures >= SIGN_IN_ATTEMPTS

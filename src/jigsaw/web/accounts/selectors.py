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

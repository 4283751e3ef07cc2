"""Template context: the signed-in user's role, so the navigation shows only what they may use."""

from __future__ import annotations

from jigsaw.web.accounts.selectors import profile_of


def role(request) -> dict[str, object]:
    profile = profile_of(getattr(request, "user", None))
    verified = profile is not None and request.user.is_verified()
    return {
        "profile": profile if verified else None,
        "role": profile.role if verified else "",
    }

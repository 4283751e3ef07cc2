"""Template context: the signed-in user's role, so the navigation shows only what they may use."""

from __future__ import annotations

from jigsaw.web.accounts.selectors import profile_of


def role(request) -> dict[str, object]:
    profile = profile_of(getattr(request, "user", None))
    if profile is None or not request.user.is_verified():
        return {"profile": None, "role": ""}
    return {"profile": profile, "role": profile.role}

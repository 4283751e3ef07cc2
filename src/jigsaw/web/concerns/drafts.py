"""Work is never lost: a concern being written when the session ends is kept for its writer.

The concern form carries a signed token naming the signed-in user. When the form arrives after
the session has ended, :func:`keep_drafts` (placed before the sign-in rule in the middleware)
stores what was sent, for that user only, and lets the request go on to the sign-in page. Once
the user has signed in again, the start page sends them back to the form, refilled, with a
message (``concern_new``). Drafts older than :data:`DRAFT_HOURS` are neither kept nor given back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

DRAFT_HOURS = 12
FORM_PATH = "/concerns/new/"
_SALT = "jigsaw.concern-draft"
# Never kept: the token itself, and the form's security token.
_DROPPED = {"draft_owner", "csrfmiddlewaretoken"}


def draft_token(user: Any) -> str:
    """The signed token the concern form carries, naming its user."""
    return signing.dumps(user.pk, salt=_SALT)


def _owner(token: str) -> int | None:
    try:
        return int(signing.loads(token, salt=_SALT, max_age=DRAFT_HOURS * 3600))
    except (signing.BadSignature, TypeError, ValueError):
        return None


def draft_keep(request: HttpRequest) -> bool:
    """Store the sent concern form as its writer's draft, if it carries a valid token."""
    from jigsaw.web.concerns.models import ConcernDraft

    owner = _owner(request.POST.get("draft_owner", ""))
    if owner is None:
        return False
    data = {k: request.POST.getlist(k) for k in request.POST if k not in _DROPPED}
    ConcernDraft.objects.filter(user_id=owner).delete()
    ConcernDraft.objects.create(user_id=owner, data=data, saved_at=dt.datetime.now(dt.UTC))
    return True


def draft_take(user: Any) -> dict[str, list[str]] | None:
    """Return (and delete) the user's fresh draft, if there is one."""
    from jigsaw.web.concerns.models import ConcernDraft

    since = dt.datetime.now(dt.UTC) - dt.timedelta(hours=DRAFT_HOURS)
    draft = ConcernDraft.objects.filter(user=user, saved_at__gte=since).first()
    ConcernDraft.objects.filter(user=user).delete()
    return draft.data if draft is not None else None


def _has_draft(user: Any) -> bool:
    from jigsaw.web.concerns.models import ConcernDraft

    since = dt.datetime.now(dt.UTC) - dt.timedelta(hours=DRAFT_HOURS)
    return ConcernDraft.objects.filter(user=user, saved_at__gte=since).exists()


def keep_drafts(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Keep a concern form sent after the session ended; send its writer back to it later."""

    def middleware(request: HttpRequest) -> HttpResponse:
        user = request.user
        verified = user.is_authenticated and user.is_verified()  # type: ignore[attr-defined]
        if request.method == "POST" and request.path == FORM_PATH and not verified:
            draft_keep(request)
        elif verified and request.method == "GET" and request.path == "/" and _has_draft(user):
            return redirect(FORM_PATH + "?draft=1")
        return get_response(request)

    return middleware

"""API tokens: creation (shown once), revocation, authentication, the rate limit and the audit of
every call. Nothing here knows HTTP beyond the header's text: the endpoints are in ``api.py``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from jigsaw.web.access import (
    TOKEN_SCOPES,
    Actor,
    may_manage_tokens,
    may_use_token,
    token_role,
)
from jigsaw.web.accounts.models import Agency, Profile
from jigsaw.web.api.models import ApiCallWindow, ApiToken
from jigsaw.web.audit.models import EventType
from jigsaw.web.audit.services import audit_record

if TYPE_CHECKING:
    from django.contrib.auth.models import User

#: What every token starts with, so a leaked one is recognised (e.g. by secret scanners).
TOKEN_PREFIX = "jgs_"  # noqa: S105 - a public marker, not a secret
#: How long a token lives unless the administrator says otherwise.
DEFAULT_LIFETIME = dt.timedelta(days=90)
#: The longest lifetime an administrator may give a token.
MAX_LIFETIME = dt.timedelta(days=366)


def calls_per_minute() -> int:
    """The rate limit: calls one token may make in one minute (``JIGSAW_API_CALLS_PER_MINUTE``)."""
    return int(getattr(settings, "JIGSAW_API_CALLS_PER_MINUTE", 120))


def token_digest(token: str) -> str:
    """The stored form of a token: SHA-256 of its text. The token holds 32 random bytes, so a
    fast hash is safe (there is nothing to guess as with a password)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclasses.dataclass(frozen=True)
class NewToken:
    """A token just created: ``token`` is its only copy in clear, to show once."""

    token: str
    record: ApiToken


def token_create(
    *,
    actor: User | None,
    agency: Agency,
    name: str,
    scopes: list[str],
    lifetime: dt.timedelta = DEFAULT_LIFETIME,
) -> NewToken:
    """Create a token for ``agency``'s system allowed ``scopes``; return it in clear, once.

    Parameters
    ----------
    actor : User or None
        The administrator of the agency's area (``None`` only for the demo loader).

    Raises
    ------
    PermissionDenied
        If ``actor`` is not the administrator of the agency's area.
    ValidationError
        If the scopes are unknown, empty or mix roles, the name is blank or the lifetime is not
        between a minute and :data:`MAX_LIFETIME`.
    """
    if actor is not None and not may_manage_tokens(Actor.of(actor), agency_area_id=agency.area_id):
        raise PermissionDenied("only the area's administrator creates API tokens")
    role = token_role(scopes)
    if role is None:
        raise ValidationError(
            {"scopes": f"choose scopes of one kind from: {', '.join(TOKEN_SCOPES)}"}
        )
    if not name.strip():
        raise ValidationError({"name": "Say which system will use the token"})
    if not dt.timedelta(minutes=1) <= lifetime <= MAX_LIFETIME:
        raise ValidationError(
            {"lifetime": f"A token lives between a minute and {MAX_LIFETIME.days} days"}
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        account = get_user_model()(username=f"api-{secrets.token_hex(6)}")
        # No password and no authenticator: the account can never sign in to the pages.
        account.set_unusable_password()
        account.full_clean()
        account.save()
        profile = Profile(user=account, role=role, agency=agency, area_id=agency.area_id)
        profile.full_clean()
        profile.save()
        record = ApiToken.objects.create(
            name=name.strip(),
            prefix=token[: len(TOKEN_PREFIX) + 6],
            digest=token_digest(token),
            account=account,
            agency=agency,
            scopes=sorted(set(scopes)),
            created_by=actor,
            created_at=now,
            expires_at=now + lifetime,
        )
        audit_record(
            actor=actor,
            event_type=EventType.API_TOKEN_CREATED,
            subject=record,
            extra={
                "name": record.name,
                "prefix": record.prefix,
                "agency": agency.name,
                "account": account.get_username(),
                "scopes": record.scopes,
                "expires_at": record.expires_at.isoformat(),
            },
        )
    return NewToken(token=token, record=record)


def token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke ``token`` now: every later call with it is refused.

    Raises
    ------
    PermissionDenied
        If ``actor`` is not the administrator of the token's agency's area.
    """
    if not may_manage_tokens(Actor.of(actor), agency_area_id=token.agency.area_id):
        raise PermissionDenied("only the area's administrator revokes API tokens")
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.revoked_by = actor
            token.save(update_fields=["revoked_at", "revoked_by"])
            audit_record(
                actor=actor,
                event_type=EventType.API_TOKEN_REVOKED,
                subject=token,
                extra={"name": token.name, "prefix": token.prefix},
            )
    return token


def tokens_for(*, actor: User, area_id: int) -> list[ApiToken]:
    """The area's tokens (never their text), for its administrator."""
    if not may_manage_tokens(Actor.of(actor), agency_area_id=area_id):
        raise PermissionDenied("only the area's administrator sees the API tokens")
    return list(ApiToken.objects.filter(agency__area_id=area_id).select_related("agency"))


class CallRefused(Exception):
    """A call refused before it reached its operation; ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def token_find(text: str) -> ApiToken | None:
    """The token whose text is ``text``, or ``None``. Compared in constant time after the lookup
    by digest, so the answer's timing says nothing about how much of a guess was right."""
    if not text.startswith(TOKEN_PREFIX) or len(text) > 100:
        return None
    digest = token_digest(text)
    found = ApiToken.objects.select_related("account", "agency").filter(digest=digest).first()
    if found is None or not hmac.compare_digest(found.digest, digest):
        return None
    return found


def _audit_call(token: ApiToken, event: EventType, facts: dict[str, object]) -> None:
    audit_record(
        actor=token.account,
        event_type=event,
        subject=token,
        extra={"token": token.prefix, "name": token.name, **facts},
    )


def api_call_begin(
    *, token_text: str, scope: str, method: str, path: str, now: dt.datetime | None = None
) -> ApiToken:
    """Admit one call with ``token_text`` for ``scope``: checked, counted and audited.

    The audit row is committed before the operation runs, so a call that then fails (a bad
    concern, say) is in the log all the same; what the operation does is audited by its own
    service with the token's account as actor.

    Raises
    ------
    CallRefused
        401 for an unknown token; 403 for an expired or revoked token or one without ``scope``;
        429 when the token has made :func:`calls_per_minute` calls in this minute. Each refusal
        of a known token is audited.
    """
    now = now or timezone.now()
    token = token_find(token_text)
    if token is None:
        raise CallRefused(401, "unknown API token")
    facts: dict[str, object] = {"scope": scope, "method": method, "path": path[:200]}
    expired = token.expires_at <= now
    revoked = token.revoked_at is not None
    if not may_use_token(scopes=token.scopes, scope=scope, expired=expired, revoked=revoked):
        reason = "revoked" if revoked else "expired" if expired else f"not allowed {scope}"
        with transaction.atomic():
            _audit_call(token, EventType.API_CALL_REFUSED, {**facts, "reason": reason})
        raise CallRefused(403, f"this token is {reason}")
    window = now.replace(second=0, microsecond=0)
    with transaction.atomic():
        _, opened = ApiCallWindow.objects.get_or_create(token=token, window=window)
        if opened:
            # The token's first call of this minute: its earlier minutes count for nothing now,
            # so a token keeps one row, not one per minute it was ever used.
            ApiCallWindow.objects.filter(token=token, window__lt=window).delete()
        # One UPDATE ... SET calls = calls + 1: the row lock makes concurrent calls count one by
        # one, and the value read back is this call's own place in the minute.
        ApiCallWindow.objects.filter(token=token, window=window).update(calls=F("calls") + 1)
        calls = (
            ApiCallWindow.objects.filter(token=token, window=window)
            .values_list("calls", flat=True)
            .get()
        )
        if calls > calls_per_minute():
            _audit_call(token, EventType.API_CALL_REFUSED, {**facts, "reason": "rate limit"})
        else:
            _audit_call(token, EventType.API_CALLED, facts)
    if calls > calls_per_minute():
        raise CallRefused(429, f"more than {calls_per_minute()} calls in a minute: wait and retry")
    return token

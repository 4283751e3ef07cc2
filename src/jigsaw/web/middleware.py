"""Request guards applied to every page: security headers, the sign-in-with-TOTP rule, signing
out deactivated users at once, and refusing NUL bytes in what a request sends."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils import timezone

# Everything else needs a user verified with a second factor: deny by default.
_OPEN_PREFIXES = (
    "/healthz",
    "/about/",
    "/accounts/sign-in/",
    "/accounts/verify/",
    "/accounts/set-up-authenticator/",
    "/accounts/set-password/",
    "/accounts/sign-out/",
    "/static/",
    "/assets/",
    "/oversight/national/",
    "/index.html",
    # The API authenticates each call with its own token (jigsaw.web.api), never a session.
    "/api/",
)

_CSP = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "script-src 'self'",
        "style-src 'self'",
        "font-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


# The national report is a self-contained page with inline CSS and SVG; its one script (table
# sorting) is served as a file from the report's route, never inline.
_REPORT_CSP = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'"


def security_headers(get_response: Callable[[HttpRequest], HttpResponse]):
    """Add a strict content security policy and forbid caching of pages that show child data."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        report = request.path.startswith("/oversight/national/")
        response.headers.setdefault("Content-Security-Policy", _REPORT_CSP if report else _CSP)
        if not request.path.startswith(("/static/", "/assets/")):
            # Pages carry personal data: a shared computer's cache must not keep them.
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return middleware


def _has_nul(request: HttpRequest) -> bool:
    """Whether the path, a query parameter or a form field carries a NUL byte.

    No field of the service can hold one, PostgreSQL refuses them in text (a 500 deep in a
    query), and a filter with one is never a real search.
    """
    if "\x00" in request.path:
        return True
    for data in (request.GET, request.POST if request.method == "POST" else None):
        if data is None:
            continue
        for key, values in data.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return True
    return False


def require_verified_user(get_response: Callable[[HttpRequest], HttpResponse]):
    """Send anyone not signed in with password and TOTP to the sign-in page.

    A session whose user has been deactivated (or removed) since it started is ended on its very
    next request, whatever page it asks for: deactivation signs the user out at once.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            return HttpResponseBadRequest(
                "A NUL character is not allowed in a request.", content_type="text/plain"
            )
        user = request.user
        if SESSION_KEY in request.session and not (user.is_authenticated and user.is_active):
            # The session names a user the authentication backend no longer accepts.
            request.session.flush()
            return redirect("accounts:login")
        if not request.path.startswith(_OPEN_PREFIXES):
            if not user.is_authenticated:
                return redirect("accounts:login")
            # is_verified is set on the user by django_otp's OTPMiddleware, which runs first.
            if not user.is_verified():  # type: ignore[attr-defined]
                return redirect("accounts:verify")
        started = timezone.now()
        response = get_response(request)
        if response.status_code in (403, 404) and user.is_authenticated:
            _refusal_audit(request, response.status_code, started)
        return response

    return middleware


def _refusal_audit(request: HttpRequest, status: int, started) -> None:
    """Make sure a refused request left an audit row: the page guard and the child selectors
    write their own (with the reason); any other refusal (a link or concern one may not decide,
    a user of another area, a failed CSRF check) is recorded here, once."""
    from jigsaw.web.accounts.decorators import page_refusal_record
    from jigsaw.web.audit.models import AuditEvent, EventType

    if getattr(request, "jigsaw_refusal_audited", False):
        return
    if AuditEvent.objects.filter(
        actor_id=request.user.pk,
        at__gte=started,
        event_type__in=[EventType.CHILD_VIEW_REFUSED.value, EventType.PAGE_REFUSED.value],
    ).exists():
        return
    page_refusal_record(request, "forbidden" if status == 403 else "not found or not yours")

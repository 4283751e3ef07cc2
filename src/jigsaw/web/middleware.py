"""Request guards applied to every page: security headers and the sign-in-with-TOTP rule."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

# Everything else needs a user verified with a second factor: deny by default.
_OPEN_PREFIXES = (
    "/healthz",
    "/about/",
    "/accounts/sign-in/",
    "/accounts/verify/",
    "/accounts/set-up-authenticator/",
    "/accounts/sign-out/",
    "/static/",
    "/assets/",
    "/oversight/national/",
    "/index.html",
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


# The national report is a self-contained page with inline CSS and SVG and no script at all.
_REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'"


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


def require_verified_user(get_response: Callable[[HttpRequest], HttpResponse]):
    """Send anyone not signed in with password and TOTP to the sign-in page."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(_OPEN_PREFIXES):
            user = request.user
            if not user.is_authenticated:
                return redirect("accounts:login")
            # is_verified is set on the user by django_otp's OTPMiddleware, which runs first.
            if not user.is_verified():  # type: ignore[attr-defined]
                return redirect("accounts:verify")
        return get_response(request)

    return middleware

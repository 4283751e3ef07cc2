"""Pages for everyone, signed in or not: accessibility statement, privacy notice, cookies, and
the page shown when a form's security check fails."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jigsaw.web.accounts.selectors import profile_of


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/accessibility.html", {"profile": profile_of(request.user)})


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/privacy.html", {"profile": profile_of(request.user)})


@require_GET
def cookies(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/cookies.html", {"profile": profile_of(request.user)})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent from a page too old to trust (or from elsewhere): say so, and how to go on.

    Usually the page was open longer than the session lasts, or in two tabs; the form's text
    is not saved by this refusal, so the page says to go back and copy it.
    """
    return render(
        request,
        "pages/csrf_failure.html",
        {"profile": profile_of(request.user), "back": request.path},
        status=403,
    )

"""Pages that belong to no one app: the home page by role, and the health check."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jigsaw.web.accounts.selectors import profile_of


@require_GET
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


def home(request):
    return render(request, "home.html", {"profile": profile_of(request.user)})


def forbidden(request, exception=None):
    return render(request, "403.html", status=403)


def not_found(request, exception=None):
    return render(request, "404.html", status=404)

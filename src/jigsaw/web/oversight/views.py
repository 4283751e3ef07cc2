from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.static import serve

from jigsaw.web.accounts.decorators import role_required
from jigsaw.web.accounts.models import Role
from jigsaw.web.oversight.selectors import area_aggregates_for


@role_required(Role.PARTNERSHIP_LEAD)
def aggregates(request):
    return render(
        request,
        "oversight/aggregates.html",
        {
            "aggregates": area_aggregates_for(user=request.user, today=timezone.localdate()),
        },
    )


def national_report(request, path: str = "index.html"):
    """Serve the national oversight report: published public statistics only, so no sign-in."""
    root = Path(getattr(settings, "JIGSAW_NATIONAL_REPORT_DIR", settings.VAR_DIR / "national"))
    if not root.is_dir():
        raise Http404("the national report has not been built: run `jigsaw demo`")
    return serve(request, path or "index.html", document_root=str(root))

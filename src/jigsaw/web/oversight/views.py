from __future__ import annotations

import re
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


# Only the report's own top-level files: the folder may also hold other outputs (the demo's
# database sits in a sub-folder of it), which must never be served.
_REPORT_FILE = re.compile(r"^[A-Za-z0-9_.-]+\.(html|csv|svg|png)$")


def national_report(request, path: str = "index.html"):
    """Serve the national oversight report: published public statistics only, so no sign-in."""
    root = Path(getattr(settings, "JIGSAW_NATIONAL_REPORT_DIR", settings.PROJECT_DIR / "out"))
    path = path or "index.html"
    if not _REPORT_FILE.match(path) or path.startswith(".") or not (root / path).is_file():
        raise Http404(
            "no such report file: the report is built by `jigsaw demo` or `jigsaw oversight`"
        )
    return serve(request, path, document_root=str(root))

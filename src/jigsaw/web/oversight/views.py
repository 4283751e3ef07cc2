from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.static import serve

from jigsaw.report import REPORT_FILES
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
    """Serve the national oversight report: published public statistics only, so no sign-in.

    Only the report's own files (:data:`jigsaw.report.REPORT_FILES`), only from its own folder
    (``settings.JIGSAW_NATIONAL_REPORT_DIR``): anything else there, or beside it (linkage
    outputs hold NHS numbers), is never served, whatever its name.
    """
    root = Path(settings.JIGSAW_NATIONAL_REPORT_DIR)
    path = path or REPORT_FILES[0]
    if path not in REPORT_FILES or not (root / path).is_file():
        raise Http404(
            "no such report file: the report is built by `jigsaw demo` or `jigsaw oversight`"
        )
    return serve(request, path, document_root=str(root))

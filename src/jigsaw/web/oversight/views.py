from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.views.static import serve

from jigsaw.errors import InputError
from jigsaw.report import REPORT_FILES
from jigsaw.web.accounts.decorators import role_required
from jigsaw.web.accounts.models import Role
from jigsaw.web.oversight import dashboard as dashboards
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


def _period(request):
    return dashboards.parse_period(
        request.GET.get("start"), request.GET.get("end"), timezone.localdate()
    )


def _as_of(request):
    """The earlier day whose kept figures are asked for (the links of figures shown while
    today's are prepared), else None."""
    text = request.GET.get("as_of")
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise InputError(f"as_of: give the day as YYYY-MM-DD ({error})") from error


def _preparing(request):
    """The page that says the figures are being prepared (they are never computed for it)."""
    return render(
        request,
        "oversight/dashboard_preparing.html",
        {"command": dashboards.REFRESH_COMMAND, "refresh": dashboards.REFRESH},
    )


@role_required(Role.PARTNERSHIP_LEAD)
def dashboard(request):
    """The partnership's figures for a period (the last twelve months unless chosen)."""
    today = timezone.localdate()
    error = ""
    try:
        start, end = _period(request)
    except InputError as problem:
        error = str(problem)
        start, end = dashboards.default_period(today)
    try:
        figures = dashboards.dashboard_for(
            user=request.user, today=today, start=start, end=end, as_of=_as_of(request)
        )
    except dashboards.Preparing:
        return _preparing(request)
    except InputError as problem:
        return render(request, "oversight/dashboard_unavailable.html", {"problem": str(problem)})
    return render(
        request,
        "oversight/dashboard.html",
        {
            "dashboard": figures,
            "period_error": error.removeprefix("period: ").capitalize() if error else "",
            # What the lead typed stays in the form, so a mistake can be corrected in place.
            "typed_start": request.GET.get("start", "") if error else "",
            "typed_end": request.GET.get("end", "") if error else "",
            "refresh": dashboards.REFRESH,
        },
        status=400 if error else 200,
    )


@role_required(Role.PARTNERSHIP_LEAD)
def return_download(request, fmt: str):
    """The annual return as CSV, Excel or a print page, for the period shown on the dashboard."""
    if fmt not in dashboards.DOWNLOADS:
        raise Http404("no such format")
    try:
        start, end = _period(request)
    except InputError as problem:
        return HttpResponseBadRequest(str(problem), content_type="text/plain; charset=utf-8")
    try:
        data, content_type, name = dashboards.return_download(
            user=request.user,
            today=timezone.localdate(),
            start=start,
            end=end,
            fmt=fmt,
            as_of=_as_of(request),
        )
    except InputError as problem:
        return HttpResponseBadRequest(str(problem), content_type="text/plain; charset=utf-8")
    response = HttpResponse(data, content_type=content_type)
    disposition = "inline" if fmt == "html" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def national_report(request, path: str = "index.html"):
    """Serve the national oversight report: published public statistics only, so no sign-in.

    Only the report's own files (:data:`jigsaw.report.REPORT_FILES`), only from its own folder
    (``settings.JIGSAW_NATIONAL_REPORT_DIR``): anything else there, or beside it (linkage
    outputs hold NHS numbers), is never served, whatever its name.
    """
    from jigsaw.report.national import SORT_SCRIPT, served_in_app, sort_script

    root = Path(settings.JIGSAW_NATIONAL_REPORT_DIR)
    path = path or REPORT_FILES[0]
    if path == SORT_SCRIPT:
        # The page's sorting script, from the package (the content security policy runs no
        # inline script); never a file of the report's folder.
        return HttpResponse(sort_script(), content_type="text/javascript; charset=utf-8")
    if path not in REPORT_FILES or not (root / path).is_file():
        raise Http404(
            "no such report file: the report is built by `jigsaw demo` or `jigsaw oversight`"
        )
    if path == REPORT_FILES[0]:
        html = (root / path).read_text(encoding="utf-8")
        try:
            # The app's way back, and the sorting script as a file.
            html = served_in_app(html, home="/", script_url=f"/oversight/national/{SORT_SCRIPT}")
        except ValueError:
            pass  # a page not written by jigsaw.report (a test's stand-in): served as it is
        return HttpResponse(html, content_type="text/html; charset=utf-8")
    return serve(request, path, document_root=str(root))

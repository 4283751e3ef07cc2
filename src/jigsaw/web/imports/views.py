"""The import pages: upload a file, map its columns (saved per agency), see every bad row or the
outcome, download the bad rows as CSV."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from jigsaw.web.access import Actor, may_import_list
from jigsaw.web.accounts.decorators import role_required
from jigsaw.web.accounts.models import Agency, Role
from jigsaw.web.accounts.selectors import profile_of
from jigsaw.web.imports.jobs import job_start, job_status
from jigsaw.web.imports.models import ImportMapping
from jigsaw.web.imports.services import (
    FIELDS,
    ImportRefused,
    file_read,
    import_check,
    import_reject_record,
    mapping_guess,
    mapping_save,
    problems_csv,
)

_HASH = re.compile(r"[0-9a-f]{64}")


def _held(key: str) -> Path:
    """Where an uploaded file waits between upload and mapping: private, deleted once used."""
    if not _HASH.fullmatch(key):
        raise Http404("no such upload")
    folder = Path(settings.VAR_DIR) / "imports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder / key


def _agencies(request: HttpRequest) -> list[Agency]:
    who = Actor.of(request.user)
    profile = profile_of(request.user)
    if profile is None:
        return []
    return [
        a
        for a in Agency.objects.filter(area_id=profile.area_id)
        if may_import_list(who, agency_id=a.pk, agency_area_id=a.area_id)
    ]


@role_required(Role.DSL, Role.ADMINISTRATOR)
def upload(request: HttpRequest) -> HttpResponse:
    agencies = _agencies(request)
    context: dict[str, object] = {"agencies": agencies, "fields": FIELDS}
    if request.method == "POST":
        agency = next((a for a in agencies if str(a.pk) == request.POST.get("agency")), None)
        sent = request.FILES.get("file")
        if agency is None or sent is None:
            context["error"] = "Choose the agency and the file to import"
            return render(request, "imports/upload.html", context, status=400)
        content = sent.read()
        try:
            uploaded = file_read(sent.name or "upload", content)
        except ImportRefused as refused:
            context.update(problems=refused.problems, file_name=sent.name)
            return render(request, "imports/upload.html", context, status=400)
        held = _held(uploaded.content_hash)
        held.write_bytes(content)
        held.chmod(0o600)
        request.session["import"] = {
            "key": uploaded.content_hash,
            "name": uploaded.name,
            "agency": agency.pk,
        }
        return redirect("imports:map")
    return render(request, "imports/upload.html", context)


@role_required(Role.DSL, Role.ADMINISTRATOR)
def map_columns(request: HttpRequest) -> HttpResponse:
    state = request.session.get("import")
    if not state:
        return redirect("imports:upload")
    agency = next((a for a in _agencies(request) if a.pk == state["agency"]), None)
    if agency is None:
        raise PermissionDenied("you may not import for this agency")
    held = _held(state["key"])
    if not held.exists():
        return redirect("imports:upload")
    uploaded = file_read(state["name"], held.read_bytes())
    saved = ImportMapping.objects.filter(agency=agency).values_list("columns", flat=True).first()
    mapping = mapping_guess(uploaded.header, saved)
    context: dict[str, object] = {
        "agency": agency,
        "file": uploaded,
        "fields": FIELDS,
        "mapping": mapping,
        "rows": len(uploaded.rows),
    }
    if request.method == "POST":
        mapping = {f.name: request.POST.get(f.name, "") for f in FIELDS}
        mapping_save(actor=request.user, agency=agency, columns=mapping)  # type: ignore[arg-type]
        check = import_check(uploaded, mapping)
        context.update(mapping=mapping, check=check)
        if not check.accepted:
            import_reject_record(actor=request.user, agency=agency, check=check)  # type: ignore[arg-type]
            request.session["import_problems"] = [
                [p.row, p.column, p.reason] for p in check.problems[:100_000]
            ]
            return render(request, "imports/map.html", context, status=400)
        job = job_start(actor=request.user, agency=agency, check=check)  # type: ignore[arg-type]
        held.unlink(missing_ok=True)
        del request.session["import"]
        request.session["import_job"] = job
        return redirect("imports:progress")
    return render(request, "imports/map.html", context)


#: Seconds between two looks of the progress page at a running import.
REFRESH_SECONDS = 2


@role_required(Role.DSL, Role.ADMINISTRATOR)
def progress(request: HttpRequest) -> HttpResponse:
    """How far the import started from this session has got: a page that reloads itself every
    few seconds (no script needed) until the import has finished, then its outcome."""
    job = request.session.get("import_job")
    user_id = int(request.user.pk or 0)
    status = job_status(job, user_id=user_id) if isinstance(job, str) else None
    if status is None:
        return redirect("imports:upload")
    response = render(
        request, "imports/progress.html", {"status": status, "refresh": REFRESH_SECONDS}
    )
    if not status.finished:
        response["Refresh"] = str(REFRESH_SECONDS)
        response["Cache-Control"] = "no-store"
    return response


@role_required(Role.DSL, Role.ADMINISTRATOR)
def problems(request: HttpRequest) -> HttpResponse:
    from jigsaw.web.imports.services import RowProblem

    rows = request.session.get("import_problems") or []
    body = problems_csv([RowProblem(int(r), str(c), str(m)) for r, c, m in rows])
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="import-problems.csv"'
    return response

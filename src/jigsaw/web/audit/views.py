from __future__ import annotations

import datetime as dt
import io

import pandas as pd
from django.http import HttpResponse
from django.shortcuts import render

from jigsaw.datasets.csvfile import neutralise_formulas
from jigsaw.web.accounts.decorators import role_required
from jigsaw.web.accounts.models import Role
from jigsaw.web.audit.forms import ChildAccessFilterForm
from jigsaw.web.audit.models import EventType
from jigsaw.web.audit.selectors import (
    audit_events_for,
    audit_rows,
    child_access_events,
    child_access_for,
)
from jigsaw.web.children.forms import SearchForm
from jigsaw.web.children.paging import paginate
from jigsaw.web.children.search import SearchTerms, children_search


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


@role_required(Role.AUDITOR)
def audit_log(request):
    subject_type = request.GET.get("subject_type", "")[:40]
    subject_id = request.GET.get("subject_id", "")[:64]
    event_type = request.GET.get("event_type", "")[:40]
    if event_type not in {e.value for e in EventType}:
        event_type = ""
    actor = request.GET.get("actor", "")[:150]
    since, until = _date(request.GET.get("since", "")), _date(request.GET.get("until", ""))
    events = audit_events_for(
        user=request.user,
        subject_type=subject_type,
        subject_id=subject_id,
        event_type=event_type,
        actor=actor,
        since=since,
        until=until,
    )
    paged = paginate(request, events, per_page=100)
    return render(
        request,
        "audit/log.html",
        {
            "rows": audit_rows(user=request.user, events=paged.items),
            "paged": paged,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "event_type": event_type,
            "actor": actor,
            "since": since.isoformat() if since else "",
            "until": until.isoformat() if until else "",
            "event_types": [e.value for e in EventType],
        },
    )


@role_required(Role.AUDITOR)
def child_find(request):
    """Find one of the area's children by name or NHS number, to see who looked at them."""
    form = SearchForm(request.GET or None)
    paged = None
    if form.is_bound and form.is_valid():
        terms = SearchTerms(
            name=form.cleaned_data["name"].strip(), nhs_number=form.cleaned_data["nhs_number"]
        )
        if not terms.empty:
            found = children_search(user=request.user, terms=terms, for_audit=True)
            paged = paginate(request, found, per_page=20)
    return render(
        request,
        "audit/child_find.html",
        {"form": form, "paged": paged},
        status=400 if form.is_bound and form.errors else 200,
    )


def _filters(request, access) -> tuple[ChildAccessFilterForm, dict]:
    form = ChildAccessFilterForm(
        request.GET or None, users=access.users, event_types=access.event_types
    )
    if not (form.is_bound and form.is_valid()):
        return form, {}
    return form, {key: form.cleaned_data[key] for key in ("actor", "event_type", "since", "until")}


@role_required(Role.AUDITOR)
def child_access(request, child_id: int):
    """Who looked at one child and why: filters, pages, and the same rows as a CSV file."""
    access = child_access_for(user=request.user, child_id=child_id)
    form, filters = _filters(request, access)
    # Filters that are not valid are shown with their errors, over the unfiltered events.
    events = child_access_events(user=request.user, access=access, **filters)
    paged = paginate(request, events)
    return render(
        request,
        "audit/child_access.html",
        {
            "access": access,
            "form": form,
            "paged": paged,
            "rows": audit_rows(user=request.user, events=paged.items, about_child=access.child.pk),
        },
        status=400 if form.errors else 200,
    )


CSV_COLUMNS = ["when_utc", "user", "event", "purpose", "subject_type", "subject_id", "child_id"]


@role_required(Role.AUDITOR)
def child_access_csv(request, child_id: int):
    """The filtered rows of :func:`child_access`, every page of them; the export is audited."""
    access = child_access_for(user=request.user, child_id=child_id)
    form, filters = _filters(request, access)
    if form.errors:
        return HttpResponse("The filters are not valid.", status=400, content_type="text/plain")
    events = child_access_events(user=request.user, access=access, export=True, **filters)
    rows = audit_rows(user=request.user, events=events, about_child=access.child.pk)
    frame = pd.DataFrame(
        [
            [
                row.at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
                row.who,
                row.event,
                row.purpose,
                row.subject_type,
                row.subject_id,
                row.child_id if row.child_id is not None else "",
            ]
            for row in rows
        ],
        columns=CSV_COLUMNS,
        dtype=object,
    )
    body = io.StringIO()
    neutralise_formulas(frame).to_csv(body, index=False, lineterminator="\n")
    response = HttpResponse(body.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="child-{access.child.pk}-access.csv"'
    return response

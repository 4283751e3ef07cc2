from __future__ import annotations

import datetime as dt

from django.shortcuts import render

from jigsaw.web.accounts.decorators import role_required
from jigsaw.web.accounts.models import Role
from jigsaw.web.audit.models import EventType
from jigsaw.web.audit.selectors import audit_events_for
from jigsaw.web.children.paging import paginate


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
            "events": paged.items,
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

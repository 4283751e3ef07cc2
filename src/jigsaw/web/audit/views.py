from __future__ import annotations

from django.shortcuts import render

from jigsaw.web.accounts.decorators import role_required
from jigsaw.web.accounts.models import Role
from jigsaw.web.audit.models import EventType
from jigsaw.web.audit.selectors import audit_events_for


@role_required(Role.AUDITOR)
def audit_log(request):
    subject_type = request.GET.get("subject_type", "")[:40]
    subject_id = request.GET.get("subject_id", "")[:64]
    events = audit_events_for(user=request.user, subject_type=subject_type, subject_id=subject_id)
    return render(
        request,
        "audit/log.html",
        {
            "events": events,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "event_types": [e.value for e in EventType],
        },
    )

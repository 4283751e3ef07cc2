"""Reads of the audit trail: auditors only."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet

from jigsaw.web.accounts.models import Role
from jigsaw.web.accounts.selectors import role_of
from jigsaw.web.audit.models import AuditEvent, EventType
from jigsaw.web.audit.services import audit_record


def audit_events_for(
    *,
    user,
    subject_type: str = "",
    subject_id: str = "",
    event_type: str = "",
    actor: str = "",
    since=None,
    until=None,
) -> QuerySet[AuditEvent]:
    """Return the audit events, newest first (optionally about one subject, of one type, by one
    user, between two dates), for an auditor; the page shows them a page at a time.

    Raises
    ------
    PermissionDenied
        Unless the user is an auditor. Reading the audit log is itself audited.
    """
    if role_of(user) != Role.AUDITOR:
        raise PermissionDenied("only auditors may read the audit log")
    with transaction.atomic():
        audit_record(
            actor=user,
            event_type=EventType.AUDIT_LOG_VIEWED,
            extra={
                "subject_type": subject_type,
                "subject_id": subject_id,
                # The further filters only when used, so the row says what was asked.
                **{
                    key: value
                    for key, value in (
                        ("event_type", event_type),
                        ("actor", actor),
                        ("since", since.isoformat() if since else ""),
                        ("until", until.isoformat() if until else ""),
                    )
                    if value
                },
            },
        )
        events = AuditEvent.objects.select_related("actor")
        if subject_type:
            events = events.filter(subject_type=subject_type)
        if subject_id:
            events = events.filter(subject_id=subject_id)
        if event_type:
            events = events.filter(event_type=event_type)
        if actor:
            events = events.filter(actor_label=actor)
        if since:
            events = events.filter(at__date__gte=since)
        if until:
            events = events.filter(at__date__lte=until)
        return events


def audit_chain_verdict(anchors_file=None):
    """Check the whole audit chain against its anchors (and an anchor file, if given).

    Not a view: run by ``jigsaw audit verify`` with the operator's database credentials.
    """
    from jigsaw.web.audit.chain import Anchor, anchor_file_read, verify
    from jigsaw.web.audit.models import AuditAnchor

    anchors = [Anchor(a.seq, a.hash, a.at) for a in AuditAnchor.objects.order_by("seq", "id")]
    if anchors_file is not None and anchors_file.exists():
        anchors += anchor_file_read(anchors_file)
    events = (
        AuditEvent.objects.order_by("seq", "id")
        .only(
            "id",
            "seq",
            "prev_hash",
            "hash",
            "at",
            "actor_id",
            "actor_label",
            "event_type",
            "subject_type",
            "subject_id",
            "extra",
        )
        .iterator(chunk_size=2000)
    )
    return verify(events, anchors)

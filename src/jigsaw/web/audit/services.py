"""The one way to write an audit row."""

from __future__ import annotations

import datetime as dt

from django.db import models, transaction

from jigsaw.web.audit.models import AuditEvent, EventType


def audit_record(
    *,
    actor: models.Model | None,
    event_type: EventType,
    subject: models.Model | None = None,
    extra: dict[str, object] | None = None,
) -> AuditEvent:
    """Write one audit row inside the caller's transaction.

    Parameters
    ----------
    actor : User or None
        Who acted; ``None`` only for the system itself (the demo loader).
    event_type : EventType
        What happened.
    subject : model instance, optional
        What it happened to (a child, a concern, a link, a user).
    extra : dict, optional
        JSON-serialisable detail: the purpose of a view, the decision, the reason.

    Returns
    -------
    AuditEvent
        The saved row.

    Raises
    ------
    django.core.exceptions.ValidationError, django.db.DatabaseError
        If the row cannot be written. Callers write it inside their ``transaction.atomic`` block,
        so the change or view it describes is refused with it.
    """
    if not isinstance(event_type, EventType):
        raise TypeError(f"event_type must be an EventType, not {event_type!r}")
    event = AuditEvent(
        at=dt.datetime.now(dt.UTC),
        actor=actor,
        actor_label=actor.get_username() if actor is not None else "system",
        event_type=event_type.value,
        subject_type=subject._meta.model_name if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        extra=extra or {},
    )
    event.full_clean()
    # A savepoint so a failed audit write aborts the caller's whole atomic block, not half of it.
    with transaction.atomic():
        event.save()
    return event

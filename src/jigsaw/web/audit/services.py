"""The one way to write an audit row, and the anchoring of the chain's head."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from jigsaw.web.audit.chain import GENESIS, Anchor, canonical_extra, hash_of
from jigsaw.web.audit.models import AuditAnchor, AuditEvent, EventType

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Any constant will do: every appender takes this one PostgreSQL advisory lock (held until its
# transaction ends), so two events can never both claim to follow the same head.
CHAIN_LOCK_KEY = 0x6A69677361770001


def _chain_lock() -> None:
    """Serialise appends to the chain until the current transaction ends.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: the database's single write lock,
    which Django takes at BEGIN (``transaction_mode="IMMEDIATE"`` in the settings), so the head
    read below cannot be stale. The unique ``seq`` and the insert trigger refuse a fork anyway.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])


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
    # Typed as any model so that callers may pass request.user; only users act.
    user = cast("User | None", actor)
    event = AuditEvent(
        at=timezone.now(),
        actor=user,
        actor_label=user.get_username() if user is not None else "system",
        event_type=event_type.value,
        subject_type=(subject._meta.model_name or "") if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        extra=canonical_extra(extra or {}),
    )
    event.full_clean(exclude=["seq", "prev_hash", "hash"])
    # A savepoint so a failed audit write aborts the caller's whole atomic block, not half of it.
    with transaction.atomic():
        _chain_lock()
        head = AuditEvent.objects.order_by("-seq").values("seq", "hash", "at").first()
        event.seq = head["seq"] + 1 if head else 1
        event.prev_hash = head["hash"] if head else GENESIS
        # Time never runs backwards along the chain (a forged back-dated row is refused), even if
        # the clock is stepped back: the event then carries its predecessor's time.
        if head and head["at"] > event.at:
            event.at = head["at"]
        event.hash = hash_of(event)
        event.save()
        if event.seq % settings.JIGSAW_AUDIT_ANCHOR_EVERY == 0:
            AuditAnchor.objects.create(seq=event.seq, hash=event.hash, at=event.at)
    return event


def audit_anchor() -> Anchor | None:
    """Copy the chain's head to the anchor table now; return it (``None`` for an empty log).

    Run on a schedule (``jigsaw audit anchor``, e.g. hourly from cron or a systemd timer) so the
    stretch of log that could be rewritten unnoticed is never longer than the interval.
    """
    with transaction.atomic():
        _chain_lock()
        head = AuditEvent.objects.order_by("-seq").values("seq", "hash", "at").first()
        if head is None:
            return None
        if not AuditAnchor.objects.filter(seq=head["seq"]).exists():
            AuditAnchor.objects.create(seq=head["seq"], hash=head["hash"], at=timezone.now())
        return Anchor(head["seq"], head["hash"], head["at"])

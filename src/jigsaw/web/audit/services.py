"""The one way to write an audit row, and the anchoring of the chain's head."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
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


# How an event's area is found from its subject when nobody of an area acted: the subject's own
# area, or the area of what it belongs to (a concern's record's agency, an action's referral).
_AREA_PATHS = ("child", "referral", "record", "agency", "owner_agency", "user")


def _area_of_subject(subject: models.Model | None, depth: int = 0) -> int | None:
    if subject is None or depth > 3:
        return None
    if subject._meta.label_lower == "accounts.area":
        return cast("int", subject.pk)
    area_id = getattr(subject, "area_id", None)
    if area_id is not None:
        return cast("int", area_id)
    if subject._meta.label_lower == "auth.user":
        return _area_of_user(subject)
    for name in _AREA_PATHS:
        if getattr(subject, f"{name}_id", None) is not None:
            return _area_of_subject(getattr(subject, name), depth + 1)
    return None


def _area_of_user(user: models.Model | None) -> int | None:
    """The area a user works in (deactivated users too: their last acts still belong there)."""
    from jigsaw.web.accounts.models import Profile

    if user is None or user.pk is None:
        return None
    try:
        return cast("int", user.profile.area_id)  # type: ignore[attr-defined]
    except Profile.DoesNotExist:
        return None


def event_area(actor: models.Model | None, subject: models.Model | None) -> int | None:
    """The area an event belongs to, whose auditors read it.

    The acting user's area: every allowed act lies inside it, and an attempt on another area's
    child is shown to the attempter's own auditors (with the child's number only, exactly like
    an attempt on a number that does not exist), so that nothing reveals to one area's auditor
    what exists in another. Without an acting user of an area (the system, the demo loader, a
    user setting their password from a link), the area of the subject.
    """
    return _area_of_user(actor) or _area_of_subject(subject)


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
        JSON-serialisable detail: the purpose of a view, the decision, the reason. Auditors see
        only its ``purpose`` (the rest may be free text, see :mod:`jigsaw.web.audit.selectors`).

    Returns
    -------
    AuditEvent
        The saved row, in the area :func:`event_area` gives it.

    Raises
    ------
    django.core.exceptions.ValidationError, django.db.DatabaseError
        If the row cannot be written. Callers write it inside their ``transaction.atomic`` block,
        so the change or view it describes is refused with it.
    """
    event = _event(actor, event_type, subject, extra)
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


def _event(
    actor: models.Model | None,
    event_type: EventType,
    subject: models.Model | None,
    extra: dict[str, object] | None,
) -> AuditEvent:
    """An event not yet on the chain (no ``seq``, ``prev_hash`` or ``hash``)."""
    if not isinstance(event_type, EventType):
        raise TypeError(f"event_type must be an EventType, not {event_type!r}")
    # Typed as any model so that callers may pass request.user; only users act.
    user = cast("User | None", actor)
    return AuditEvent(
        at=timezone.now(),
        actor=user,
        actor_label=user.get_username() if user is not None else "system",
        event_type=event_type.value,
        subject_type=(subject._meta.model_name or "") if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        extra=canonical_extra(extra or {}),
        area_id=event_area(user, subject),
    )


@dataclasses.dataclass(frozen=True)
class AuditEntry:
    """One event for :func:`audit_record_many`: what :func:`audit_record` takes."""

    actor: models.Model | None
    event_type: EventType
    subject: models.Model | None = None
    extra: dict[str, object] | None = None


def audit_record_many(entries: Sequence[AuditEntry]) -> int:
    """Write many audit rows at once inside the caller's transaction, in the order given; return
    how many.

    The chain is the one :func:`audit_record` extends, under the same lock: the events take the
    next places after the head, each hashing the one before it (:func:`~.chain.hash_of`, as one
    by one), and are inserted in that order (:func:`~jigsaw.web.bulk.rows_write`), so the
    database's insert trigger checks each against the head as it would one by one. They all
    carry one time, never earlier than the head's; an anchor is written at every
    ``JIGSAW_AUDIT_ANCHOR_EVERY``-th place, as one by one. A bulk load writes an event per
    contact and per child graded: built without a model instance each, they cost a few
    microseconds instead of a few hundred.

    Raises
    ------
    TypeError
        If an entry's event type is not an :class:`EventType`.
    django.db.DatabaseError
        If the rows cannot be written (the caller's whole transaction is refused with them).
    """
    if not entries:
        return 0
    for entry in entries:
        if not isinstance(entry.event_type, EventType):
            raise TypeError(f"event_type must be an EventType, not {entry.event_type!r}")
    from jigsaw.web.bulk import converter, rows_write

    fields = [f for f in AuditEvent._meta.concrete_fields if f.attname != "id"]
    convert = [converter(f) for f in fields]
    every = settings.JIGSAW_AUDIT_ANCHOR_EVERY
    labels: dict[object, str] = {}
    areas: dict[object, int | None] = {}  # each actor's area, read once
    rows = []
    with transaction.atomic():
        _chain_lock()
        head = AuditEvent.objects.order_by("-seq").values("seq", "hash", "at").first()
        seq = head["seq"] if head else 0
        prev = head["hash"] if head else GENESIS
        at = max(timezone.now(), head["at"]) if head else timezone.now()
        anchors = []
        for entry in entries:
            user = cast("User | None", entry.actor)
            if user not in labels:
                labels[user] = user.get_username() if user is not None else "system"
                areas[user] = _area_of_user(user)
            subject = entry.subject
            seq += 1
            event = _Unsaved(
                at=at,
                actor_id=user.pk if user is not None else None,
                actor_label=labels[user],
                event_type=entry.event_type.value,
                subject_type=(subject._meta.model_name or "") if subject is not None else "",
                subject_id=str(subject.pk) if subject is not None else "",
                extra=canonical_extra(entry.extra or {}),
                # As event_area: the actor's area, else the subject's.
                area_id=areas[user] or _area_of_subject(subject),
                seq=seq,
                prev_hash=prev,
            )
            event.hash = prev = hash_of(event)
            rows.append(
                [c(getattr(event, f.attname)) for f, c in zip(fields, convert, strict=True)]
            )
            if seq % every == 0:
                anchors.append(AuditAnchor(seq=seq, hash=event.hash, at=at))
        rows_write(AuditEvent._meta.db_table, [f.column for f in fields], rows)
        AuditAnchor.objects.bulk_create(anchors, batch_size=500)
    return len(rows)


class _Unsaved:
    """An event's fields by column name, as :func:`~.chain.hash_of` reads a saved one."""

    _meta = AuditEvent._meta

    def __init__(self, **values: object) -> None:
        self.__dict__.update(values)
        self.hash = ""


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

"""The audit log as a hash chain: what an event's hash covers, and how the whole log is checked.

Each event carries its place in the chain (``seq``, 1, 2, 3, ...), the hash of the event before it
(``prev_hash``; the first event follows :data:`GENESIS`) and its own ``hash``: SHA-256 over the
canonical text of its content *and* ``prev_hash``. Editing, removing, inserting or reordering an
event therefore breaks the chain at that event, even for someone who can write to the table
directly. Someone who rewrites the chain from some point onwards (recomputing every later hash)
is caught by the anchors: copies of the head's ``seq`` and ``hash`` written from time to time to a
table the application's role cannot change, and optionally to a file kept elsewhere.

The canonical form is a stored format: changing it would make every existing log fail
verification, so it must never change.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from jigsaw.errors import InputError

GENESIS = "0" * 64


def canonical_at(at: dt.datetime) -> str:
    """Return an aware datetime as UTC text to the microsecond, as both databases store it."""
    if at.tzinfo is None:
        raise ValueError("audit times must be timezone-aware")
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_extra(extra: Mapping[str, Any]) -> Any:
    """Return ``extra`` as it reads back from a JSON column (tuples become lists, keys text)."""
    return json.loads(json.dumps(extra, ensure_ascii=False, allow_nan=False))


def canonical_content(event: Any) -> dict[str, Any]:
    """Return what an event's hash covers: every stored field but ``id`` and ``hash`` itself.

    Fields are named by their column (``actor_id``); times are UTC text to the microsecond and
    dates ISO text. Empty values (``None``, ``""``) are left out, so that a field added to the
    model later (empty in the events written before it) leaves the old events' hashes as they
    were, while covering every new event that sets it.
    """
    content: dict[str, Any] = {}
    for field in event._meta.concrete_fields:
        if field.attname in ("id", "hash"):
            continue
        value = getattr(event, field.attname)
        if value is None or value == "":
            continue
        if isinstance(value, dt.datetime):
            value = canonical_at(value)
        elif isinstance(value, dt.date):
            value = value.isoformat()
        content[field.attname] = value
    return content


def content_hash(content: Mapping[str, Any]) -> str:
    """Return the SHA-256 (hex) of canonical content: sorted keys, no spaces, UTF-8."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def hash_of(event: Any) -> str:
    """Return the hash an :class:`~jigsaw.web.audit.models.AuditEvent` should carry.

    It covers ``prev_hash`` (a field like the others), which is what chains the events.
    """
    return content_hash(canonical_content(event))


@dataclasses.dataclass(frozen=True)
class Anchor:
    """A copy of the chain's head at some moment: its ``seq`` and ``hash``."""

    seq: int
    hash: str
    at: dt.datetime | None = None
    source: str = "anchor table"


@dataclasses.dataclass(frozen=True)
class Break:
    """The first event at which the log stops being what was written."""

    seq: int
    event_id: int | None
    reason: str

    def __str__(self) -> str:
        where = f"event {self.seq}" + (f" (id {self.event_id})" if self.event_id else "")
        return f"the audit log is broken at {where}: {self.reason}"


@dataclasses.dataclass(frozen=True)
class Verdict:
    """The outcome of :func:`verify`: how many events were checked and the first break, if any."""

    events: int
    anchors: int
    head: Anchor | None
    broken: Break | None

    @property
    def intact(self) -> bool:
        return self.broken is None


def verify(events: Iterable[Any], anchors: Iterable[Anchor] = ()) -> Verdict:
    """Walk ``events`` in ``seq`` order and return where, if anywhere, the chain first breaks.

    ``events`` are audit events ordered by ``seq`` (and, for ties a forger may have made, by
    ``id``). An event is broken when its ``seq`` is not the next number (one was removed or
    inserted), its ``prev_hash`` is not the previous event's hash (reordered, or one before it was
    removed), its hash does not match its content (edited), or its time is earlier than the
    event before it (back-dated). An anchor is broken when its event is missing (the tail was
    cut off) or carries another hash (the chain was rewritten and re-hashed from there on).
    """
    by_seq: dict[int, list[Anchor]] = {}
    for anchor in anchors:
        by_seq.setdefault(anchor.seq, []).append(anchor)
    anchor_count = sum(len(group) for group in by_seq.values())
    expected_seq, expected_prev, last_at, count = 1, GENESIS, None, 0
    head = None
    first_break = None
    for event in events:
        count += 1
        if event.seq != expected_seq:
            what = "missing" if event.seq > expected_seq else "duplicated or inserted"
            reason = f"expected event {expected_seq} here, found {event.seq}: an event is {what}"
            first_break = Break(expected_seq, event.pk, reason)
            break
        if event.prev_hash != expected_prev:
            first_break = Break(
                event.seq,
                event.pk,
                "it does not follow the event before it (removed, inserted or reordered)",
            )
            break
        if hash_of(event) != event.hash:
            first_break = Break(event.seq, event.pk, "its content does not match its hash (edited)")
            break
        if last_at is not None and event.at < last_at:
            first_break = Break(
                event.seq,
                event.pk,
                f"its time {canonical_at(event.at)} is before the event it follows "
                f"({canonical_at(last_at)}): back-dated",
            )
            break
        for anchor in by_seq.pop(event.seq, []):
            if anchor.hash != event.hash:
                first_break = Break(
                    event.seq,
                    event.pk,
                    f"it differs from the {anchor.source}'s copy: the log was rewritten at or before it",
                )
                break
        if first_break:
            break
        head = Anchor(event.seq, event.hash, event.at)
        expected_seq, expected_prev, last_at = event.seq + 1, event.hash, event.at
    if first_break is None and by_seq:
        seq = min(by_seq)
        anchor = by_seq[seq][0]
        first_break = Break(
            expected_seq,
            None,
            f"the {anchor.source} holds event {seq}, but the log ends at event "
            f"{expected_seq - 1}: events were removed from the end",
        )
    return Verdict(
        events=count,
        anchors=anchor_count,
        head=head,
        broken=first_break,
    )


def anchor_file_append(path: Path, anchor: Anchor) -> None:
    """Append one anchor to ``path`` as a JSON line (the file is created 0600)."""
    import os

    line = json.dumps(
        {"seq": anchor.seq, "hash": anchor.hash, "at": canonical_at(anchor.at)}
        if anchor.at
        else {"seq": anchor.seq, "hash": anchor.hash}
    )
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def anchor_file_read(path: Path) -> list[Anchor]:
    """Return the anchors in a file written by :func:`anchor_file_append`.

    Raises
    ------
    jigsaw.errors.InputError
        Naming the file and line of anything that is not an anchor.
    """
    anchors = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            anchors.append(
                Anchor(int(item["seq"]), str(item["hash"]), source=f"anchor file {path.name}")
            )
        except (ValueError, KeyError, TypeError) as error:
            raise InputError(f"{path}, line {number}: not an audit anchor ({error})") from None
    return anchors

"""One-record linkage for the web application, on top of :class:`jigsaw.linkage.OnlineMatcher`.

Each server process (a gunicorn worker) keeps one in-memory index of every agency record with the
child it belongs to. Whether it is still the store's is decided by one primary-key read of the
:class:`~jigsaw.web.children.models.RecordStoreVersion` row, which every change to the records or
their active links updates in its own transaction (:func:`store_changed`):

- the same version: the index is current (the common case, O(1) whatever the store's size);
- a higher version: records were added, by this process or another; the links after the last one
  indexed are read by primary key and added (a few rows). If ``moves`` is higher too, a MASH
  analyst moved records to other children: the links confirmed since the last move seen are read
  and their records moved in the index;
- anything else (a bulk load, the row recreated, a rolled-back version lower than the one seen):
  the index is rebuilt from the store.

The same row counts the changes of the partnerships' linkage models (``model_changes``,
:func:`models_changed`, bumped in the transaction that makes a retrained model active): each
process then keeps its records and reads the models in use again, so a match is always scored
with the model its area uses now, in every process.

Reading links "after the last one indexed" misses none because :func:`store_changed` is the first
write of every transaction that adds or confirms a link: its row lock makes those transactions
take their ids and decision times, and commit, one after another, so no link is committed with an
id below one already read, nor a confirmation with an earlier time (a margin of
:data:`MOVE_MARGIN` covers the clocks of several servers; moving a record twice is harmless).

Two saves of records about the same new child must meet, or each makes a child of its own and the
MASH is never told they are one. :func:`lock_candidate_blocks` orders them: inside the saving
transaction, before matching and before its first write, it waits for every other transaction
holding a record that shares a blocking key with this one, so the match that follows (which
re-reads the version row) sees the other's record once it has committed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F, Max

from jigsaw.web.children.models import (
    ACTIVE_LINK_STATUSES,
    Link,
    LinkStatus,
    RecordStoreVersion,
)

if TYPE_CHECKING:
    from jigsaw.linkage import Match, Model, OnlineMatcher

# The columns read for the index: a link's id and status, its record in the linkage engine's
# shape, its child, and whether the record's birth date is an estimate (see _mapping_of_row).
_LINK_COLUMNS = (
    "id",
    "status",
    "record__record_id",
    "record__agency__kind",
    "record__first_name",
    "record__last_name",
    "record__dob",
    "record__sex",
    "record__postcode",
    "record__nhs_number",
    "child_id",
    "record__dob_estimated",
)
_CHILD = _LINK_COLUMNS.index("child_id")
_ACTIVE = frozenset(str(s) for s in ACTIVE_LINK_STATUSES)

#: How far back confirmations are read again when records have moved (clocks of several servers).
MOVE_MARGIN = dt.timedelta(minutes=2)

Stamp = tuple[str, int, int, int]  # (epoch, rebuilds, moves, version)


def store_changed(*, moved: bool = False, rebuild: bool = False) -> None:
    """Say, inside the transaction that changes them, that records or their active links change.

    Call it before the transaction's first write to records or links: besides the version, it
    takes the row's lock, which orders concurrent writers (see the module's docstring). ``moved``
    says a record moves to another child (a confirmed link): each process moves it in its index.
    ``rebuild`` says the change cannot be followed record by record (a bulk load): each process
    rebuilds its index.

    Raises
    ------
    RuntimeError
        Outside a transaction, where the version could be seen before the change it announces.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("store_changed() must run inside the transaction that changes the store")
    changes: dict[str, Any] = {"version": F("version") + 1}
    if moved:
        changes["moves"] = F("moves") + 1
    if rebuild:
        changes["rebuilds"] = F("rebuilds") + 1
    if not RecordStoreVersion.objects.filter(pk=1).update(**changes):
        # The row was removed (tables emptied): a new one, with a new epoch.
        RecordStoreVersion.objects.get_or_create(pk=1)
        RecordStoreVersion.objects.filter(pk=1).update(**changes)


def models_changed() -> None:
    """Say, inside the transaction that makes another linkage model active for an area, that
    the models in use change: every process reads them again before its next match.

    Raises
    ------
    RuntimeError
        Outside a transaction, where the change could be seen before the model it announces.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "models_changed() must run inside the transaction that changes the model in use"
        )
    changes = {"model_changes": F("model_changes") + 1}
    if not RecordStoreVersion.objects.filter(pk=1).update(**changes):
        RecordStoreVersion.objects.get_or_create(pk=1)
        RecordStoreVersion.objects.filter(pk=1).update(**changes)


#: Above this many blocks a transaction locks the whole store instead (a bulk import): PostgreSQL
#: holds advisory locks in a shared table sized by ``max_locks_per_transaction`` (64 per
#: connection by default), which hundreds of thousands of block locks would exhaust.
MAX_BLOCK_LOCKS = 256
# Any constant will do (the audit chain's lock is ...0001): every block locker holds this one
# shared, a whole-store locker holds it alone.
STORE_LOCK_KEY = 0x6A69677361770002


def _block_lock_key(block: tuple[int, tuple[object, ...]]) -> int:
    """A blocking key as a PostgreSQL advisory lock key (a signed 64-bit integer). Two blocks
    sharing a key only wait for each other needlessly, never wrongly."""
    digest = hashlib.blake2b(repr(block).encode(), digest_size=8, person=b"jigsaw-block").digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_candidate_blocks(*records: Mapping[str, object]) -> int:
    """Wait, inside the transaction about to store ``records``, until no other transaction is
    storing a record that could match one of them; hold that until this transaction ends.

    ``records`` are in the linkage engine's shape (:func:`record_mapping`). Call it before the
    transaction's first write (:func:`store_changed` included) and match after it: every record
    that could match shares a blocking key of the matcher (``OnlineMatcher.blocking_keys``), so
    a save of a record about the same child either committed before this returns, and the match
    sees it, or waits for this one and sees it in turn. The keys are locked in sorted order, so
    two savers never hold one each and wait for the other's. More than :data:`MAX_BLOCK_LOCKS`
    blocks (an import) lock the whole store instead.

    PostgreSQL: transaction-level advisory locks (``pg_advisory_xact_lock``), released at commit
    or rollback. SQLite: nothing to do, as the settings begin every transaction with
    ``BEGIN IMMEDIATE``, which takes the database's single write lock: from then until commit no
    other transaction can store anything, so a match made inside the transaction is current.

    Returns the number of locks taken (0 on SQLite).

    Raises
    ------
    RuntimeError
        Outside a transaction, where the lock would be released before the records are stored.
    """
    from jigsaw.linkage import OnlineMatcher

    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("lock_candidate_blocks() must run inside the transaction that stores")
    if connection.vendor != "postgresql":
        return 0
    blocks: set[tuple[int, tuple[object, ...]]] = set()
    for record in records:
        blocks.update(OnlineMatcher.blocking_keys(record))
        if len(blocks) > MAX_BLOCK_LOCKS:
            break  # the whole store is locked: the rest need not be prepared
    with connection.cursor() as cursor:
        if len(blocks) > MAX_BLOCK_LOCKS:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [STORE_LOCK_KEY])
            return 1
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [STORE_LOCK_KEY])
        keys = sorted({_block_lock_key(b) for b in blocks})
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
    return 1 + len(keys)


def _stamp() -> tuple[Stamp | None, tuple[str, int] | None]:
    """The records' stamp and the models' (epoch, model changes), in one primary-key read."""
    row = (
        RecordStoreVersion.objects.filter(pk=1)
        .values_list("epoch", "rebuilds", "moves", "version", "model_changes")
        .first()
    )
    if row is None:
        return None, None
    return (str(row[0]), int(row[1]), int(row[2]), int(row[3])), (str(row[0]), int(row[4]))


def _last_move() -> dt.datetime | None:
    found = Link.objects.filter(status=LinkStatus.CONFIRMED).aggregate(last=Max("decided_at"))
    return found["last"]


def record_mapping(
    *,
    record_id: str,
    agency_kind: str,
    first_name: str,
    last_name: str,
    dob: Any,
    sex: str,
    postcode: str,
    nhs_number: str,
) -> dict[str, object]:
    """Return a record in the shape the linkage engine reads (``jigsaw.linkage.RECORD_COLUMNS``)."""
    return {
        "record_id": record_id,
        "agency": agency_kind,
        "first_name": first_name,
        "last_name": last_name,
        "dob": dob,
        "sex": sex if sex in ("F", "M") else None,
        "postcode": postcode or None,
        "nhs_number": nhs_number or None,
    }


def _mapping_of_row(row: tuple[Any, ...]) -> dict[str, object]:
    _, _, record_id, kind, first, last, dob, sex, postcode, nhs, _, dob_estimated = row
    return record_mapping(
        record_id=record_id,
        agency_kind=kind,
        first_name=first,
        last_name=last,
        # A birth date estimated from an approximate age would link (and unlink) by chance.
        dob=None if dob_estimated else dob,
        sex=sex,
        postcode=postcode,
        nhs_number=nhs,
    )


def _child_of_row(row: tuple[Any, ...]) -> str:
    return str(row[_CHILD])


class RecordIndex:
    """One process's linkage index of the record store, kept current by the version row.

    The application uses one per process (the functions below); a test may make several to stand
    for several workers. Thread-safe: queries and updates take the index's lock, as the engine's
    matcher is not safe to read while it grows.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._matcher: OnlineMatcher | None = None
        self._stamp: Stamp | None = None
        self._last_link = 0
        self._last_move: dt.datetime | None = None
        # The linkage model each area uses, read once per change of the models (model_changes).
        self._models: dict[int, Model] = {}
        self._models_seen: tuple[str, int] | None = None
        self.rebuilds = 0  # how many times the whole store was read (the tests count them)
        self.model_reads = 0  # how many times an area's model in use was read (the tests too)

    def __len__(self) -> int:
        with self._lock:
            return 0 if self._matcher is None else len(self._matcher)

    def forget(self) -> None:
        """Drop the index; the next use rebuilds it."""
        with self._lock:
            self._matcher, self._stamp, self._last_link = None, None, 0
            self._models, self._models_seen = {}, None

    def current(self) -> OnlineMatcher:
        """Return the index, first brought up to date with the store if the store has moved on."""
        with self._lock:
            stamp, models = _stamp()
            self._models_check(models)
            if self._matcher is not None and stamp == self._stamp:
                return self._matcher
            seen = self._stamp
            index = self._matcher
            if (
                index is not None
                and stamp is not None
                and seen is not None
                and stamp[:2] == seen[:2]
                and stamp[3] > seen[3]
            ):
                # New links first: a record confirmed onto another child may be a new one.
                self._catch_up(index)
                if stamp[2] == seen[2] or self._move(index):
                    self._stamp = stamp
                    return index
            return self._rebuild(stamp)

    def refresh(self) -> None:
        """Bring a built index up to date (after this process's own change commits); an index not
        built yet is left to its first use."""
        with self._lock:
            if self._matcher is not None:
                self.current()

    def match(
        self, record: dict[str, object], *, limit: int = 5, area_id: int | None = None
    ) -> list[Match]:
        """Return the linkage engine's best matches for one record (not yet stored), best first,
        scored with the model ``area_id`` uses (the shipped one for none)."""
        with self._lock:
            index = self.current()
            return list(index.match(record, limit=limit, model=self.model_of(area_id)))

    def _models_check(self, models: tuple[str, int] | None) -> None:
        if models is None or models != self._models_seen:
            self._models, self._models_seen = {}, models

    def model_in_use(self, area_id: int | None) -> Model:
        """The linkage model ``area_id`` uses now: the models' counter is read (one primary-key
        read), never the records, so a page that only weighs two records builds no index."""
        with self._lock:
            self._models_check(_stamp()[1])
            return self.model_of(area_id)

    def model_of(self, area_id: int | None) -> Model:
        """The linkage model ``area_id`` uses now (its active trained model, else the shipped
        one), as of the last :meth:`current`."""
        with self._lock:
            if area_id is None:
                return self._shipped()
            found = self._models.get(area_id)
            if found is None:
                from jigsaw.web.linkmodel.selectors import model_in_use

                found = self._models[area_id] = model_in_use(area_id)
                self.model_reads += 1
            return found

    @staticmethod
    def _shipped() -> Model:
        from jigsaw.web.children.compare import model

        return model()

    def _rebuild(self, stamp: Stamp | None) -> OnlineMatcher:
        import pandas as pd

        from jigsaw.linkage import RECORD_COLUMNS, OnlineMatcher

        # The stamp was read first: a change committed since is either in these rows or still
        # ahead of the stamp, and is read at the next check.
        last_move = _last_move()
        rows = list(
            Link.objects.filter(status__in=ACTIVE_LINK_STATUSES)
            .order_by("id")
            .values_list(*_LINK_COLUMNS)
        )
        # Every row becomes a record the one way (_mapping_of_row), as _catch_up adds them.
        frame = pd.DataFrame.from_records(
            [{**_mapping_of_row(row), "child_id": _child_of_row(row)} for row in rows],
            columns=[*RECORD_COLUMNS, "child_id"],
        )
        self._matcher = OnlineMatcher.from_records(frame, self._shipped())
        self._stamp = stamp
        self._last_link = rows[-1][0] if rows else 0
        self._last_move = last_move
        self.rebuilds += 1
        return self._matcher

    def _move(self, index: OnlineMatcher) -> bool:
        """Move the records of the links confirmed since the last move seen; False if one is not
        in the index (then it is rebuilt)."""
        confirmed = Link.objects.filter(status=LinkStatus.CONFIRMED)
        if self._last_move is not None:
            confirmed = confirmed.filter(decided_at__gte=self._last_move - MOVE_MARGIN)
        rows = confirmed.order_by("decided_at", "id").values_list(
            "record__record_id", "child_id", "decided_at"
        )
        for record_id, child_id, decided_at in rows:
            if not index.move(record_id, str(child_id)):
                return False
            self._last_move = decided_at
        return True

    def _catch_up(self, index: OnlineMatcher) -> None:
        rows = (
            Link.objects.filter(id__gt=self._last_link).order_by("id").values_list(*_LINK_COLUMNS)
        )
        for row in rows:
            # A link read here may already be confirmed: its record is then in the index already
            # (under the child it was filed with) and is moved by _move.
            if row[1] in _ACTIVE and row[2] not in index:
                index.add(_mapping_of_row(row), _child_of_row(row))
            self._last_link = row[0]


_index = RecordIndex()


def matcher() -> OnlineMatcher:
    """Return this process's matcher, brought up to date first if the store has moved on."""
    return _index.current()


def match(record: dict[str, object], *, limit: int = 5, area_id: int | None = None) -> list[Match]:
    """Return the linkage engine's best matches for one record (not yet stored), best first,
    scored with the linkage model of ``area_id`` (the area recording it)."""
    return _index.match(record, limit=limit, area_id=area_id)


def model_of(area_id: int | None) -> Model:
    """Return the linkage model ``area_id`` uses now (its trained one, else the shipped one)."""
    return _index.model_in_use(area_id)


def matcher_refresh_on_commit() -> None:
    """Bring this process's index up to date once the transaction storing a record commits.

    New records are read back from the store rather than added directly, so that a transaction
    that rolls back leaves nothing behind in the index: the store is the one source of what the
    index holds.
    """
    transaction.on_commit(_index.refresh)


def matcher_forget() -> None:
    """Drop the index (tests, after emptying tables)."""
    _index.forget()


def match_in_order(
    records: list[dict[str, object]],
    place: Callable[[int, list[Match]], str],
    *,
    limit: int = 5,
    area_id: int | None = None,
) -> list[list[Match]]:
    """Match a batch of new records (not yet stored) as if each were recorded after the one
    before it, in one pass; return each record's matches.

    The batch's decisions are those of matching the records one by one at intake: record ``i`` is
    matched against the store and against records ``0 .. i-1``, each filed under the child
    ``place(j, matches_j)`` returned for it (the caller's linking rule, which may name a child
    not stored yet). What makes it fast: the records are prepared together (each distinct name
    or date read once, by the same readers), and the matcher is a private copy of the store,
    read once, never asked after each record whether the store moved on: the caller holds the
    transaction that will store the batch, and calls :func:`store_changed` in it.
    """
    from jigsaw.linkage import prepare_records

    if not records:
        return []
    # A private index, built from the store as it is now; the process's own is left alone.
    private = RecordIndex()
    index = private.current()
    # Scored with the importing area's model, as intake scores one record.
    model = private.model_of(area_id)
    found: list[list[Match]] = []
    for position, query in enumerate(prepare_records(records)):
        matches = list(index.match_prepared(query, limit=limit, model=model))
        index.add_prepared(query, place(position, matches))
        found.append(matches)
    return found

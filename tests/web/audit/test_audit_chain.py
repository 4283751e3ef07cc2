"""The audit log cannot be rewritten unnoticed, on PostgreSQL and on SQLite alike.

Two kinds of attacker are played. One has only the application's rights (it may insert rows):
the database itself refuses changes, deletions, replacements and rows that do not extend the
chain. The other owns the database and switches the protection off: then ``jigsaw audit verify``
names the first event that was edited, removed, inserted, reordered, re-hashed or back-dated.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction

from jigsaw.cli import main
from jigsaw.web.audit.chain import GENESIS, hash_of
from jigsaw.web.audit.models import AuditAnchor, AuditEvent, EventType
from jigsaw.web.audit.selectors import audit_chain_verdict
from jigsaw.web.audit.services import audit_anchor, audit_record
from tests.web.cast import JESSICA, SCHOOL_SIGNS, record_concern

pytestmark = [pytest.mark.django_db]

SQLITE_TRIGGERS = [
    "audit_auditevent_no_update",
    "audit_auditevent_no_delete",
    "audit_auditevent_extends_chain",
    "audit_auditanchor_no_update",
    "audit_auditanchor_no_delete",
    "audit_auditanchor_copies_an_event",
]


def as_owner_without_protection() -> None:
    """Play the database's owner: switch the triggers off (undone when the test rolls back)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Foreign-key checks still pending in the test's transaction would block ALTER TABLE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
            cursor.execute("ALTER TABLE audit_auditanchor DISABLE TRIGGER USER")
        else:
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER {name}")


def sql(statement: str, params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def verify_cli(capsys) -> tuple[int, str]:
    code = main(["audit", "verify"])
    return code, capsys.readouterr().out


@pytest.fixture
def chain(cast) -> list[AuditEvent]:
    """The cast's and the background's events, and a concern's, in chain order."""
    record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "Absent most Mondays.")
    return list(AuditEvent.objects.order_by("seq"))


def middle(chain: list[AuditEvent]) -> AuditEvent:
    return chain[len(chain) // 2]


def test_events_form_an_unbroken_chain_and_verify_says_so(chain, capsys):
    assert [e.seq for e in chain] == list(range(1, len(chain) + 1))
    assert chain[0].prev_hash == GENESIS
    assert all(
        later.prev_hash == earlier.hash for earlier, later in zip(chain, chain[1:], strict=False)
    )
    assert all(hash_of(event) == event.hash for event in chain)
    assert all(earlier.at <= later.at for earlier, later in zip(chain, chain[1:], strict=False))
    code, out = verify_cli(capsys)
    assert code == 0 and out.startswith(f"Intact: {len(chain)} events")


def test_the_hash_covers_every_stored_field_and_the_previous_hash(chain):
    """Changing any field but the hash itself changes the hash (a new field is covered too)."""
    event = middle(chain)
    base = hash_of(event)
    assert base == event.hash
    changed = {
        "seq": event.seq + 1,
        "prev_hash": "b" * 64,
        "at": event.at + dt.timedelta(microseconds=1),
        "actor_id": (event.actor_id or 0) + 1,
        "actor_label": event.actor_label + "x",
        "event_type": "child_graded" if event.event_type != "child_graded" else "child_viewed",
        "subject_type": event.subject_type + "x",
        "subject_id": event.subject_id + "9",
        "extra": {**event.extra, "purpose": "something else"},
        "area_id": (event.area_id or 0) + 1,
    }
    hashed = {f.attname for f in AuditEvent._meta.concrete_fields} - {"id", "hash"}
    assert set(changed) == hashed, "a new audit field needs a line here"
    for attname, value in changed.items():
        original = getattr(event, attname)
        setattr(event, attname, value)
        assert hash_of(event) != base, attname
        setattr(event, attname, original)
    assert hash_of(event) == base


# ---- what the database refuses to the application's own rights ---------------------------------


def test_updates_and_deletes_are_refused(chain):
    event = middle(chain)
    for statement in (
        "UPDATE audit_auditevent SET actor_label = 'someone else' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
            sql(statement, [event.pk])
    anchor = audit_anchor()
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
        sql("DELETE FROM audit_auditanchor WHERE seq = %s", [anchor.seq])
    assert AuditEvent.objects.get(pk=event.pk).actor_label == event.actor_label


REPLACE_ALL = {
    # SQLite's REPLACE deletes each conflicting row without firing delete triggers: it once
    # rewrote every row it named while both the update and the delete trigger stood.
    "sqlite": "INSERT OR REPLACE INTO audit_auditevent "
    "(id, at, actor_id, actor_label, event_type, subject_type, subject_id, extra, seq, prev_hash, hash) "
    "SELECT id, at, actor_id, 'forger', event_type, subject_type, subject_id, extra, seq, prev_hash, hash "
    "FROM audit_auditevent",
    # PostgreSQL's equivalent, an upsert, is an update of the existing row.
    "postgresql": "INSERT INTO audit_auditevent "
    "(id, at, actor_id, actor_label, event_type, subject_type, subject_id, extra, seq, prev_hash, hash) "
    "SELECT id, at, actor_id, 'forger', event_type, subject_type, subject_id, extra, seq, prev_hash, hash "
    "FROM audit_auditevent ON CONFLICT (id) DO UPDATE SET actor_label = EXCLUDED.actor_label",
}


def test_an_insert_that_replaces_existing_rows_is_refused(chain):
    with (
        pytest.raises(DatabaseError, match="cannot be changed|extend the chain"),
        transaction.atomic(),
    ):
        sql(REPLACE_ALL[connection.vendor])
    assert not AuditEvent.objects.filter(actor_label="forger").exists()
    assert AuditEvent.objects.count() == len(chain)


def test_replacing_one_row_with_the_next_link_of_the_chain_is_refused(chain):
    """A replacement that would pass the chain check still may not reuse an existing id."""
    head, victim = chain[-1], middle(chain)
    at = head.at + dt.timedelta(seconds=1)
    forged = AuditEvent(
        pk=victim.pk,
        seq=head.seq + 1,
        prev_hash=head.hash,
        at=at,
        actor_label="forger",
        event_type=victim.event_type,
        subject_type=victim.subject_type,
        subject_id=victim.subject_id,
        extra={},
    )
    forged.hash = hash_of(forged)
    verb = "INSERT OR REPLACE" if connection.vendor == "sqlite" else "INSERT"
    with (
        pytest.raises(DatabaseError, match="cannot be changed|duplicate key"),
        transaction.atomic(),
    ):
        sql(
            f"{verb} INTO audit_auditevent (id, at, actor_label, event_type, subject_type, "
            "subject_id, extra, seq, prev_hash, hash) VALUES (%s, %s, %s, %s, %s, %s, '{}', %s, %s, %s)",
            [
                forged.pk,
                at if connection.vendor == "postgresql" else at.strftime("%Y-%m-%d %H:%M:%S.%f"),
                "forger",
                forged.event_type,
                forged.subject_type,
                forged.subject_id,
                forged.seq,
                forged.prev_hash,
                forged.hash,
            ],
        )
    assert AuditEvent.objects.get(pk=victim.pk).actor_label == victim.actor_label


def _forged_next(head: AuditEvent, **changes) -> AuditEvent:
    forged = AuditEvent(
        seq=head.seq + 1,
        prev_hash=head.hash,
        at=head.at + dt.timedelta(seconds=1),
        actor_label="teacher",
        event_type=EventType.CHILD_VIEWED.value,
        subject_type="child",
        subject_id="1",
        extra={},
    )
    for name, value in changes.items():
        setattr(forged, name, value)
    forged.hash = hash_of(forged)
    return forged


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"at": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)}, id="back-dated"),
        pytest.param({"at": dt.datetime.now(dt.UTC) + dt.timedelta(days=1)}, id="future-dated"),
        pytest.param({"prev_hash": GENESIS}, id="not-after-the-head"),
        pytest.param({"seq": 1}, id="an-earlier-place"),
        pytest.param({"seq": 10**9}, id="a-gap"),
    ],
)
def test_a_row_that_does_not_extend_the_chain_is_refused(chain, change):
    head = chain[-1]
    forged = _forged_next(head, **change)
    with (
        pytest.raises(DatabaseError, match="extend the chain|UNIQUE|duplicate"),
        transaction.atomic(),
    ):
        forged.save()
    assert AuditEvent.objects.count() == len(chain)


def test_an_anchor_must_copy_an_event(chain):
    head = chain[-1]
    with pytest.raises(DatabaseError, match="must copy"), transaction.atomic():
        AuditAnchor.objects.create(seq=head.seq, hash="f" * 64, at=head.at)
    assert audit_anchor().seq == head.seq
    assert AuditAnchor.objects.filter(seq=head.seq, hash=head.hash).count() == 1


def test_an_anchor_is_written_every_so_many_events(cast, settings):
    settings.JIGSAW_AUDIT_ANCHOR_EVERY = 3
    before = AuditAnchor.objects.count()
    events = [
        audit_record(actor=cast.teacher, event_type=EventType.CHILDREN_LISTED) for _ in range(6)
    ]
    anchored = [e.seq for e in events if e.seq % 3 == 0]
    assert len(anchored) == 2
    assert (
        list(AuditAnchor.objects.order_by("seq").values_list("seq", flat=True))[before:] == anchored
    )


def test_time_never_runs_backwards_along_the_chain(cast, monkeypatch):
    """If the clock is stepped back, new events take their predecessor's time (never earlier)."""
    from django.utils import timezone

    first = audit_record(actor=cast.teacher, event_type=EventType.CHILDREN_LISTED)
    past = first.at - dt.timedelta(hours=1)
    monkeypatch.setattr(timezone, "now", lambda: past)
    second = audit_record(actor=cast.teacher, event_type=EventType.CHILDREN_LISTED)
    assert second.at == first.at and second.prev_hash == first.hash
    assert audit_chain_verdict().intact


# ---- what verify finds when the owner switched the protection off --------------------------------


def test_an_edited_event_is_named(chain, capsys):
    victim = middle(chain)
    as_owner_without_protection()
    sql(
        "UPDATE audit_auditevent SET extra = %s WHERE id = %s",
        ['{"purpose": "nothing"}', victim.pk],
    )
    code, out = verify_cli(capsys)
    assert code == 1
    assert f"broken at event {victim.seq} (id {victim.pk})" in out and "edited" in out


def test_a_removed_event_is_named(chain, capsys):
    victim = middle(chain)
    as_owner_without_protection()
    sql("DELETE FROM audit_auditevent WHERE id = %s", [victim.pk])
    code, out = verify_cli(capsys)
    assert code == 1
    assert f"expected event {victim.seq} here, found {victim.seq + 1}: an event is missing" in out


def test_an_inserted_event_is_found_where_it_breaks_the_chain(chain):
    """The forger renumbers the events after the point and inserts a well-formed event there."""
    before = middle(chain)
    as_owner_without_protection()
    sql("UPDATE audit_auditevent SET seq = seq + 1000000 WHERE seq > %s", [before.seq])
    sql("UPDATE audit_auditevent SET seq = seq - 1000000 + 1 WHERE seq > 1000000")
    _forged_next(before, at=before.at).save()
    verdict = audit_chain_verdict()
    # The forged event links to its predecessor; the genuine one after it no longer does.
    assert verdict.broken.seq == before.seq + 2
    assert "does not follow" in verdict.broken.reason


def test_reordered_events_are_named(chain):
    first, second = chain[len(chain) // 2], chain[len(chain) // 2 + 1]
    as_owner_without_protection()
    sql("UPDATE audit_auditevent SET seq = 0 WHERE id = %s", [first.pk])
    sql("UPDATE audit_auditevent SET seq = %s WHERE id = %s", [first.seq, second.pk])
    sql("UPDATE audit_auditevent SET seq = %s WHERE id = %s", [second.seq, first.pk])
    verdict = audit_chain_verdict()
    assert (verdict.broken.seq, verdict.broken.event_id) == (first.seq, second.pk)
    assert "does not follow" in verdict.broken.reason


def test_a_back_dated_forgery_with_a_valid_hash_is_named(chain):
    head = chain[-1]
    as_owner_without_protection()
    forged = _forged_next(head, at=head.at - dt.timedelta(days=30))
    forged.save()
    verdict = audit_chain_verdict()
    assert verdict.broken.seq == forged.seq and "back-dated" in verdict.broken.reason


def test_a_chain_rewritten_and_re_hashed_is_caught_by_its_anchor(chain, capsys):
    victim = middle(chain)
    anchor = audit_anchor()
    as_owner_without_protection()
    # The forger edits one event and recomputes every hash after it, so the chain itself holds.
    prev = AuditEvent.objects.get(seq=victim.seq - 1).hash
    for event in AuditEvent.objects.filter(seq__gte=victim.seq).order_by("seq"):
        if event.pk == victim.pk:
            event.actor_label = "someone else"
        event.prev_hash = prev
        event.hash = hash_of(event)
        event.save()
        prev = event.hash
    code, out = verify_cli(capsys)
    assert code == 1
    assert f"broken at event {anchor.seq}" in out and "anchor table's copy" in out


def test_events_cut_from_the_end_are_caught_by_the_anchor(chain):
    anchor = audit_anchor()
    as_owner_without_protection()
    sql("DELETE FROM audit_auditevent WHERE seq >= %s", [anchor.seq - 2])
    verdict = audit_chain_verdict()
    assert verdict.broken.seq == anchor.seq - 2
    assert "removed from the end" in verdict.broken.reason


def test_an_anchor_file_kept_elsewhere_catches_a_rewritten_anchor_table(chain, tmp_path, capsys):
    anchors = tmp_path / "anchors.jsonl"
    assert main(["audit", "anchor", "--file", str(anchors)]) == 0
    capsys.readouterr()
    head = chain[-1]
    as_owner_without_protection()
    sql("DELETE FROM audit_auditanchor")
    sql("DELETE FROM audit_auditevent WHERE seq = %s", [head.seq])
    assert audit_chain_verdict().intact  # the table alone can no longer tell
    code = main(["audit", "verify", "--anchors-file", str(anchors)])
    out = capsys.readouterr().out
    assert code == 1 and "anchor file anchors.jsonl" in out and "removed from the end" in out

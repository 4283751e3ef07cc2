"""Chain the audit events by hash, add the anchor table, and let the database enforce both.

After this migration the database itself refuses (on PostgreSQL and SQLite alike):
- changing or deleting an event or an anchor (``UPDATE``, ``DELETE``, SQLite's ``INSERT OR
  REPLACE``, which deletes the old row without firing delete triggers, and upserts);
- an event that does not extend the chain: a ``seq`` other than the next one, a ``prev_hash``
  other than the head's hash, a time before the head's (a back-dated forgery) or more than five
  minutes ahead of the database's clock (which would drag every later event's time forward);
- an anchor that does not copy an existing event's ``seq`` and ``hash``.
Events already written are chained in the order they happened (time, then id).

It cannot be reversed: migrating audit back would remove the protection silently.
"""

from django.db import migrations, models

from jigsaw.web.audit.chain import GENESIS, canonical_extra, hash_of

REFUSED = "audit events cannot be changed or deleted"
OFF_CHAIN = (
    "an audit event must extend the chain (the next seq, the head hash, no earlier time, "
    "and not in the future)"
)
BAD_ANCHOR = "an audit anchor must copy the seq and hash of an existing event"

DROP_OLD = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent;",
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_auditevent_no_update;",
        "DROP TRIGGER IF EXISTS audit_auditevent_no_delete;",
    ],
}

PROTECT = {
    "postgresql": [
        f"""
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{REFUSED}';
END $$ LANGUAGE plpgsql;
""",
        f"""
CREATE OR REPLACE FUNCTION audit_auditevent_extends_chain() RETURNS trigger AS $$
DECLARE
    head_seq bigint;
    head_hash varchar;
    head_at timestamptz;
BEGIN
    SELECT seq, hash, at INTO head_seq, head_hash, head_at
        FROM audit_auditevent ORDER BY seq DESC LIMIT 1;
    IF NEW.seq IS DISTINCT FROM coalesce(head_seq, 0) + 1
        OR NEW.prev_hash IS DISTINCT FROM coalesce(head_hash, '{GENESIS}')
        OR NEW.at < head_at
        OR NEW.at > clock_timestamp() + interval '5 minutes' THEN
        RAISE EXCEPTION '{OFF_CHAIN}';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
""",
        f"""
CREATE OR REPLACE FUNCTION audit_auditanchor_copies_an_event() RETURNS trigger AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM audit_auditevent WHERE seq = NEW.seq AND hash = NEW.hash) THEN
        RAISE EXCEPTION '{BAD_ANCHOR}';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
""",
        "CREATE TRIGGER audit_auditevent_append_only BEFORE UPDATE OR DELETE ON audit_auditevent "
        "FOR EACH ROW EXECUTE FUNCTION audit_append_only();",
        "CREATE TRIGGER audit_auditevent_extends_chain BEFORE INSERT ON audit_auditevent "
        "FOR EACH ROW EXECUTE FUNCTION audit_auditevent_extends_chain();",
        "CREATE TRIGGER audit_auditanchor_append_only BEFORE UPDATE OR DELETE ON audit_auditanchor "
        "FOR EACH ROW EXECUTE FUNCTION audit_append_only();",
        "CREATE TRIGGER audit_auditanchor_copies_an_event BEFORE INSERT ON audit_auditanchor "
        "FOR EACH ROW EXECUTE FUNCTION audit_auditanchor_copies_an_event();",
        # Nobody but the owner may read or write the log unless granted (see audit.privileges).
        "REVOKE ALL ON audit_auditevent, audit_auditanchor FROM PUBLIC;",
    ],
    "sqlite": [
        f"CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END;",
        f"CREATE TRIGGER audit_auditevent_no_delete BEFORE DELETE ON audit_auditevent "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END;",
        # INSERT OR REPLACE deletes the row it replaces without firing the delete trigger (unless
        # recursive_triggers is on), so an insert may never reuse an existing id.
        f"""CREATE TRIGGER audit_auditevent_extends_chain BEFORE INSERT ON audit_auditevent
BEGIN
    SELECT RAISE(ABORT, '{REFUSED}')
        WHERE EXISTS (SELECT 1 FROM audit_auditevent WHERE id = NEW.id);
    SELECT RAISE(ABORT, '{OFF_CHAIN}')
        WHERE NEW.seq IS NOT (SELECT coalesce(max(seq), 0) + 1 FROM audit_auditevent)
        OR NEW.prev_hash IS NOT coalesce(
            (SELECT hash FROM audit_auditevent ORDER BY seq DESC LIMIT 1), '{GENESIS}')
        OR NEW.at < (SELECT at FROM audit_auditevent ORDER BY seq DESC LIMIT 1)
        OR NEW.at > strftime('%Y-%m-%d %H:%M:%f', 'now', '+5 minutes');
END;""",
        f"CREATE TRIGGER audit_auditanchor_no_update BEFORE UPDATE ON audit_auditanchor "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END;",
        f"CREATE TRIGGER audit_auditanchor_no_delete BEFORE DELETE ON audit_auditanchor "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END;",
        f"""CREATE TRIGGER audit_auditanchor_copies_an_event BEFORE INSERT ON audit_auditanchor
BEGIN
    SELECT RAISE(ABORT, '{REFUSED}')
        WHERE EXISTS (SELECT 1 FROM audit_auditanchor WHERE id = NEW.id);
    SELECT RAISE(ABORT, '{BAD_ANCHOR}')
        WHERE NOT EXISTS (
            SELECT 1 FROM audit_auditevent WHERE seq = NEW.seq AND hash = NEW.hash);
END;""",
    ],
}


def _run(statements_by_vendor):
    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return apply


def refuse_to_unprotect(apps, schema_editor):
    raise RuntimeError(
        "the audit log's protection cannot be migrated away: migrating audit back would let its "
        "events be changed or deleted. Restore a backup taken before the migration instead."
    )


def chain_existing_events(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    prev = GENESIS
    for seq, event in enumerate(AuditEvent.objects.order_by("at", "id").iterator(), start=1):
        event.extra = canonical_extra(event.extra)
        event.seq, event.prev_hash = seq, prev
        event.hash = hash_of(event)
        event.save(update_fields=["seq", "prev_hash", "hash", "extra"])
        prev = event.hash


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_children_listed_event")]

    operations = [
        migrations.RunPython(_run(DROP_OLD), refuse_to_unprotect),
        migrations.AddField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing_events, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(unique=True),
        ),
        migrations.CreateModel(
            name="AuditAnchor",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("seq", models.PositiveBigIntegerField()),
                ("hash", models.CharField(max_length=64)),
                ("at", models.DateTimeField()),
            ],
            options={"ordering": ["seq", "id"]},
        ),
        migrations.RunPython(_run(PROTECT), refuse_to_unprotect),
    ]

"""Make audit rows append-only in the database itself, not only by convention in the code."""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION audit_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events cannot be changed or deleted';
END $$ LANGUAGE plpgsql;
CREATE TRIGGER audit_auditevent_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_auditevent_append_only();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_auditevent_append_only();
"""
SQLITE_UP = [
    "CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit events cannot be changed or deleted'); END;",
    "CREATE TRIGGER audit_auditevent_no_delete BEFORE DELETE ON audit_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit events cannot be changed or deleted'); END;",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_delete;",
]


def _run(statements_by_vendor):
    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply


def _refuse_to_unprotect(apps, schema_editor):
    raise RuntimeError(
        "the audit log's protection cannot be migrated away: migrating audit back would let its "
        "events be changed or deleted. Restore a backup taken before the migration instead."
    )


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_audit_events")]

    operations = [
        # Not reversible: migrating audit back to 0001 would silently leave the log unprotected.
        # (POSTGRES_DOWN and SQLITE_DOWN stay for an operator who means it, by hand.)
        migrations.RunPython(
            _run({"postgresql": [POSTGRES_UP], "sqlite": SQLITE_UP}), _refuse_to_unprotect
        )
    ]

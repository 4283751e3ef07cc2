"""PostgreSQL: the application's role may only add to and read the audit log.

Migrations run as the owner of the tables (``JIGSAW_OWNER_DATABASE_URL``); the application runs
as another role (``JIGSAW_DATABASE_URL``). After every ``migrate`` as the owner, the application's
role is granted what it needs on every table, except that on the audit events and anchors it may
only ``SELECT`` and ``INSERT``: no ``UPDATE``, ``DELETE`` or ``TRUNCATE``, and, not owning the
tables, it cannot disable their triggers or drop them either.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

from jigsaw.errors import InputError

AUDIT_TABLES = ("audit_auditevent", "audit_auditanchor")


def grant_application_role(connection: BaseDatabaseWrapper, role: str) -> None:
    """Give ``role`` the application's privileges on the current schema's tables.

    Raises
    ------
    jigsaw.errors.InputError
        If the connection is not PostgreSQL, or ``role`` is empty or is the connection's own role.
    """
    if connection.vendor != "postgresql":
        raise InputError("database roles exist only on PostgreSQL")
    if not role:
        raise InputError("the application's role is empty: JIGSAW_DATABASE_URL names no user")
    name = connection.ops.quote_name(role)
    audit = ", ".join(AUDIT_TABLES)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_schema()")
        owner, schema = cursor.fetchone()
        if owner == role:
            raise InputError(
                f"the application's role {role!r} is the owner: give JIGSAW_DATABASE_URL a role "
                "of its own (see docs/security.md)"
            )
        schema = connection.ops.quote_name(schema)
        for statement in (
            f"GRANT USAGE ON SCHEMA {schema} TO {name}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {name}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {name}",
            f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA {schema} FROM {name}",
            # The application reads which migrations ran; only the owner records new ones.
            f"REVOKE INSERT, UPDATE, DELETE ON django_migrations FROM {name}",
            f"REVOKE ALL ON {audit} FROM PUBLIC",
            f"REVOKE UPDATE, DELETE ON {audit} FROM {name}",
        ):
            cursor.execute(statement)


def grant_after_migrate(sender, using: str, **kwargs) -> None:
    """``post_migrate``: when migrating as the owner, re-grant the application's role."""
    from django.conf import settings
    from django.db import connections

    if using != "owner" or connections[using].vendor != "postgresql":
        return
    grant_application_role(connections[using], str(settings.DATABASES["default"]["USER"]))

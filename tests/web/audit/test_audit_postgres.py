"""PostgreSQL: the application's role can only add to the audit log; appends never fork the chain.

Roles are created inside the test's transaction (PostgreSQL rolls them back with it) and taken
on with ``SET ROLE``, exactly as privileges apply to a login of that role.
"""

from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, transaction

from jigsaw.web.audit.models import AuditAnchor, AuditEvent, EventType
from jigsaw.web.audit.privileges import grant_application_role
from jigsaw.web.audit.selectors import audit_chain_verdict
from jigsaw.web.audit.services import audit_anchor, audit_record
from jigsaw.web.concerns.models import Concern
from tests.web.cast import JESSICA, SCHOOL_SIGNS, record_concern

pytestmark = [pytest.mark.postgres]

APP_ROLE = "jigsaw_app_under_test"


@pytest.fixture
def as_application_role(db):
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {APP_ROLE} NOLOGIN")
    grant_application_role(connection, APP_ROLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {APP_ROLE}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")


def refused(statement: str, match: str) -> None:
    with pytest.raises(DatabaseError, match=match), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement)


@pytest.mark.django_db
def test_the_application_role_works_but_may_only_add_to_the_audit_log(cast, as_application_role):
    outcome = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "Absent most Mondays.")
    assert Concern.objects.filter(pk=outcome.concern.pk).exists()
    assert audit_anchor() is not None
    for table in ("audit_auditevent", "audit_auditanchor"):
        refused(f"TRUNCATE {table}", "permission denied")
        refused(f"UPDATE {table} SET hash = hash", "permission denied")
        refused(f"DELETE FROM {table}", "permission denied")
        refused(f"ALTER TABLE {table} DISABLE TRIGGER USER", "must be owner")
        refused(f"DROP TABLE {table}", "must be owner")
    refused("SET session_replication_role = replica", "permission denied")
    refused(
        "INSERT INTO django_migrations (app, name, applied) VALUES ('audit', 'x', now())",
        "permission denied",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == APP_ROLE
    assert audit_chain_verdict().intact


@pytest.mark.django_db
def test_the_owner_cannot_be_the_application_role(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
    with pytest.raises(ValueError, match="is the owner"):
        grant_application_role(connection, owner)


@pytest.mark.django_db
def test_migrating_audit_back_is_refused_and_the_protection_stays(db):
    with pytest.raises(RuntimeError, match="cannot be migrated away"):
        call_command("migrate", "audit", "0001", verbosity=0)
    event = AuditEvent.objects.order_by("seq").first()
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_queue_on_the_chain_and_never_fork(django_db_blocker):
    """Eight connections appending at once all succeed, one after another, in one chain."""
    start = threading.Barrier(8)
    errors = []

    def append_many() -> None:
        try:
            start.wait()
            for _ in range(15):
                with transaction.atomic():
                    audit_record(actor=None, event_type=EventType.CHILDREN_LISTED)
        except Exception as error:  # reported below: a thread's exception is otherwise lost
            errors.append(error)
        finally:
            connections.close_all()

    before = AuditEvent.objects.count()
    threads = [threading.Thread(target=append_many) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AuditEvent.objects.count() == before + 120
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert audit_chain_verdict().intact
    assert AuditAnchor.objects.count() == len(seqs) // 100

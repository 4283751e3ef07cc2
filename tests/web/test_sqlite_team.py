"""SQLite, the embedded default, is safe for a small team, and keeps its files private.

Each scenario runs in a fresh process against its own SQLite *file*, migrated from scratch, with
the production settings (WAL, busy timeout, ``BEGIN IMMEDIATE``), so that threads meet SQLite's
real locking: the test database of the session could not show it (its rows are never committed).
These tests run whichever database the rest of the web tests use.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from jigsaw.web.refs import ref

ROOT = Path(__file__).resolve().parents[2]


def scenario(tmp_path: Path, name: str) -> dict:
    """Run ``name`` (a function below) in a fresh process; return the JSON it prints last."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jigsaw.web.settings",
        "JIGSAW_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'jigsaw.sqlite3'}",
        "JIGSAW_WEB_DIR": str(tmp_path / "data"),
        "JIGSAW_SECRET_KEY": "tests-only-key-" + "x" * 40,
        "JIGSAW_ALLOWED_HOSTS": "testserver",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }
    done = subprocess.run(
        [sys.executable, __file__, name],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_two_concurrent_concern_saves_both_land(tmp_path):
    result = scenario(tmp_path, "concurrent_saves")
    assert result["errors"] == []
    assert result["concerns"] == result["attempted"] == 10
    assert result["audit_intact"]


def test_eight_people_opening_one_child_never_see_database_is_locked(tmp_path):
    result = scenario(tmp_path, "concurrent_opens")
    assert result["errors"] == []
    assert result["statuses"] == {"200": 40}
    assert result["views_audited"] == 40 and result["audit_intact"]


def test_the_database_is_private_and_runs_in_wal_mode(tmp_path):
    result = scenario(tmp_path, "files")
    assert result == {
        "journal_mode": "wal",
        "busy_timeout_ms": 20000,
        "folder": "0700",
        "database": "0600",
        "wal": "0600",
        "secret_key": "0600",
    }


def test_migrating_audit_back_is_refused_and_the_protection_stays(tmp_path):
    result = scenario(tmp_path, "migrate_back")
    assert "cannot be migrated away" in result["refused"]
    assert result["triggers"] == [
        "audit_auditanchor_copies_an_event",
        "audit_auditanchor_no_delete",
        "audit_auditanchor_no_update",
        "audit_auditevent_extends_chain",
        "audit_auditevent_no_delete",
        "audit_auditevent_no_update",
    ]


@pytest.mark.parametrize("mode", [0o644, 0o640])
def test_a_database_other_users_can_read_is_refused(tmp_path, mode):
    database = tmp_path / "data" / "jigsaw.sqlite3"
    database.parent.mkdir(mode=0o700)
    database.touch()
    database.chmod(mode)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jigsaw.web.settings",
        "JIGSAW_DATABASE_URL": f"sqlite:///{database}",
        "JIGSAW_WEB_DIR": str(database.parent),
        "JIGSAW_SECRET_KEY": "tests-only-key-" + "x" * 40,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }
    done = subprocess.run(
        [sys.executable, "-m", "jigsaw.cli", "audit", "verify"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"jigsaw audit: error: {database} holds the database" in done.stderr
    assert f"(mode {mode:04o}): make it private with `chmod 600 {database}`" in done.stderr


# ---- the scenarios, run in their own process ------------------------------------------------


def _setup():
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["tests.web.cast.QuickArgon2PasswordHasher"]
    call_command("migrate", verbosity=0)
    from tests.web.cast import Cast

    return Cast()


def _in_threads(count: int, work) -> list[str]:
    """Run ``work(i)`` in ``count`` threads started together; return their errors as text."""
    from django.db import connection

    start = threading.Barrier(count)
    errors: list[str] = []

    def run(i: int) -> None:
        try:
            start.wait()
            work(i)
        except Exception as error:  # collected: an exception in a thread is otherwise lost
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _audit_intact() -> bool:
    from jigsaw.web.audit.selectors import audit_chain_verdict

    return audit_chain_verdict().intact


def concurrent_saves() -> dict:
    """Five trials of two practitioners of different agencies saving at the same moment."""
    cast = _setup()
    from jigsaw.web.concerns.models import Concern
    from tests.web.cast import HEALTH_SIGNS, JESSICA, SCHOOL_SIGNS, record_concern

    errors = []
    for trial in range(5):
        child = {**JESSICA, "last_name": f"Okafor-{trial}"}
        savers = [(cast.teacher, SCHOOL_SIGNS), (cast.nurse, HEALTH_SIGNS)]
        errors += _in_threads(
            2,
            lambda i, child=child, savers=savers: record_concern(
                savers[i][0], child, savers[i][1], f"Trial of {child['last_name']}."
            ),
        )
    return {
        "attempted": 10,
        "concerns": Concern.objects.count(),
        "errors": errors,
        "audit_intact": _audit_intact(),
    }


def concurrent_opens() -> dict:
    """Eight signed-in MASH analysts opening one child's profile five times each, together."""
    cast = _setup()
    from django.test import Client

    from jigsaw.web.audit.models import AuditEvent
    from tests.web.cast import JESSICA, SCHOOL_SIGNS, record_concern, verified_client

    child = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "Absent most Mondays.").child
    clients = [verified_client(Client(), cast, "analyst") for _ in range(8)]
    statuses: dict[str, int] = {}
    lock = threading.Lock()

    def open_profile(i: int) -> None:
        for _ in range(5):
            status = clients[i].get(f"/children/{ref(child.pk)}/").status_code
            with lock:
                statuses[str(status)] = statuses.get(str(status), 0) + 1

    errors = _in_threads(8, open_profile)
    views = AuditEvent.objects.filter(
        event_type="child_viewed", actor=cast.analyst, subject_id=str(child.pk)
    ).count()
    return {
        "statuses": statuses,
        "errors": errors,
        "views_audited": views,
        "audit_intact": _audit_intact(),
    }


def files() -> dict:
    from django.conf import settings
    from django.db import connection

    _setup()
    with connection.cursor() as cursor:
        journal_mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
        busy_timeout = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
    database = Path(settings.DATABASES["default"]["NAME"])

    def mode(path: Path) -> str:
        return f"{stat.S_IMODE(path.stat().st_mode):04o}"

    # The key is made beside the database when the environment gives none.
    os.environ.pop("JIGSAW_SECRET_KEY")
    from jigsaw.web.settings import _secret_key

    _secret_key()
    return {
        "journal_mode": journal_mode,
        "busy_timeout_ms": busy_timeout,
        "folder": mode(database.parent),
        "database": mode(database),
        "wal": mode(database.with_name(database.name + "-wal")),
        "secret_key": mode(database.parent / "secret-key"),
    }


def migrate_back() -> dict:
    from django.core.management import call_command
    from django.db import connection

    _setup()
    try:
        call_command("migrate", "audit", "0001", verbosity=0)
        refused = ""
    except RuntimeError as error:
        refused = str(error)
    with connection.cursor() as cursor:
        names = cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'audit_%' "
            "ORDER BY name"
        ).fetchall()
    return {"refused": refused, "triggers": [name for (name,) in names]}


if __name__ == "__main__":
    print(json.dumps(globals()[sys.argv[1]]()))

"""Fixtures for the web tests: a real database (PostgreSQL or SQLite) and a small named cast.

The web flows run on both databases the application supports: PostgreSQL, as a production
partnership runs it, and SQLite, the embedded default the demo and a small team use.
``JIGSAW_TEST_DATABASE`` chooses: ``postgresql`` (the default) or ``sqlite``.

PostgreSQL: ``JIGSAW_TEST_DATABASE_URL`` names a server to use (CI may set it); otherwise a
throwaway cluster is created with the local PostgreSQL binaries in a temporary directory, reached
over a unix socket, and removed at the end of the session. Missing binaries fail the tests with a
message saying what to install: they are never skipped.

SQLite: a database *file* in a temporary directory (not ``:memory:``), so that tests of
concurrent writers meet SQLite's real locking, with the settings production SQLite uses.

Tests marked ``postgres`` exercise PostgreSQL itself (roles, advisory locks) and run only there;
on SQLite they are deselected and the count is printed at the end of the run.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import django
import pytest

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jigsaw.web.settings")
os.environ.setdefault("JIGSAW_SECRET_KEY", "tests-only-key-" + "x" * 40)

DATABASE = os.environ.get("JIGSAW_TEST_DATABASE", "postgresql")
if DATABASE not in ("postgresql", "sqlite"):
    raise pytest.UsageError(
        f"JIGSAW_TEST_DATABASE must be 'postgresql' or 'sqlite', not {DATABASE!r}"
    )
# The engine must be chosen before Django builds its connection. PostgreSQL's host and port are
# filled in once the throwaway server is up (see django_db_modify_db_settings below).
if DATABASE == "sqlite":
    _SQLITE_DIR = Path(tempfile.mkdtemp(prefix="jigsaw-sqlite-"))
    os.environ["JIGSAW_DATABASE_URL"] = f"sqlite:///{_SQLITE_DIR / 'jigsaw.sqlite3'}"
else:
    os.environ["JIGSAW_DATABASE_URL"] = os.environ.get(
        "JIGSAW_TEST_DATABASE_URL", "postgresql://postgres@localhost/jigsaw"
    )
django.setup()

from django.conf import settings  # noqa: E402

from tests.web.cast import Cast, background_load  # noqa: E402

# Argon2id as in production, at the lowest cost, so that creating the cast takes milliseconds.
settings.PASSWORD_HASHERS = ["tests.web.cast.QuickArgon2PasswordHasher", *settings.PASSWORD_HASHERS]


POSTGRES_MISSING = (
    "PostgreSQL is needed for the web tests and was not found: install it "
    "(`apt-get install postgresql`, as .ci/run does) or set JIGSAW_TEST_DATABASE_URL"
)


def _pg_bindir() -> Path:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    pytest.fail(POSTGRES_MISSING, pytrace=False)


def _as_postgres(command: list[str]) -> list[str]:
    # initdb refuses to run as root: run the server as the postgres OS user when we are root.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class ThrowawayPostgres:
    """A PostgreSQL cluster in a temporary directory, listening only on a unix socket."""

    def __init__(self) -> None:
        self.bindir = _pg_bindir()
        self.root = Path(tempfile.mkdtemp(prefix="jigsaw-pg-"))
        self.data = self.root / "data"
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")

    def start(self) -> None:
        def run(*cmd: str) -> None:
            subprocess.run(
                _as_postgres([str(self.bindir / cmd[0]), *cmd[1:]]),
                check=True,
                capture_output=True,
                text=True,
            )

        try:
            run(
                "initdb",
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
            )
            # Durability is irrelevant for a test cluster; switching it off makes each test faster.
            options = f"-k {self.root} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            run(
                "pg_ctl",
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                str(self.root / "log"),
                "-w",
                "start",
            )
        except subprocess.CalledProcessError as error:
            pytest.fail(
                f"could not start PostgreSQL: {error.stderr or error.stdout}", pytrace=False
            )

    def stop(self) -> None:
        subprocess.run(
            _as_postgres(
                [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]
            ),
            capture_output=True,
        )
        shutil.rmtree(self.root, ignore_errors=True)


def pytest_collection_modifyitems(config, items):
    """On SQLite, deselect the tests of PostgreSQL itself (marked ``postgres``), and say so."""
    if DATABASE != "sqlite":
        return
    postgres_only = [item for item in items if item.get_closest_marker("postgres")]
    if postgres_only:
        config.hook.pytest_deselected(items=postgres_only)
        items[:] = [item for item in items if not item.get_closest_marker("postgres")]
        config._jigsaw_postgres_only = len(postgres_only)


def pytest_terminal_summary(terminalreporter, config):
    skipped = getattr(config, "_jigsaw_postgres_only", 0)
    terminalreporter.write_line(
        f"web tests ran on {DATABASE}"
        + (f"; {skipped} PostgreSQL-only tests deselected" if skipped else "")
    )


@pytest.fixture(scope="session")
def django_db_modify_db_settings():
    """Point Django at the test database before pytest-django creates it."""
    if DATABASE == "sqlite":
        # A file, so that concurrent connections share it as they would in production.
        settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = str(
            _SQLITE_DIR / "test.sqlite3"
        )
        try:
            yield
        finally:
            from django.db import connections

            connections.close_all()
            shutil.rmtree(_SQLITE_DIR, ignore_errors=True)
        return
    if os.environ.get("JIGSAW_TEST_DATABASE_URL"):
        yield
        return
    server = ThrowawayPostgres()
    server.start()
    settings.DATABASES["default"].update(
        HOST=str(server.root), PORT="", USER="postgres", PASSWORD=""
    )
    try:
        yield
    finally:
        from django.db import connections

        connections.close_all()
        server.stop()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Give every test a background partnership, so linkage weighs names as it would in life.

    Created once; each test's changes are rolled back around it. (Browser tests empty the
    tables afterwards; pytest-django runs them last, and they load their own background.)
    """
    with django_db_blocker.unblock():
        background_load()
    yield
    # A live server thread may still hold a connection; end it so the test database can be dropped.
    with django_db_blocker.unblock():
        from django.db import connection

        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture(autouse=True)
def _fresh_matcher():
    """Each test starts with an empty linkage index (the database is emptied between tests)."""
    from jigsaw.web.children.matching import matcher_forget

    matcher_forget()
    yield
    matcher_forget()


@pytest.fixture
def cast(db) -> Cast:
    return Cast()

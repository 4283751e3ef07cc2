"""An accepted file stored in the background, with its progress for the page to show.

The page that accepts a file starts :func:`job_start`: a thread of the same server process runs
:func:`~jigsaw.web.imports.services.import_store` (its one transaction, on the thread's own
database connection) and writes how far it has got to a small JSON file in the server's private
folder. Any server process can read that file, so the progress page works whichever process
answers it, and no other service is needed.

A file, not a database row: while the import's transaction is open, a second connection could not
write to SQLite at all, and a row written in that transaction is seen by nobody until it commits.

If the process running the import dies, its transaction is rolled back (nothing is stored) and
the file stops moving: a job whose file has not changed for :data:`STALE_AFTER` while it says
"running" is reported as interrupted, and the same file can be uploaded again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import secrets
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connections

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from jigsaw.web.accounts.models import Agency
    from jigsaw.web.imports.services import ImportCheck

log = logging.getLogger(__name__)

#: A running job whose progress file is older than this is taken as interrupted (its process
#: died); progress is written at least every thousand rows, a few seconds apart.
STALE_AFTER = dt.timedelta(minutes=5)
# How often progress is written at most (each write replaces a small file).
_EVERY_SECONDS = 0.5


@dataclasses.dataclass(frozen=True)
class JobStatus:
    """What the progress page shows: state (``running``, ``done``, ``failed`` or
    ``interrupted``), how far (``done`` of ``total`` steps) and, when finished, the outcome."""

    job: str
    user_id: int
    agency: str
    file_name: str
    state: str
    done: int
    total: int
    outcome: dict[str, Any] | None = None
    error: str = ""

    @property
    def percent(self) -> int:
        return 100 if self.state == "done" else int(100 * self.done / max(self.total, 1))

    @property
    def finished(self) -> bool:
        return self.state != "running"


def _folder() -> Path:
    folder = Path(settings.VAR_DIR) / "imports" / "jobs"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _path(job: str) -> Path:
    if not (len(job) == 32 and all(c in "0123456789abcdef" for c in job)):
        raise ValueError("not a job id")
    return _folder() / f"{job}.json"


def _write(status: JobStatus) -> None:
    # Written aside then renamed over, so a reader sees the old status or the new, never half.
    path = _path(status.job)
    aside = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    aside.write_text(json.dumps(dataclasses.asdict(status)))
    aside.chmod(0o600)
    os.replace(aside, path)


def job_status(job: str, *, user_id: int) -> JobStatus | None:
    """The job's status, or ``None`` if there is no such job or another user started it."""
    try:
        path = _path(job)
        raw = json.loads(path.read_text())
        modified = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
    except (ValueError, OSError):
        return None
    status = JobStatus(**raw)
    if status.user_id != user_id:
        return None
    if status.state == "running" and dt.datetime.now(dt.UTC) - modified > STALE_AFTER:
        return dataclasses.replace(
            status,
            state="interrupted",
            error="The import stopped before it finished (the server restarted): nothing was "
            "stored. Upload the file again.",
        )
    return status


def _run(job: str, actor: User, agency: Agency, check: ImportCheck, *, thread: bool) -> None:
    """Store the file, writing progress; on a thread of its own, close its connection after."""
    from jigsaw.web.imports.services import import_store

    status = JobStatus(
        job, actor.pk, agency.name, check.file.name, "running", 0, 2 * len(check.rows)
    )
    last = 0.0

    def progress(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= _EVERY_SECONDS or done >= total:
            last = now
            _write(dataclasses.replace(status, done=done, total=total))

    try:
        outcome = import_store(actor=actor, agency=agency, check=check, progress=progress)
    except Exception:
        log.exception("import %s failed", job)
        _write(
            dataclasses.replace(
                status,
                state="failed",
                error="The import failed and stored nothing. The error is in the server's log.",
            )
        )
        if not thread:
            raise
        return
    finally:
        if thread:
            connections.close_all()  # this thread's own connections only
    already = outcome.already_imported
    _write(
        dataclasses.replace(
            status,
            state="done",
            done=status.total,
            outcome={
                "records_created": outcome.records_created,
                "concerns_created": outcome.concerns_created,
                "rows_already_stored": outcome.rows_already_stored,
                "duplicates": check.duplicates,
                "already_imported_at": already.imported_at.isoformat() if already else None,
            },
        )
    )


def job_start(*, actor: User, agency: Agency, check: ImportCheck) -> str:
    """Start storing an accepted file; return the job's id for :func:`job_status`.

    In the background (a thread) unless ``JIGSAW_IMPORT_IN_BACKGROUND`` is false (tests whose
    data lives in a transaction other connections cannot see): then before returning.
    """
    job = secrets.token_hex(16)
    _write(
        JobStatus(job, actor.pk, agency.name, check.file.name, "running", 0, 2 * len(check.rows))
    )
    if getattr(settings, "JIGSAW_IMPORT_IN_BACKGROUND", True):
        threading.Thread(
            target=_run,
            args=(job, actor, agency, check),
            kwargs={"thread": True},
            name=f"import-{job[:8]}",
            daemon=True,
        ).start()
    else:
        _run(job, actor, agency, check, thread=False)
    return job

"""An import killed half-way (kill -9 of the process doing it) leaves nothing half-stored, and
the same file imported again then succeeds. And the 100,000-row benchmark (slow).

Each run is bench/web_import.py in a fresh process on its own SQLite file, so the import's
transaction is a real one that the kill interrupts (the test database of the session never
commits, so it could not show it)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
BENCH = ROOT / "bench" / "web_import.py"


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "JIGSAW_DATABASE_URL": "",
    }


def _run(workdir: Path, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--workdir", str(workdir), *args],
        env=_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_an_import_killed_half_way_stores_nothing_and_can_be_retried(tmp_path):
    args = ["--rows", "2500", "--children", "300"]
    process = subprocess.Popen(
        [sys.executable, str(BENCH), "--workdir", str(tmp_path), *args],
        env=_env(),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("progress 2500/"):
                break  # every row matched; records, children and links stored, not committed
        else:
            pytest.fail(f"the import ended before it was killed: {process.stderr.read()[-2000:]}")
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert _run(tmp_path, "--count") == {
        "batches": 0,
        "school_records": 0,
        "imported_concerns": 0,
        "import_audit_rows": 0,
    }
    again = _run(tmp_path, *args)
    assert again["concerns_created"] == again["imported_concerns"] == 2500
    assert again["batches"] == again["import_audit_rows"] == 1


@pytest.mark.slow
def test_a_file_of_100000_rows_imports(tmp_path):
    result = _run(tmp_path, "--rows", "100000")
    assert result["concerns_created"] == 100_000 and result["batches"] == 1
    print(json.dumps(result))

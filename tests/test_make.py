"""The make targets run what the README and CI promise (read from `make -n`, nothing is run)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _planned(*args):
    # The interpreter running the tests stands for .venv; its install stamps are taken as up to
    # date, so the plan lists only the target's own commands.
    venv = Path(sys.executable).parent.parent
    command = [
        "make",
        "-n",
        "-s",
        f"VENV={venv}",
        "-o",
        f"{venv}/.installed",
        "-o",
        "node_modules/.installed",
        *args,
    ]
    # Run from `make test TARGET=...`, the outer make's variables must not leak into the plan.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "TARGET")
    }
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return [line.replace(f"{venv}/bin/", "").rstrip() for line in result.stdout.splitlines()]


def test_the_test_command_runs_every_check_then_the_suite():
    assert _planned("test") == [
        "ruff check src tests bench",
        "ruff format --check src tests bench",
        "mypy",
        "DJANGO_SETTINGS_MODULE=jigsaw.web.settings python -m django makemigrations --check --dry-run",
        "bash scripts/system-packages",
        "pytest",
        'JIGSAW_TEST_DATABASE=sqlite pytest tests/web -m "not browser and not slow"',
    ]
    assert _planned("check") == _planned("test")


def test_ci_runs_the_test_command():
    steps = [
        line
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert steps[-1] == "make test"


def test_target_runs_only_the_named_tests():
    assert _planned("test", "TARGET=tests/stats/test_rates.py") == [
        "pytest tests/stats/test_rates.py"
    ]
    assert _planned("test-fast", "TARGET=tests/stats") == [
        'pytest -m "not spark and not browser and not demo and not slow" tests/stats'
    ]

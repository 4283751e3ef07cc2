"""Jigsaw runs from its wheel alone: build it, install it in a fresh virtual env, run it elsewhere.

The env is made without the system's or this checkout's packages, and every command runs from an
empty folder with ``PYTHONPATH`` unset, so the installed package can only find its own data.
Needs ``build`` (the test extra) and a package index (PyPI or a pip cache) for the dependencies.
"""

import csv
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from jigsaw.datasets.shipped import SHIPPED

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def _run(command, cwd, env, timeout=600):
    result = subprocess.run(
        [str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(jigsaw executable, empty working folder, clean environment) of a fresh install."""
    work = tmp_path_factory.mktemp("wheel")
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
    }
    # sdist first, then the wheel from it, as `python -m build` does: what the sdist leaves out,
    # the wheel cannot have.
    _run([sys.executable, "-m", "build", "--outdir", work / "dist", ROOT], cwd=work, env=env)
    wheels = list((work / "dist").glob("jigsaw-*.whl"))
    assert len(wheels) == 1
    venv.create(work / "venv", with_pip=True, system_site_packages=False)
    python = work / "venv" / "bin" / "python"
    _run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheels[0]],
        cwd=work,
        env=env,
    )
    elsewhere = work / "elsewhere"
    elsewhere.mkdir()
    location = _run([python, "-c", "import jigsaw; print(jigsaw.__file__)"], cwd=elsewhere, env=env)
    assert Path(location.strip()).is_relative_to(work / "venv")
    return work / "venv" / "bin" / "jigsaw", elsewhere, env


def test_the_national_report_runs_from_the_installed_wheel(installed):
    jigsaw, cwd, env = installed
    _run([jigsaw, "oversight", "--year", "2025", "--out", "report"], cwd=cwd, env=env)
    page = (cwd / "report" / "index.html").read_text(encoding="utf-8")
    with open(cwd / "report" / "areas.csv", encoding="utf-8", newline="") as f:
        areas = list(csv.DictReader(f))
    assert len(areas) == 153
    # README: 12,401 CSE assessments across all LAs in the year to March 2025.
    assert "12,401" in page


def test_jigsaw_datasets_lists_the_installed_copy(installed):
    jigsaw, cwd, env = installed
    rows = json.loads(_run([jigsaw, "datasets", "--json"], cwd=cwd, env=env))
    assert [r["path"] for r in rows] == [s.path for s in SHIPPED]
    for row in rows:
        path = Path(row["installed"])
        assert path.is_file() and path.is_relative_to(jigsaw.parents[1])
    for name in ("england", "neighbours", "mse"):
        assert (Path(rows[0]["installed"]).parents[1] / name / "README.md").is_file()
    out = _run(
        [jigsaw, "mse", "--example", "UKdat", "--method", "stepwise", "--ci", "wald"],
        cwd=cwd,
        env=env,
    )
    assert "Total: 11,418   95% wald interval: 9,977 to 13,146" in out

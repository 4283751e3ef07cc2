"""Start-up: the command line loads only what the command it runs needs.

Each check runs a fresh interpreter, so modules imported by other tests do not hide an import.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from jigsaw.cli import _command_modules

# Libraries that take a large share of a second or more to import, and that --help never needs.
HEAVY = ("pandas", "numpy", "scipy", "statsmodels", "django", "duckdb", "splink", "pyarrow")


def modules_loaded(code: str) -> set[str]:
    """Run ``code`` in a fresh interpreter; return the top-level names of the modules it loaded."""
    probe = (
        "import json, sys\n"
        f"{code}\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_jigsaw_help_loads_no_heavy_library():
    code = (
        "import contextlib, io\n"
        "from jigsaw.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        main(['--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
    )
    assert modules_loaded(code) & set(HEAVY) == set()


@pytest.mark.parametrize("command", sorted(_command_modules()))
def test_each_command_help_loads_no_heavy_library(command):
    code = (
        "import contextlib, io\n"
        "from jigsaw.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        f"        main([{command!r}, '--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
    )
    assert modules_loaded(code) & set(HEAVY) == set()


def statistics_modules_loaded(code: str) -> list[str]:
    """Run ``code`` in a fresh interpreter; return the statsmodels and ``scipy.stats`` modules
    it loaded."""
    probe = (
        "import json, sys\n"
        f"{code}\n"
        "print(json.dumps(sorted(m for m in sys.modules\n"
        "                        if m == 'statsmodels' or m.startswith(('statsmodels.', 'scipy.stats')))))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    loaded: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


def test_the_oversight_modules_load_neither_statsmodels_nor_scipy_stats():
    # Both are loaded by the two model fits that need them, not by importing the analysis.
    code = "import jigsaw.oversight, jigsaw.report.national, jigsaw.stats.overdispersion"
    assert statistics_modules_loaded(code) == []


def test_the_published_report_loads_no_statsmodels(tmp_path):
    # Its model fits on DfE's data are stored (jigsaw.oversight._fits), so none is fitted.
    code = (
        "import contextlib, io\n"
        "from jigsaw.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main(['oversight', '--year', '2025', '--out', {str(tmp_path)!r}])"
    )
    assert statistics_modules_loaded(code) == []
    assert (tmp_path / "index.html").exists()


def test_the_normal_distribution_is_scipy_stats_to_the_bit():
    from scipy import stats

    from jigsaw.stats._intervals import normal_cdf, normal_pdf, normal_ppf

    for x in np.linspace(-8, 8, 161):
        assert normal_pdf(float(x)) == float(stats.norm.pdf(x))
        assert normal_cdf(float(x)) == float(stats.norm.cdf(x))
    for p in (1e-9, 0.001, 0.025, 0.25, 0.5, 0.75, 0.9, 0.975, 0.999):
        assert normal_ppf(p) == float(stats.norm.ppf(p))

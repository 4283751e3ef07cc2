"""The core layers import no Django (docs/adr/0001)."""

import subprocess
import sys

CORE = [
    "jigsaw.stats",
    "jigsaw.datasets",
    "jigsaw.world",
    "jigsaw.catalogue",
    "jigsaw.screening",
    "jigsaw.linkage",
    "jigsaw.report",
    "jigsaw.oversight",
    "jigsaw.connect",
    "jigsaw.evaluation",
    "jigsaw.disclosure",
    "jigsaw.identifiers",
    "jigsaw.errors",
    "jigsaw.characteristics",
]


def test_core_packages_do_not_import_django():
    code = (
        "import importlib, pkgutil, sys\n"
        f"for name in {CORE!r}:\n"
        "    package = importlib.import_module(name)\n"
        "    for info in pkgutil.walk_packages(getattr(package, '__path__', []), name + '.'):\n"
        "        if not info.name.rsplit('.', 1)[-1].startswith(('test', '__main__')):\n"
        "            importlib.import_module(info.name)\n"
        "print('django' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_cli_lists_its_commands():
    result = subprocess.run(
        [sys.executable, "-m", "jigsaw.cli", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "usage: jigsaw" in result.stdout


def test_the_command_line_loads_no_layer_until_a_command_runs():
    # jigsaw.commands' promise: building the parser (`jigsaw --help`) imports argparse, not the
    # web app or the numerical stack, so it stays fast and a command pulls in only its own layer.
    code = (
        "import sys\n"
        "from jigsaw.cli import build_parser\n"
        "build_parser()\n"
        "print(sorted(m for m in ('django', 'pandas', 'numpy', 'splink') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"

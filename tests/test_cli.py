"""The ``jigsaw`` command tells bad input (one line, exit 2) from a fault in Jigsaw (a traceback)."""

import argparse
import re
import subprocess
import sys

import pytest

from jigsaw.cli import build_parser, main
from jigsaw.errors import InputError


class _Command:
    """A sub-command for these tests only: its ``run`` does what the test gives it."""

    HELP = "a command for the tests"

    def __init__(self, action):
        self._action = action

    def configure(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("path")

    def run(self, args: argparse.Namespace) -> int:
        return self._action(args.path)


def _run(action, path="input.csv"):
    return main(["try", str(path)], commands={"try": _Command(action)})


def _one_error_line(capsys, command):
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"jigsaw {command}: error: ")
    assert captured.err.count("\n") == 1, captured.err
    return captured.err.removeprefix(f"jigsaw {command}: error: ").rstrip("\n")


def test_every_shipped_command_is_listed():
    # The sub-commands are found in jigsaw.commands, one per capability.
    listed = build_parser().format_help()
    for name in ("datasets", "demo", "link", "mse", "oversight", "serve", "world"):
        assert re.search(rf"^    {name}\b", listed, re.MULTILINE), listed


def test_a_missing_input_file_is_one_line_naming_it(tmp_path, capsys):
    missing = tmp_path / "table.csv"
    assert main(["mse", str(missing)]) == 2
    assert _one_error_line(capsys, "mse") == f"{missing}: no such file"
    missing = tmp_path / "areas.csv"
    assert main(["oversight", "--areas", str(missing), "--out", str(tmp_path / "r.csv")]) == 2
    assert _one_error_line(capsys, "oversight") == f"{missing}: no such file"
    assert not (tmp_path / "r.csv").exists()


def test_an_input_error_is_one_line_and_exit_status_2(capsys):
    def reject(path):
        raise InputError(f"{path}: row 4, column children: 'many' is not a whole number")

    assert _run(reject) == 2
    assert _one_error_line(capsys, "try") == (
        "input.csv: row 4, column children: 'many' is not a whole number"
    )


def test_the_operating_systems_file_errors_name_the_file(tmp_path, capsys):
    def read(path):
        with open(path, encoding="utf-8") as handle:
            return len(handle.read())

    assert _run(read, tmp_path / "gone.csv") == 2
    assert _one_error_line(capsys, "try") == f"{tmp_path / 'gone.csv'}: No such file or directory"
    assert _run(read, tmp_path) == 2
    assert _one_error_line(capsys, "try") == f"{tmp_path}: Is a directory"


@pytest.mark.parametrize(
    "fault", [ValueError("bad internal state"), KeyError("rate"), TypeError("x")]
)
def test_a_fault_in_jigsaw_is_not_taken_for_bad_input(fault, capsys):
    # A plain ValueError is what a bug in a calculation raises: it must reach the traceback,
    # not be printed as if the user's file were wrong.
    def broken(path):
        raise fault

    with pytest.raises(type(fault)):
        _run(broken)
    assert capsys.readouterr().err == ""


def test_a_fault_shows_its_traceback_from_the_installed_command(tmp_path):
    # End to end: the process a user runs prints the traceback of a fault, and exits 1, not 2.
    code = (
        "import sys\n"
        "from jigsaw.cli import main\n"
        "class Broken:\n"
        "    HELP = 'broken'\n"
        "    def configure(self, parser): pass\n"
        "    def run(self, args): return {}['rate']\n"
        "sys.exit(main(['broken'], commands={'broken': Broken()}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert result.stderr.rstrip().endswith("KeyError: 'rate'")


def test_a_good_run_returns_its_exit_status(capsys):
    assert _run(lambda path: 0) == 0
    assert _run(lambda path: None) == 0
    assert capsys.readouterr().err == ""

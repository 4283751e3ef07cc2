"""The ``jigsaw`` command: one sub-command per capability.

Sub-commands live in :mod:`jigsaw.commands`; this module only finds and dispatches them, and turns
bad input (:class:`jigsaw.errors.InputError`, a missing or unreadable file) into one line on
standard error and exit status 2. Every other exception is a fault in Jigsaw and keeps its
traceback.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Mapping, Sequence
from typing import Protocol, cast

import jigsaw.commands
from jigsaw.errors import InputError

# The operating system's errors for a path the user named that cannot be read or written: the
# file is missing, is a folder (or not one), or may not be opened. Jigsaw's own files are inside
# the package, so these are the user's to put right.
_FILE_ERRORS = (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)


class Command(Protocol):
    """What a module in :mod:`jigsaw.commands` provides."""

    HELP: str

    def configure(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int | None: ...


def _command_modules() -> dict[str, Command]:
    found: dict[str, Command] = {}
    for info in sorted(pkgutil.iter_modules(jigsaw.commands.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"jigsaw.commands.{info.name}")
        found[info.name.replace("_", "-")] = cast(Command, module)
    return found


def build_parser(commands: Mapping[str, Command] | None = None) -> argparse.ArgumentParser:
    """Return the top-level parser with every sub-command configured.

    ``commands`` maps sub-command names to command modules; by default, those in
    :mod:`jigsaw.commands`.
    """
    parser = argparse.ArgumentParser(
        prog="jigsaw",
        description="Find children at risk of child sexual exploitation whom no agency has "
        "identified yet: one sub-command per capability.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module in (_command_modules() if commands is None else commands).items():
        sub_parser = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.configure(sub_parser)
        sub_parser.set_defaults(_run=module.run)
    return parser


def _file_error_text(error: OSError) -> str:
    # The operating system's own errors carry the path apart from the reason
    # ("[Errno 2] No such file or directory: 'x.csv'"); ours already start with the path.
    if error.filename is not None and error.strerror:
        return f"{error.filename}: {error.strerror}"
    return str(error)


def main(argv: Sequence[str] | None = None, commands: Mapping[str, Command] | None = None) -> int:
    """Run the command line; return the process exit code (2 for bad input).

    ``commands`` is as for :func:`build_parser`.
    """
    args = build_parser(commands).parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except InputError as error:
        # The message already names the file, row and field, or the option.
        print(f"jigsaw {args.command}: error: {error}", file=sys.stderr)
    except _FILE_ERRORS as error:
        print(f"jigsaw {args.command}: error: {_file_error_text(error)}", file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

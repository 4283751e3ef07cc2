"""The ``jigsaw`` command: one sub-command per capability.

Sub-commands live in :mod:`jigsaw.commands`; this module only finds and dispatches them.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import jigsaw.commands


class UserError(Exception):
    """Bad input from the user: printed as one clear line, never as a traceback."""


def _command_modules() -> dict[str, object]:
    found = {}
    for info in sorted(pkgutil.iter_modules(jigsaw.commands.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"jigsaw.commands.{info.name}")
        found[info.name.replace("_", "-")] = module
    return found


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every sub-command configured."""
    parser = argparse.ArgumentParser(
        prog="jigsaw",
        description="Find children at risk of child sexual exploitation whom no agency has "
        "identified yet: one sub-command per capability.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module in _command_modules().items():
        sub_parser = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.configure(sub_parser)
        sub_parser.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the process exit code (2 for bad input)."""
    args = build_parser().parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except (UserError, ValueError, FileNotFoundError) as error:
        # Errors raised for bad input already name the file, row and field.
        print(f"jigsaw {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

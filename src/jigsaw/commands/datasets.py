"""``jigsaw datasets``: list the public data shipped with Jigsaw, or print where one file is."""

from __future__ import annotations

import argparse

HELP = "list the public data shipped with Jigsaw (vintage, source, licence); --path NAME prints where one file is"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``datasets`` options."""
    parser.add_argument(
        "--path",
        metavar="NAME",
        help="print the installed path of one shipped file, e.g. UKdat or england/la_lookup.csv",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the list as JSON, with each file's path"
    )


def run(args: argparse.Namespace) -> int:
    """Print the list of shipped files, or one file's path; an unknown name raises ValueError."""
    import json

    from jigsaw.datasets.shipped import FOLDERS, SHIPPED, data_root, shipped_path

    if args.path:
        print(shipped_path(args.path))
        return 0
    root = data_root()
    if args.json:
        rows = [
            {
                "path": s.path,
                "installed": str(root / s.path),
                "what": s.what,
                "vintage": s.vintage,
                "source": s.source,
                "licence": s.licence,
                "retrieved": s.retrieved,
            }
            for s in SHIPPED
        ]
        print(json.dumps(rows, indent=1))
        return 0
    print(f"Shipped with Jigsaw in {root} (each folder's README.md says more):")
    for name, purpose in FOLDERS.items():
        print(f"\n{name}/: {purpose}")
        for s in (s for s in SHIPPED if s.folder == name):
            print(
                f"  {s.name}  [{s.vintage}]\n"
                f"      {s.what}\n"
                f"      source: {s.source}\n"
                f"      licence: {s.licence}; retrieved: {s.retrieved}"
            )
    return 0

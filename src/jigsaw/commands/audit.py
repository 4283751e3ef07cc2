"""``jigsaw audit``: check the web application's audit chain, or anchor its head now.

``jigsaw audit verify`` exits 0 when every event follows the one before it and matches every
anchor; otherwise it prints the first broken event and exits 1. ``jigsaw audit anchor`` copies the
chain's head to the anchor table (and, with ``--file``, appends it to a file kept elsewhere): run it
on a schedule.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

HELP = "Verify the web application's hash-chained audit log (verify), or anchor its head (anchor)."


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the actions of ``jigsaw audit``."""
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    verify = actions.add_parser(
        "verify", help="exit 0 if the audit log is intact, else name the first broken event"
    )
    verify.add_argument(
        "--anchors-file",
        type=Path,
        default=os.environ.get("JIGSAW_AUDIT_ANCHOR_FILE") or None,
        help="also check the anchors appended to this file (default $JIGSAW_AUDIT_ANCHOR_FILE)",
    )
    anchor = actions.add_parser("anchor", help="copy the chain's head to the anchor table now")
    anchor.add_argument(
        "--file",
        type=Path,
        default=os.environ.get("JIGSAW_AUDIT_ANCHOR_FILE") or None,
        help="also append the head to this file (default $JIGSAW_AUDIT_ANCHOR_FILE)",
    )


def run(args: argparse.Namespace) -> int:
    """Run ``verify`` or ``anchor``; return 0 when the log is intact, 1 when it is broken."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jigsaw.web.settings")
    import django

    django.setup()
    if args.action == "anchor":
        from jigsaw.web.audit.chain import anchor_file_append
        from jigsaw.web.audit.services import audit_anchor

        head = audit_anchor()
        if head is None:
            print("The audit log is empty: nothing to anchor.")
            return 0
        if args.file is not None:
            anchor_file_append(args.file, head)
        print(
            f"Anchored event {head.seq} ({head.hash})"
            + (f"; appended to {args.file}" if args.file else "")
        )
        return 0

    from jigsaw.web.audit.selectors import audit_chain_verdict

    if args.anchors_file is not None and not args.anchors_file.exists():
        raise FileNotFoundError(f"{args.anchors_file}: no such anchor file")
    verdict = audit_chain_verdict(args.anchors_file)
    if verdict.broken is not None:
        print(f"BROKEN: {verdict.broken}")
        print(f"({verdict.events} events read; nothing after the first break was checked)")
        return 1
    where = f"; head is event {verdict.head.seq} ({verdict.head.hash})" if verdict.head else ""
    print(f"Intact: {verdict.events} events, {verdict.anchors} anchors checked{where}.")
    return 0

"""``jigsaw demo``: the national oversight report and a synthetic partnership, served on 127.0.0.1.

Builds the national report from the shipped public data, generates a synthetic partnership
(thousands of children, every agency, two years of concerns), links and grades it, loads it
into the web application's own SQLite database, creates one demo user per role and serves both
on http://127.0.0.1:8000 (the report under /oversight/national/).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jigsaw.oversight import NationalSummary

HELP = "Build the national report and a synthetic partnership; serve both on http://127.0.0.1:8000."

HOST = "127.0.0.1"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``jigsaw demo``."""
    parser.add_argument(
        "--out", type=Path, default=Path("out"), help="folder to build into (default out)"
    )
    parser.add_argument("--year", type=int, default=2025, help="CIN reporting year (default 2025)")
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000)")
    parser.add_argument(
        "--children",
        type=int,
        default=10_000,
        help="children in the synthetic partnership (default 10,000)",
    )
    parser.add_argument(
        "--seed", type=int, default=2026, help="world generator seed (default 2026)"
    )
    parser.add_argument(
        "--la",
        default="E06000015",
        metavar="CODE",
        help="English LA the partnership stands in for, with its real characteristics "
        "(GSS or DfE code; default Derby, E06000015)",
    )
    parser.add_argument("--no-serve", action="store_true", help="build and load only; do not serve")
    parser.add_argument("--no-report", action="store_true", help=argparse.SUPPRESS)


def build(out: Path, year: int = 2025) -> NationalSummary:
    """Build the national report into ``out``; return its :class:`NationalSummary`."""
    from jigsaw.report.national import build_national_report

    return build_national_report(year, out)


def _report_dir(out: Path) -> Path:
    """Where the demo builds the national report: its own folder under ``out``."""
    return out / "national"


def _setup_django(demo_dir: Path) -> None:
    # The demo always uses its own SQLite file, whatever database the environment names, so that
    # `jigsaw demo` can never write synthetic data (or demo accounts) into a real database.
    os.environ["JIGSAW_DATABASE_URL"] = f"sqlite:///{demo_dir.resolve() / 'jigsaw.sqlite3'}"
    os.environ["JIGSAW_WEB_DIR"] = str(demo_dir.resolve())
    os.environ["DJANGO_SETTINGS_MODULE"] = "jigsaw.web.settings"
    import django

    django.setup()


def run(args: argparse.Namespace) -> int:
    """Build the report, load the partnership, print the demo users, then serve unless told not to."""
    out = args.out
    if not args.no_report:
        # The report has a folder of its own, the only one the web app serves it from: nothing
        # else in out/ (the demo database, linkage outputs) can ever be served as the report.
        summary = build(_report_dir(out), args.year)
        for line in summary.lines():
            print(line)
        print(f"Report: {_report_dir(out) / 'index.html'}", flush=True)
    from django.conf import settings

    if settings.configured and args.no_serve:
        # Django is already set up in this process for another database (a test session, a
        # notebook): load the demo's own database in a fresh process instead.
        command = [
            sys.executable,
            "-m",
            "jigsaw.cli",
            "demo",
            "--no-serve",
            "--no-report",
            "--out",
            str(out),
            "--children",
            str(args.children),
            "--seed",
            str(args.seed),
            "--la",
            str(args.la),
        ]
        return subprocess.run(command, check=False).returncode
    demo_dir = out / "demo"
    # The demo's database holds session keys and TOTP secrets, synthetic or not: private folder.
    demo_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    demo_dir.chmod(0o700)
    database = demo_dir / "jigsaw.sqlite3"
    # A fresh partnership each time: the demo's data and passwords are never reused.
    database.unlink(missing_ok=True)
    _setup_django(demo_dir)
    from django.core.management import call_command

    from jigsaw.web.demo import partnership_load

    call_command("migrate", verbosity=0)
    from django.utils import timezone

    loaded = partnership_load(
        children=args.children, seed=args.seed, today=timezone.localdate(), la=args.la
    )
    print(
        f"Partnership: {loaded.area}: {loaded.children} children, {loaded.records} agency records "
        f"({loaded.records_skipped} without a usable date of birth left out), {loaded.concerns} concerns, "
        f"{loaded.pending_links} uncertain links waiting for the MASH; "
        f"children graded high {loaded.graded['high']}, medium {loaded.graded['medium']}, low {loaded.graded['low']}."
    )
    print("\nDemo users (synthetic data only; sign in with the password, then the TOTP code):")
    width = max(len(u.username) for u in loaded.users)
    for user in loaded.users:
        print(
            f"  {user.username:<{width}}  {user.password}  TOTP secret {user.totp_secret}  {user.role}, {user.agency}"
        )
    print(
        "In demo mode the code page also shows the current code, so no authenticator app is needed."
    )
    if loaded.api_token:
        print(
            f"\nAPI token for the school's system (concerns:submit, concerns:read; docs/api.md):\n"
            f"  {loaded.api_token}"
        )
    if args.no_serve:
        return 0
    settings.JIGSAW_NATIONAL_REPORT_DIR = _report_dir(out).resolve()
    # Only here, in this process: shows each demo user's current TOTP code on the code page.
    settings.JIGSAW_DEMO_MODE = True
    from jigsaw.commands.serve import serve_forever

    return serve_forever(
        HOST,
        args.port,
        f"\nServing on http://{HOST}:{args.port}/  (national report: "
        f"http://{HOST}:{args.port}/oversight/national/; Ctrl-C to stop)",
    )

"""``jigsaw demo``: build the 2025 national report into out/ and serve it on 127.0.0.1."""

from __future__ import annotations

import argparse
import functools
from pathlib import Path

HELP = "Build the 2025 national oversight report into out/ and serve it on http://127.0.0.1:8000."

HOST = "127.0.0.1"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``jigsaw demo``."""
    parser.add_argument("--out", type=Path, default=Path("out"), help="folder to build into (default out)")
    parser.add_argument("--year", type=int, default=2025, help="CIN reporting year (default 2025)")
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000)")
    parser.add_argument("--no-serve", action="store_true", help="only build the report; do not serve it")


def build(out: Path, year: int = 2025):
    """Build the national report into ``out``; return its :class:`NationalSummary`."""
    from jigsaw.report.national import build_national_report

    return build_national_report(year, out)


def serve(directory: Path, port: int = 8000) -> None:
    """Serve ``directory`` on http://127.0.0.1:PORT until interrupted (local use only)."""
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(directory))
    with ThreadingHTTPServer((HOST, port), handler) as server:
        print(f"Serving the report on http://{HOST}:{port}/ (Ctrl-C to stop)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("Stopped.")


def run(args: argparse.Namespace) -> int:
    """Build, print the headline, then serve unless ``--no-serve``."""
    summary = build(args.out, args.year)
    for line in summary.lines():
        print(line)
    print(f"Report: {args.out / 'index.html'}")
    if not args.no_serve:
        serve(args.out, args.port)
    return 0

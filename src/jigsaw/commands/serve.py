"""``jigsaw serve``: run the web application against the configured database."""

from __future__ import annotations

import argparse
import os

from jigsaw.errors import InputError

HELP = "Serve the web application with gunicorn (JIGSAW_DATABASE_URL, else SQLite under out/web); --migrate first if asked."


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``jigsaw serve``."""
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("JIGSAW_WORKERS", "2")),
        help="worker processes (default $JIGSAW_WORKERS or 2; about one per core)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=int(os.environ.get("JIGSAW_THREADS", "4")),
        help="threads per worker (default $JIGSAW_THREADS or 4)",
    )
    parser.add_argument("--migrate", action="store_true", help="apply database migrations first")
    parser.add_argument(
        "--create-administrator",
        metavar="USERNAME",
        help="create the first administrator (with --area-code, --area-name, --agency-name) and exit",
    )
    parser.add_argument("--area-code", help="area code for --create-administrator, e.g. E08000035")
    parser.add_argument("--area-name", help="area name for --create-administrator")
    parser.add_argument(
        "--agency-name", help="the administrator's agency, e.g. 'Leeds Children's Services'"
    )


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; or create the first administrator and print a one-time password."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jigsaw.web.settings")
    import django

    django.setup()
    from django.core.management import call_command

    if args.migrate:
        from django.conf import settings

        # As the tables' owner when one is configured: it then grants the application's role
        # only SELECT and INSERT on the audit log (jigsaw.web.audit.privileges).
        call_command(
            "migrate", database="owner" if "owner" in settings.DATABASES else "default", verbosity=1
        )
    if args.create_administrator:
        if not (args.area_code and args.area_name and args.agency_name):
            raise InputError(
                "--create-administrator needs --area-code, --area-name and --agency-name"
            )
        from jigsaw.web.accounts.models import AgencyKind, Role
        from jigsaw.web.accounts.services import (
            agency_create,
            area_create,
            random_password,
            user_create,
        )

        area = area_create(code=args.area_code, name=args.area_name)
        agency = agency_create(area=area, kind=AgencyKind.SOCIAL_CARE, name=args.agency_name)
        password = random_password()
        user_create(
            username=args.create_administrator,
            password=password,
            role=Role.ADMINISTRATOR,
            agency=agency,
        )
        print(f"Administrator {args.create_administrator} created; one-time password: {password}")
        print("At first sign-in they set up an authenticator app (TOTP).")
        return 0
    return serve_forever(
        args.host,
        args.port,
        f"Serving on http://{args.host}:{args.port}/ with {args.workers} gunicorn workers "
        f"x {args.threads} threads (Ctrl-C to stop). In production put it behind a TLS proxy "
        "(docs/deploy.md).",
        workers=args.workers,
        threads=args.threads,
    )


def serve_forever(host: str, port: int, message: str, *, workers: int = 1, threads: int = 8) -> int:
    """Serve the configured Django application with gunicorn on ``host:port`` until stopped.

    Returns 0 after Ctrl-C or SIGTERM. ``message`` is printed once the socket is listening, so
    whoever reads the address can connect at once. Static files are served by whitenoise.

    gunicorn forks its workers. Forking this process could crash them: ``jigsaw demo`` has run
    Splink, DuckDB and numerical libraries here, whose threads do not survive a fork. So the
    server runs in a fresh interpreter, given this process's ``JIGSAW_*`` settings as arguments
    (never through the environment: demo mode is only ever turned on in-process by the demo).
    """
    import multiprocessing
    import signal

    from django.conf import settings
    from django.db import connections

    overrides = {
        name: getattr(settings, name) for name in dir(settings) if name.startswith("JIGSAW_")
    }
    connections.close_all()
    server = multiprocessing.get_context("spawn").Process(
        target=_gunicorn,
        args=(host, port, message, workers, threads, overrides),
        name="jigsaw-server",
    )
    server.start()
    # Ctrl-C reaches the server too (one process group); a SIGTERM sent to this process is passed on.
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: server.terminate())
    try:
        server.join()
    except KeyboardInterrupt:
        server.join()
    finally:
        signal.signal(signal.SIGTERM, previous)
    print("Stopped.", flush=True)
    return 0 if server.exitcode in (0, -signal.SIGTERM, -signal.SIGINT) else 1


def _gunicorn(
    host: str, port: int, message: str, workers: int, threads: int, overrides: dict[str, object]
) -> None:
    """Run gunicorn's arbiter in this (fresh) process, with the caller's ``JIGSAW_*`` settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jigsaw.web.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application
    from gunicorn.app.base import BaseApplication

    for name, value in overrides.items():
        setattr(settings, name, value)
    application = get_wsgi_application()

    class Server(BaseApplication):
        def load_config(self) -> None:
            options = {
                "bind": f"{host}:{port}",
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                "timeout": 60,
                "graceful_timeout": 5,
                "accesslog": None,
                "errorlog": "-",
                "loglevel": "warning",
                "when_ready": lambda arbiter: print(message, flush=True),
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            return application

    try:
        Server().run()
    except SystemExit as stop:
        if stop.code not in (0, None):
            raise

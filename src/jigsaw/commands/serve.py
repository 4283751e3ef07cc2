"""``jigsaw serve``: run the web application against the configured database."""

from __future__ import annotations

import argparse
import os

from jigsaw.errors import InputError

HELP = "Serve the web application (JIGSAW_DATABASE_URL, else SQLite under out/web); --migrate first if asked."


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``jigsaw serve``."""
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
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
        call_command("migrate", verbosity=1)
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
        f"Serving on http://{args.host}:{args.port}/ (Ctrl-C to stop). In production run "
        "jigsaw.web.wsgi:application under a WSGI server behind TLS.",
    )


def serve_forever(host: str, port: int, message: str) -> int:
    """Serve the configured Django application on ``host:port`` until Ctrl-C; return 0.

    The socket is bound before ``message`` is printed, so whoever reads the address can connect
    at once. Django's threaded development server: for the demo and small closed networks only.
    """
    from django.core.servers.basehttp import (
        ThreadedWSGIServer,
        WSGIRequestHandler,
        get_internal_wsgi_application,
    )

    server = ThreadedWSGIServer((host, port), WSGIRequestHandler)
    server.set_app(get_internal_wsgi_application())
    print(message, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("Stopped.")
    finally:
        server.server_close()
    return 0

"""Web application under load: signed-in practitioners recording concerns and opening profiles.

A bounded loop on 127.0.0.1 only. It creates a fresh database (a SQLite file in a temporary
folder, or the empty PostgreSQL database given with --database-url), one partnership with
--users practitioners (each with a TOTP device), starts `jigsaw serve` (gunicorn) on a free
loopback port, signs every practitioner in with password and TOTP code, and then for --seconds
each of them, in their own thread, repeats: open the intake form, record a concern about a new
child (POST, then the saved page), open that child's profile. Afterwards it counts the concerns in
the database, checks the audit chain, and prints Markdown for docs/benchmarks.md:

    .venv/bin/python bench/web_load.py --users 10 --seconds 60                       # SQLite
    .venv/bin/python bench/web_load.py --users 50 --seconds 60 \\
        --database-url postgresql://postgres@/scratch?host=/tmp/pg                  # PostgreSQL

--database-url must name an empty scratch database: the benchmark migrates it and fills it.
--restart-command runs a command half way through (e.g. `pg_ctl -D DIR -m fast restart`): the
fault test. Requests during the restart may fail; a concern form whose save failed or whose answer
was lost is sent again, the same form with the same form token, as a browser's user would, until
it is acknowledged (up to ATTEMPTS times). Afterwards every stored concern must be whole (its
record linked to a child, its audit row written) and each acknowledged form stored exactly once:
none lost, none twice, none stored that no answer acknowledged.

    .venv/bin/python bench/web_load.py --users 10 --seconds 30 \
        --database-url postgresql://postgres@/scratch?host=/tmp/pg \
        --restart-command "pg_ctl -D /tmp/pg/data -l /tmp/pg/log -m fast -w restart"  # fault test
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import platform
import re
import secrets
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "load test password 42"
FIRST_NAMES = ["Amira", "Bethany", "Chloe", "Demi", "Ellie", "Freya", "Grace", "Hannah", "Isla"]
LAST_NAMES = ["Ahmed", "Brown", "Clarke", "Dawson", "Evans", "Fletcher", "Green", "Hughes"]
SIGNS = ["unexplained_absence", "gifts_from_older_people"]
#: How many times a practitioner sends a concern form whose save failed (the fault test).
ATTEMPTS = 10


def setup_database(env: dict[str, str], users: int) -> list[tuple[str, bytes]]:
    """Migrate, create the partnership and its practitioners; return (username, TOTP key)."""
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from jigsaw.web.accounts.models import AgencyKind, Role
    from jigsaw.web.accounts.services import agency_create, area_create, user_create

    call_command("migrate", verbosity=0)
    area = area_create(code="E99000001", name="Loadbridge")
    school = agency_create(area=area, kind=AgencyKind.EDUCATION, name="Loadbridge Academy")
    made = []
    for i in range(users):
        _, device = user_create(
            username=f"practitioner{i:02d}",
            password=PASSWORD,
            role=Role.PRACTITIONER,
            agency=school,
            validate=False,
            with_totp=True,
        )
        made.append((f"practitioner{i:02d}", device.bin_key))
    connections.close_all()
    return made


def totp(key: bytes) -> str:
    from django_otp.oath import TOTP

    return f"{TOTP(key, step=30, digits=6).token():06d}"


class Practitioner:
    """One browser: its own cookies, signing in and then working until the deadline."""

    def __init__(self, base: str, username: str, key: bytes) -> None:
        self.base, self.username, self.key = base, username, key
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.timings: dict[str, list[float]] = {}
        self.errors: list[str] = []
        self.saved = 0
        self.resent = 0  # concern forms sent again after a failed attempt
        self.given_up = 0  # concern forms never acknowledged within RETRY_SECONDS
        self.acknowledged: list[str] = []  # the form token of every concern acknowledged saved

    def request(self, page: str, path: str, form: dict | list | None = None) -> tuple[str, str]:
        data = urllib.parse.urlencode(form, doseq=True).encode() if form is not None else None
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, data=data, timeout=60) as response:
                body, url = response.read().decode("utf-8"), response.geturl()
        except (urllib.error.URLError, OSError) as error:
            self.errors.append(f"{page}: {error}")
            raise
        self.timings.setdefault(page, []).append(time.perf_counter() - started)
        return body, url

    @staticmethod
    def token(body: str, name: str = "csrfmiddlewaretoken") -> str:
        return re.search(rf'name="{name}" value="([^"]+)"', body)[1]

    def save(self, form: list[tuple[str, str]]) -> tuple[str, str] | None:
        """Send the concern form, and the same form again while it fails (a refused
        connection, a 5xx while the database restarts, the answer lost); None if it never
        succeeds in ATTEMPTS."""
        for attempt in range(ATTEMPTS):
            if attempt:
                self.resent += 1
                time.sleep(1)
            try:
                return self.request("record concern (POST + saved page)", "/concerns/new/", form)
            except (urllib.error.URLError, OSError):
                continue
        self.given_up += 1
        return None

    def sign_in(self) -> None:
        body, _ = self.request("sign-in form", "/accounts/sign-in/")
        body, _ = self.request(
            "sign in",
            "/accounts/sign-in/",
            {
                "csrfmiddlewaretoken": self.token(body),
                "username": self.username,
                "password": PASSWORD,
            },
        )
        self.request(
            "second factor",
            "/accounts/verify/",
            {"csrfmiddlewaretoken": self.token(body), "token": totp(self.key)},
        )

    def work_until(self, deadline: float, rng) -> None:
        today = time.gmtime()
        while time.monotonic() < deadline:
            try:
                body, _ = self.request("intake form", "/concerns/new/")
                form_token = self.token(body, "form_token")
                form = [
                    ("csrfmiddlewaretoken", self.token(body)),
                    ("form_token", form_token),
                    ("first_name", rng.choice(FIRST_NAMES)),
                    ("last_name", f"{rng.choice(LAST_NAMES)}-{secrets.token_hex(3)}"),
                    ("sex", "F"),
                    ("postcode", "LB1 4QT"),
                    ("dob_day", str(rng.randint(1, 28))),
                    ("dob_month", str(rng.randint(1, 12))),
                    ("dob_year", str(rng.randint(2008, 2013))),
                    ("seen_day", str(today.tm_mday)),
                    ("seen_month", str(today.tm_mon)),
                    ("seen_year", str(today.tm_year)),
                    *[("indicators", sign) for sign in SIGNS],
                    ("note", "Seen with an older man after school; new phone."),
                    ("lawful_basis", "public_task_safeguarding"),
                    ("action", "save"),
                ]
                answer = self.save(form)
                if answer is None:
                    continue
                body, url = answer
                if "/concerns/new/" in url:
                    self.errors.append("record concern: the form came back unsaved")
                    continue
                self.saved += 1
                self.acknowledged.append(form_token)
                child = re.search(r'href="/children/(\d+-[0-9a-f]+)/"', body)
                if child is None:
                    self.errors.append("saved page: no link to the child's profile")
                    continue
                self.request("child profile", f"/children/{child[1]}/")
            except (urllib.error.URLError, OSError):
                continue


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    import random

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--database-url", help="an EMPTY scratch PostgreSQL database (default: SQLite)"
    )
    parser.add_argument(
        "--restart-command", help="run this half way through (restart the database)"
    )
    args = parser.parse_args()
    if not 1 <= args.users <= 200 or not 0 < args.seconds <= 600:
        parser.error("--users must be 1 to 200 and --seconds at most 600 (a bounded loop)")

    folder = Path(tempfile.mkdtemp(prefix="jigsaw-load-"))
    env = {
        "DJANGO_SETTINGS_MODULE": "jigsaw.web.settings",
        "JIGSAW_WEB_DIR": str(folder / "data"),
        "JIGSAW_SECRET_KEY": secrets.token_urlsafe(50),
        "JIGSAW_ALLOWED_HOSTS": "127.0.0.1",
        "JIGSAW_DATABASE_URL": args.database_url
        or f"sqlite:///{folder / 'data' / 'jigsaw.sqlite3'}",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
    }
    database = "PostgreSQL" if args.database_url else "SQLite"
    users = setup_database(env, args.users)

    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jigsaw.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
        ],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        line = ""
        while "Serving on" not in line:
            line = server.stdout.readline()
            if not line:
                raise SystemExit("jigsaw serve stopped before serving")
        # Read the server's output from now on: left unread, the tracebacks of the requests
        # failing while the database restarts filled the pipe and the server hung writing them.
        server_log: list[str] = []
        threading.Thread(target=lambda: server_log.extend(server.stdout), daemon=True).start()
        base = f"http://127.0.0.1:{port}"
        people = [Practitioner(base, name, key) for name, key in users]
        for person in people:
            person.sign_in()
        start = threading.Barrier(len(people))
        deadline_box: list[float] = []

        def run(person: Practitioner, seed: int) -> None:
            start.wait()
            if not deadline_box:
                deadline_box.append(time.monotonic() + args.seconds)
            person.work_until(deadline_box[0], random.Random(seed))

        threads = [threading.Thread(target=run, args=(p, i)) for i, p in enumerate(people)]
        restarted: list[str] = []
        if args.restart_command:

            def restart() -> None:
                # Not captured: a restarted server keeps the output it was given open for good.
                done = subprocess.run(
                    shlex.split(args.restart_command),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                restarted.append(f"exit {done.returncode} at {args.seconds / 2:.0f} s")

            timer = threading.Timer(args.seconds / 2, restart)
            timer.daemon = True
            timer.start()
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - began
    finally:
        server.terminate()
        server.wait(timeout=60)

    from jigsaw.web.audit.models import AuditEvent
    from jigsaw.web.audit.selectors import audit_chain_verdict
    from jigsaw.web.children.models import Link
    from jigsaw.web.concerns.models import Concern

    stored = Concern.objects.count()
    audited = set(
        AuditEvent.objects.filter(event_type="concern_recorded").values_list(
            "subject_id", flat=True
        )
    )
    linked = set(Link.objects.values_list("record_id", flat=True))
    half_written = [
        c.pk for c in Concern.objects.all() if str(c.pk) not in audited or c.record_id not in linked
    ]
    saved = sum(p.saved for p in people)
    acknowledged = [token for p in people for token in p.acknowledged]
    stored_tokens = list(Concern.objects.values_list("form_token", flat=True))
    # Each acknowledged form stored exactly once, and nothing stored that was not acknowledged.
    stored_once = sorted(acknowledged) == sorted(stored_tokens)
    resent = sum(p.resent for p in people)
    given_up = sum(p.given_up for p in people)
    errors = [e for p in people for e in p.errors]
    verdict = audit_chain_verdict()
    pages: dict[str, list[float]] = {}
    for person in people:
        for page, values in person.timings.items():
            if page not in ("sign-in form", "sign in", "second factor"):
                pages.setdefault(page, []).extend(values)
    requests = sum(len(v) for v in pages.values())

    print(
        f"### {database}: {args.users} practitioners for {args.seconds:.0f} s "
        f"(gunicorn {args.workers} workers x {args.threads} threads)\n"
    )
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; load generator and server on the same machine.\n"
    )
    print("| page | requests | p50 ms | p95 ms |")
    print("|---|---:|---:|---:|")
    for page, values in pages.items():
        print(
            f"| {page} | {len(values):,} | {statistics.median(values) * 1000:.0f} | "
            f"{percentile(values, 0.95) * 1000:.0f} |"
        )
    print(
        f"\n{requests:,} requests in {elapsed:.0f} s ({requests / elapsed:.1f}/s); "
        f"errors: {len(errors)}; concerns saved {saved:,}, stored {stored:,} "
        f"(lost: {saved - stored}); audit chain: "
        f"{'intact' if verdict.intact else verdict.broken}, {verdict.events:,} events; "
        f"half-written concerns: {len(half_written)}."
    )
    if args.restart_command:
        print(
            f"Database restarted half way ({', '.join(restarted) or 'did not run'}); "
            f"concern forms sent again: {resent}, never acknowledged: {given_up}; each "
            f"acknowledged form stored exactly once: {'yes' if stored_once else 'NO'}; "
            f"server tracebacks: {sum('Traceback' in line for line in server_log)}."
        )
    for error in errors[:10]:
        print(f"- {error}")
    from django.db import connections

    connections.close_all()
    shutil.rmtree(folder, ignore_errors=True)
    whole = verdict.intact and not half_written and stored_once and not given_up
    if args.restart_command:
        # Requests in flight at the restart may fail; each form is sent again until it is
        # acknowledged, so none is lost and none stored twice.
        return 0 if whole and saved == stored else 1
    return 0 if whole and not errors and saved == stored else 1


if __name__ == "__main__":
    sys.exit(main())

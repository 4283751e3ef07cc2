"""Production settings: behind a TLS proxy, with nothing secret on an error page.

Settings are read once per process, so each production case runs in a fresh process with the
environment a production host would have (docs/deploy.md), against its own SQLite file.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOST = "jigsaw.example.gov.uk"
# A made-up credential: it must never appear on an error page.
DATABASE_URL_WITH_PASSWORD = "postgresql://jigsaw_app:Sup3r-S3cret-pw@db.internal:5432/jigsaw"


def production(tmp_path: Path, *args: str, **extra_env: str) -> subprocess.CompletedProcess:
    env = {
        # Nothing of the test session's own configuration (its database, DEBUG, or the
        # DJANGO_ALLOW_ASYNC_UNSAFE the browser tests set) leaks into the "production" process.
        **{
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("JIGSAW_", "DJANGO_", "DATABASE_URL"))
        },
        "DJANGO_SETTINGS_MODULE": "jigsaw.web.settings",
        "JIGSAW_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'jigsaw.sqlite3'}",
        "JIGSAW_WEB_DIR": str(tmp_path / "data"),
        "JIGSAW_SECRET_KEY": "production-like-key-" + "k7Qz" * 12,
        "JIGSAW_HTTPS": "1",
        "JIGSAW_ALLOWED_HOSTS": HOST,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        **extra_env,
    }
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_check_deploy_is_clean_in_production_settings(tmp_path):
    done = production(tmp_path, "-m", "django", "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues (0 silenced)." in done.stdout


def test_check_deploy_without_https_names_what_is_missing(tmp_path):
    """The check is not clean by accident: without JIGSAW_HTTPS it reports the missing settings."""
    done = production(
        tmp_path, "-m", "django", "check", "--deploy", "--fail-level", "WARNING", JIGSAW_HTTPS="0"
    )
    assert done.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in done.stderr


def test_behind_the_proxy_https_is_enforced_and_posted_forms_pass_csrf(tmp_path):
    done = production(tmp_path, __file__, "behind_the_proxy")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["plain_http"] == [301, f"https://{HOST}/accounts/sign-in/"]
    assert result["healthz_plain_http"] == 200
    assert result["via_proxy"] == 200
    assert result["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert result["cookies_secure"] is True
    # A wrong password through the proxy: the form is processed (200 with an error), not 403.
    assert result["posted_via_proxy"] == 200 and result["csrf_refused"] is False
    # A form posted from another origin is still refused.
    assert result["posted_from_elsewhere"] == 403


@pytest.mark.parametrize("debug", ["0", "1"])
def test_error_pages_never_show_the_database_url_or_secrets(tmp_path, debug):
    done = production(
        tmp_path,
        __file__,
        "error_page",
        JIGSAW_DEBUG=debug,
        JIGSAW_DATABASE_URL=f"sqlite:///{tmp_path / 'data' / 'jigsaw.sqlite3'}",
        DATABASE_URL=DATABASE_URL_WITH_PASSWORD,
        UPSTREAM_REPORTS=DATABASE_URL_WITH_PASSWORD,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    page = result["page"]
    assert result["debug"] is (debug == "1")
    assert "ZeroDivisionError" in page  # it is the technical page, with the request's details
    for secret in (
        "Sup3r-S3cret-pw",
        "db.internal",
        "jigsaw_app",
        result["database_name"],
        result["secret_key"],
        result["session_cookie"],
    ):
        assert secret not in page, secret
    assert re.search(r"DATABASE_URL.{0,200}\*{5,}", page, flags=re.S)


def test_jigsaw_serve_runs_gunicorn_with_static_files_from_whitenoise(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "JIGSAW_WEB_DIR": str(tmp_path / "data"),
        "JIGSAW_SECRET_KEY": "tests-only-key-" + "x" * 40,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }
    for name in ("JIGSAW_DATABASE_URL", "DATABASE_URL", "JIGSAW_DEBUG", "JIGSAW_HTTPS"):
        env.pop(name, None)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jigsaw.cli",
            "serve",
            "--migrate",
            "--port",
            str(port),
            "--workers",
            "2",
            "--threads",
            "2",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any("Serving on" in line for line in lines):
            line = server.stdout.readline()
            if not line:
                break
            lines.append(line)
        assert f"Serving on http://127.0.0.1:{port}/ with 2 gunicorn workers" in "".join(lines)
        base = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(f"{base}/accounts/sign-in/", timeout=20) as page:
            assert page.status == 200 and "gunicorn" in page.headers["Server"]
        with urllib.request.urlopen(f"{base}/static/jigsaw/jigsaw.css", timeout=20) as css:
            assert css.status == 200 and css.headers["Content-Type"].startswith("text/css")
            assert css.read() == (ROOT / "src/jigsaw/web/static/jigsaw/jigsaw.css").read_bytes()

        # jigsaw serve -> gunicorn's arbiter (a fresh interpreter) -> the two workers.
        def children(pid: int) -> list[int]:
            found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
            return [int(child) for child in found.stdout.split()]

        assert sorted(len(children(arbiter)) for arbiter in children(server.pid))[-1] == 2
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=30)
    assert server.returncode == 0 and "Stopped." in out


# ---- run in their own process -----------------------------------------------------------------


def behind_the_proxy() -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    proxied = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_HOST": HOST}
    plain = Client(HTTP_HOST=HOST).get("/accounts/sign-in/")
    healthz = Client(HTTP_HOST=HOST).get("/healthz")
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/accounts/sign-in/", **proxied)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    form = {"csrfmiddlewaretoken": token, "username": "nobody", "password": "wrong" * 3}
    posted = browser.post("/accounts/sign-in/", form, HTTP_ORIGIN=f"https://{HOST}", **proxied)
    elsewhere = browser.post(
        "/accounts/sign-in/", form, HTTP_ORIGIN="https://attacker.example", **proxied
    )
    return {
        "plain_http": [plain.status_code, plain.get("Location")],
        "healthz_plain_http": healthz.status_code,
        "via_proxy": page.status_code,
        "hsts": page.get("Strict-Transport-Security"),
        "cookies_secure": bool(page.cookies["csrftoken"]["secure"]),
        "posted_via_proxy": posted.status_code,
        "csrf_refused": b"CSRF" in posted.content,
        "posted_from_elsewhere": elsewhere.status_code,
    }


def _request_with_secrets():
    from django.test import RequestFactory

    return RequestFactory().get(
        "/children/1/",
        HTTP_HOST=HOST,
        HTTP_COOKIE=f"sessionid={secrets.token_hex(16)}",
        # Django's development server copies the environment into every request's META.
        **{name: value for name, value in os.environ.items() if name.isupper()},
    )


def error_page() -> dict:
    # The secrets live only in the request and the settings, not in this frame's variables: the
    # technical page shows every frame's local variables, as it would a view's.
    import django

    django.setup()
    from django.conf import settings
    from django.views.debug import technical_500_response

    request = _request_with_secrets()
    try:
        1 / 0  # noqa: B018 - the error whose report is inspected
    except ZeroDivisionError:
        page = technical_500_response(request, *sys.exc_info()).content.decode()
    return {
        "page": page,
        "debug": settings.DEBUG,
        "database_name": str(settings.DATABASES["default"]["NAME"]),
        "secret_key": settings.SECRET_KEY,
        "session_cookie": request.COOKIES["sessionid"],
    }


if __name__ == "__main__":
    print(json.dumps(globals()[sys.argv[1]]()))

"""Django settings for the Jigsaw web application.

Secure by default: DEBUG off, Argon2 first, TOTP for every user, sessions that expire after
inactivity, a strict content security policy. SQLite under ``out/web/`` unless
``JIGSAW_DATABASE_URL`` (or ``DATABASE_URL``) names a PostgreSQL database.

Configuration (environment variables; docs/deploy.md shows a whole production setup):

``JIGSAW_DATABASE_URL``
    The database the application uses, as the application's own role.
``JIGSAW_OWNER_DATABASE_URL``
    PostgreSQL only: the same database as the role that owns the tables. Migrations run as it
    (``jigsaw serve --migrate``), and then grant the application's role only ``SELECT`` and
    ``INSERT`` on the audit log.
``JIGSAW_HTTPS=1``
    Served behind a TLS proxy that sets ``X-Forwarded-Proto``: HTTPS redirect, HSTS, secure
    cookies.
``JIGSAW_ALLOWED_HOSTS``, ``JIGSAW_CSRF_TRUSTED_ORIGINS``
    Comma-separated host names, and origins (``https://jigsaw.example.gov.uk``) from which
    forms may be posted when the proxy does not pass the original ``Host``.
``JIGSAW_PROXY_HOPS``
    How many trusted proxies append to ``X-Forwarded-For`` (1 behind the documented nginx), so
    failed sign-ins are counted per client address rather than per proxy.
``JIGSAW_EMAIL_HOST``, ``JIGSAW_EMAIL_PORT``, ``JIGSAW_EMAIL_TLS=1``, ``JIGSAW_EMAIL_FROM``
    The mail server for the single-use links by which users set their own password.
``JIGSAW_NOTIFY_EMAIL=1``, ``JIGSAW_SITE_URL``
    E-mail users when an item reaches their inbox (off by default; the message is a link to the
    inbox at that address and holds no child data).
``JIGSAW_LINKAGE_U_PAIRS``
    Random pairs of an area's records from which retraining its linkage model estimates u
    (default 2,000,000).
``JIGSAW_LINKAGE_RETRAIN_NOW_RECORDS``
    The most records an area may hold for "Retrain now" to train while the administrator waits
    (default 100,000; fitting that many takes 11-15 seconds); a larger area's training is
    queued for the retraining timer (``jigsaw linkage-retrain``), as a page must answer well
    inside the server's timeout.
``JIGSAW_SECRET_KEY``, ``JIGSAW_WEB_DIR``, ``JIGSAW_DEBUG=1``, ``JIGSAW_AUDIT_ANCHOR_EVERY``
    The signing key (else one kept in ``secret-key`` under the data folder), the data folder,
    Django's debug pages (never in production) and how often the audit chain is anchored.

Files on disk are private: the data folder is created 0700, the SQLite database and the key
0600, and the application refuses to start on a database or key other local users can read.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

from jigsaw.errors import InputError

WEB_DIR = Path(__file__).resolve().parent
# The checkout root when installed editable (src/jigsaw/web -> repo); node_modules and out/ live there.
PROJECT_DIR = Path(os.environ.get("JIGSAW_PROJECT_DIR", WEB_DIR.parents[2]))
VAR_DIR = Path(os.environ.get("JIGSAW_WEB_DIR", PROJECT_DIR / "out" / "web"))
NODE_MODULES = Path(os.environ.get("JIGSAW_NODE_MODULES", PROJECT_DIR / "node_modules"))
GOVUK_FRONTEND_DIR = NODE_MODULES / "govuk-frontend" / "dist" / "govuk"
# The national report's own folder (jigsaw demo builds the report into it); the only place /oversight/national/ serves from.
JIGSAW_NATIONAL_REPORT_DIR = Path(
    os.environ.get("JIGSAW_NATIONAL_REPORT_DIR", PROJECT_DIR / "out" / "national")
)


def _secret_key() -> str:
    """Return the key from the environment, else one generated once and kept beside the database."""
    if os.environ.get("JIGSAW_SECRET_KEY"):
        return os.environ["JIGSAW_SECRET_KEY"]
    path = VAR_DIR / "secret-key"
    if not path.exists():
        _private_folder(VAR_DIR)
        # Written in full to a private temporary file (0600, so other local users cannot forge
        # sessions), then linked into place: workers starting together all read the one key that
        # won, never a half-written or empty one, and none fails because another got there first.
        tmp = VAR_DIR / f".secret-key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    _refuse_if_shared(path, "the secret key")
    return path.read_text().strip()


def _private_folder(folder: Path) -> None:
    """Create ``folder`` (and its parents) if missing; the folder itself 0700, whatever the umask."""
    if not folder.exists():
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)


class SharedFileError(ImproperlyConfigured, InputError):
    """A private file (the database, the key) is readable by other local users.

    An :class:`~jigsaw.errors.InputError` too: the ``jigsaw`` command prints it as one line, without
    a traceback, since the operator can put it right.
    """


def _refuse_if_shared(path: Path, what: str) -> None:
    """Refuse to start when a file other local users can read holds ``what``.

    Raises
    ------
    SharedFileError
        Naming the file, its mode and the command that makes it private.
    """
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise SharedFileError(
            f"{path} holds {what} and is readable or writable by other local users "
            f"(mode {mode:04o}): make it private with `chmod 600 {path}` (and `chmod 700 "
            f"{path.parent}`), and run Jigsaw under its own system user (docs/security.md)"
        )


def private_sqlite_file(path: Path) -> Path:
    """Return ``path``, first creating it 0600 (in a 0700 folder) if it does not exist.

    SQLite would create the file with the umask's mode, usually 0644, and gives its WAL and
    shared-memory files the database file's mode: creating the (empty, valid) database file
    privately first keeps all three private.

    Raises
    ------
    SharedFileError
        If an existing database can be read by other local users.
    """
    if str(path) in ("", ":memory:") or str(path).startswith("file:"):
        return path
    _private_folder(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        _refuse_if_shared(path, "the database (password hashes, sessions, TOTP secrets)")
    return path


def _sqlite(path: Path) -> dict[str, object]:
    """The SQLite settings that keep a small team's concurrent saves safe.

    WAL lets readers carry on while one connection writes; ``IMMEDIATE`` takes the write lock at
    the start of every transaction, so two writers queue (for up to ``timeout`` seconds) instead
    of both reading and then one failing with "database is locked" when it tries to write;
    ``synchronous=NORMAL`` is durable in WAL mode except on power loss mid-checkpoint.
    """
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": private_sqlite_file(Path(path)),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        },
    }


def database_from_url(url: str) -> dict[str, object]:
    """Return a Django ``DATABASES`` entry for a ``postgresql://`` or ``sqlite:///`` URL.

    Raises
    ------
    ValueError
        If the scheme is neither PostgreSQL nor SQLite.
    """
    parts = urlsplit(url)
    if parts.scheme in ("postgres", "postgresql"):
        query = dict(item.split("=", 1) for item in parts.query.split("&") if "=" in item)
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            # A unix-socket directory can be given as ?host=/path, as libpq allows.
            "HOST": query.get("host", parts.hostname or ""),
            "PORT": str(parts.port or query.get("port", "")),
            "ATOMIC_REQUESTS": False,
        }
    if parts.scheme == "sqlite":
        # sqlite:////abs/path and sqlite:///abs/path both name /abs/path.
        path = unquote(parts.path)
        return _sqlite(Path(path[1:] if path.startswith("//") else path))
    raise ValueError(f"JIGSAW_DATABASE_URL: unsupported database scheme {parts.scheme!r}")


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("JIGSAW_DEBUG") == "1"
ALLOWED_HOSTS = os.environ.get("JIGSAW_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")

# Never set from the environment: only `jigsaw demo` turns this on, in its own process.
JIGSAW_DEMO_MODE = False

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "jigsaw.web.audit",
    "jigsaw.web.accounts",
    "jigsaw.web.children",
    "jigsaw.web.concerns",
    "jigsaw.web.oversight",
    "jigsaw.web.referrals",
    "jigsaw.web.api",
    "jigsaw.web.imports",
    "jigsaw.web.groups",
    "jigsaw.web.linkmodel",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "jigsaw.web.middleware.security_headers",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "jigsaw.web.concerns.drafts.keep_drafts",
    "jigsaw.web.middleware.require_verified_user",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "jigsaw.web.urls"
WSGI_APPLICATION = "jigsaw.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [WEB_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jigsaw.web.accounts.context.role",
            ]
        },
    }
]

_url = os.environ.get("JIGSAW_DATABASE_URL") or os.environ.get("DATABASE_URL")
DATABASES = {"default": database_from_url(_url) if _url else _sqlite(VAR_DIR / "jigsaw.sqlite3")}
if os.environ.get("JIGSAW_OWNER_DATABASE_URL"):
    # The same database as the tables' owner: `migrate --database owner` (jigsaw serve --migrate).
    DATABASES["owner"] = {
        **database_from_url(os.environ["JIGSAW_OWNER_DATABASE_URL"]),
        "TEST": {"MIRROR": "default"},
    }
del _url
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The audit chain's head is copied to the anchor table every this many events (and whenever
# `jigsaw audit anchor` runs): a rewrite of the chain is then found by `jigsaw audit verify`.
JIGSAW_AUDIT_ANCHOR_EVERY = int(os.environ.get("JIGSAW_AUDIT_ANCHOR_EVERY", "100"))

# Retraining an area's linkage model (jigsaw.web.linkmodel) estimates u from this many random
# pairs of its records (Splink's advice: 1e7 or more for a national run; an area's records give
# fewer pairs than this below about 2,000 records, and then all are used).
JIGSAW_LINKAGE_U_PAIRS = int(os.environ.get("JIGSAW_LINKAGE_U_PAIRS", "2000000"))
# "Retrain now" trains while the administrator waits up to this many records (the fit takes
# 11-15 s at 100,000; 1,000,000 take over a minute, past gunicorn's timeout); above, the timer.
JIGSAW_LINKAGE_RETRAIN_NOW_RECORDS = int(
    os.environ.get("JIGSAW_LINKAGE_RETRAIN_NOW_RECORDS", "100000")
)

# Argon2id first: the OWASP-recommended password hash; the others only verify old hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
OTP_TOTP_ISSUER = "Jigsaw"

# Sessions end after 15 minutes without a request, and when the browser closes.
SESSION_COOKIE_AGE = 15 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_SAMESITE = "Strict"
# A GOV.UK-styled page that says what happened and how to go back, not Django's raw one.
CSRF_FAILURE_VIEW = "jigsaw.web.pages.csrf_failure"
# Production runs behind a TLS proxy (nginx, docs/deploy.md): JIGSAW_HTTPS=1 trusts the proxy's
# X-Forwarded-Proto (so Django knows the request was https, and the Origin of a posted form
# matches), redirects plain http, sends HSTS for a year and marks the cookies secure. The demo
# serves plain http on 127.0.0.1 and leaves it off. (JIGSAW_SECURE_COOKIES=1 is the older name.)
HTTPS = os.environ.get("JIGSAW_HTTPS") == "1" or os.environ.get("JIGSAW_SECURE_COOKIES") == "1"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
if HTTPS:
    # Only safe because the proxy overwrites this header on every request (docs/deploy.md).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
# Health checks from the proxy or the load balancer come over plain http on loopback.
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("JIGSAW_CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin.strip()
]
# How many trusted proxies append the client's address to X-Forwarded-For (nginx: 1). Failed
# sign-ins are counted per username and client address; with 0 the connection's address is used.
JIGSAW_PROXY_HOPS = int(os.environ.get("JIGSAW_PROXY_HOPS", "0"))
# Where the single-use links to set a password are sent from (new users, resets; ADR 0009).
EMAIL_HOST = os.environ.get("JIGSAW_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("JIGSAW_EMAIL_PORT", "25"))
EMAIL_USE_TLS = os.environ.get("JIGSAW_EMAIL_TLS") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("JIGSAW_EMAIL_FROM", "jigsaw@localhost")
# Inbox notifications by e-mail (a link only, never child data): off unless turned on; the link
# points at JIGSAW_SITE_URL (jigsaw.web.referrals.notify, docs/deploy.md).
JIGSAW_NOTIFY_EMAIL = os.environ.get("JIGSAW_NOTIFY_EMAIL") == "1"
JIGSAW_SITE_URL = os.environ.get("JIGSAW_SITE_URL", "")
# Error reports (and Django's debug page, if DEBUG is ever on) never show the database URL, its
# password, keys or cookies: see jigsaw.web.error_reports.
DEFAULT_EXCEPTION_REPORTER_FILTER = "jigsaw.web.error_reports.SecretsHiddenFilter"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
# collectstatic is optional: whitenoise serves from the finders. Set JIGSAW_STATIC_ROOT to collect.
STATIC_ROOT = os.environ.get("JIGSAW_STATIC_ROOT") or None
STATICFILES_DIRS = [WEB_DIR / "static"]
# govuk-frontend's compiled CSS asks for /assets/fonts/... and /assets/images/...: serve its dist
# folder at the site root, from the local node_modules (no CDN; council networks are often closed).
WHITENOISE_ROOT = GOVUK_FRONTEND_DIR if GOVUK_FRONTEND_DIR.exists() else None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

"""Django settings for the Jigsaw web application.

Secure by default: DEBUG off, Argon2 first, TOTP for every user, sessions that expire after
inactivity, a strict content security policy. SQLite under ``out/web/`` unless
``JIGSAW_DATABASE_URL`` (or ``DATABASE_URL``) names a PostgreSQL database.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlsplit

WEB_DIR = Path(__file__).resolve().parent
# The checkout root when installed editable (src/jigsaw/web -> repo); node_modules and out/ live there.
PROJECT_DIR = Path(os.environ.get("JIGSAW_PROJECT_DIR", WEB_DIR.parents[2]))
VAR_DIR = Path(os.environ.get("JIGSAW_WEB_DIR", PROJECT_DIR / "out" / "web"))
NODE_MODULES = Path(os.environ.get("JIGSAW_NODE_MODULES", PROJECT_DIR / "node_modules"))
GOVUK_FRONTEND_DIR = NODE_MODULES / "govuk-frontend" / "dist" / "govuk"
# The national report's own folder (jigsaw demo builds the report into it); the only place /oversight/national/ serves from.
JIGSAW_NATIONAL_REPORT_DIR = Path(os.environ.get("JIGSAW_NATIONAL_REPORT_DIR", PROJECT_DIR / "out" / "national"))


def _secret_key() -> str:
    """Return the key from the environment, else one generated once and kept beside the database."""
    if os.environ.get("JIGSAW_SECRET_KEY"):
        return os.environ["JIGSAW_SECRET_KEY"]
    path = VAR_DIR / "secret-key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
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
    return path.read_text().strip()


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
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": unquote(parts.path)}
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
DATABASES = {
    "default": database_from_url(_url)
    if _url
    else {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "jigsaw.sqlite3"}
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
# Behind TLS in production set JIGSAW_SECURE_COOKIES=1; the demo serves plain http on 127.0.0.1.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = os.environ.get("JIGSAW_SECURE_COOKIES") == "1"
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

"""Development settings (the default, and the demo's): SQLite in var/, e-mail kept in the
outbox (the Outbox page, for central administrators), DEBUG off.

Every value that differs between machines is read from the environment, so the same
module serves the demo, the tests and (through ``production``) a real deployment.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parents[2]  # src/cdphub
BASE_DIR = PACKAGE_DIR.parents[1]  # repository root
VAR_DIR = Path(os.environ.get("CDPHUB_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


SECRET_KEY = os.environ.get(
    "SECRET_KEY", "django-insecure-development-only-key-never-used-in-production-0000"
)
# Off by default, so the demo shows cdphub's own 404 and 500 pages rather than Django's
# debugging pages (which list every URL pattern and settings). ``CDPHUB_DEBUG=1`` turns it on
# while developing. Static files are served either way (WhiteNoise, from the finders below).
DEBUG = env_bool("CDPHUB_DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

# Demo accounts exist only where this is on: ``cdphub demo`` refuses to run otherwise.
CDPHUB_DEMO_ENABLED = env_bool("CDPHUB_DEMO_ENABLED", True)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rules",
    "simple_history",
    "csp",
    "ninja",  # the API documentation's Swagger UI from local static files, not a CDN
    # Before django_tasks_db, so that its ``db_worker`` command (which also looks after loads
    # whose worker died) is the one ``cdphub db_worker`` runs.
    "cdphub.outcomes",
    "django_tasks",
    "django_tasks_db",
    "cdphub.core",
    "cdphub.geography",
    "cdphub.accounts",
    "cdphub.partnerships",
    "cdphub.planning",
    "cdphub.practice",
    "cdphub.reporting",
    "cdphub.oversight",
    "cdphub.public",
    "cdphub.api",
    "cdphub.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "cdphub.core.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Public pages (/public/) are the same for everyone: served from the cache before
    # sessions, sign-in and CSRF are looked at (cdphub.core.public_cache).
    "cdphub.core.public_cache.PublicPageCacheMiddleware",
    "cdphub.core.middleware.PrivateResponseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "cdphub.accounts.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "cdphub.config.urls"
WSGI_APPLICATION = "cdphub.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cdphub.core.context_processors.service",
            ],
            "builtins": ["cdphub.core.templatetags.govuk"],
        },
    }
]
# Our own renderer: every Django form renders as GOV.UK Design System markup.
FORM_RENDERER = "cdphub.core.forms.GovukFormRenderer"

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'cdphub.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets readers and the writer work at once; IMMEDIATE avoids "database is locked"
    # upgrades when two requests write at the same moment. A writer waits up to ``timeout``
    # seconds (SQLite's busy timeout) for another to finish, which covers the storing of a
    # large load by another worker; whatever still finds the database locked after that is
    # retried with backoff where it matters (``cdphub.core.db.retry_on_lock``).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": float(os.environ.get("CDPHUB_SQLITE_TIMEOUT", 20)),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3  # three hours

# Sign-in throttling (cdphub/accounts/throttle.py): after this many failed attempts for one
# email address within the window, further attempts for it are refused until it passes;
# after many more from one network address, that address may not try accounts that have
# not signed in from it within the "known address" age.
CDPHUB_SIGN_IN_MAX_FAILURES = 5
CDPHUB_SIGN_IN_MAX_FAILURES_PER_IP = 30
CDPHUB_SIGN_IN_WINDOW = timedelta(minutes=15)
CDPHUB_SIGN_IN_KNOWN_ADDRESS_AGE = timedelta(days=30)
# How many proxies (load balancers) stand in front of the web servers: the client's address
# is then read from X-Forwarded-For (cdphub/accounts/audit.py). 0: none; the header is
# never trusted. Production settings read it from the environment.
CDPHUB_TRUSTED_PROXIES = 0

OTP_TOTP_ISSUER = "cdphub"

SESSION_COOKIE_AGE = 60 * 60 * 8
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content security policy: nothing inline, nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Uploads: refuse large bodies outright; files above the memory limit stream to disk. Data
# files may be up to 100 MB (``cdphub.outcomes.forms``), so the body limit leaves room for the
# rest of the form.
CDPHUB_MAX_UPLOAD_BYTES = int(os.environ.get("CDPHUB_MAX_UPLOAD_BYTES", 101 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
# The largest file the evidence register takes (``cdphub.planning.files``); below the body limit
# above, so that the form sees a larger file and says so in words.
CDPHUB_EVIDENCE_MAX_BYTES = int(os.environ.get("CDPHUB_EVIDENCE_MAX_BYTES", 20 * 1024 * 1024))

# Background work (data loads): tasks are stored in the database and run by a worker,
# ``cdphub db_worker`` (started beside the web server by ./dev demo and ./dev serve).
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# A running load renews a lease (``DataLoad.heartbeat_at``) every sixth of this; a load whose
# lease has run out is one whose worker died. Workers look for such loads when they start
# and every sixth of the lease, and load them again from the start (storing is all or
# nothing, so a dead worker stored nothing) until a load has been tried this many times;
# then it is marked as stopped, with the reason, and can be withdrawn.
CDPHUB_LOAD_LEASE = timedelta(seconds=float(os.environ.get("CDPHUB_LOAD_LEASE_SECONDS", 180)))
CDPHUB_LOAD_ATTEMPTS = int(os.environ.get("CDPHUB_LOAD_ATTEMPTS", 2))
# A write that finds the database locked (SQLite) or fails to serialise (PostgreSQL) is
# tried this many times in all, waiting 0.5 s, 1 s, 2 s … (``CDPHUB_DB_RETRY_BACKOFF``) between.
CDPHUB_DB_RETRY_ATTEMPTS = int(os.environ.get("CDPHUB_DB_RETRY_ATTEMPTS", 6))
CDPHUB_DB_RETRY_BACKOFF = float(os.environ.get("CDPHUB_DB_RETRY_BACKOFF", 0.5))

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
STATICFILES_DIRS = [
    PACKAGE_DIR / "static",
    ("govuk", BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
# An upload over FILE_UPLOAD_MAX_MEMORY_SIZE streams to a file here while its request lasts.
# It is inside the media store (shared by every web server and worker) so that a file left
# by a request cut short is found and removed (``cdphub.outcomes.uploads``).
FILE_UPLOAD_TEMP_DIR = MEDIA_ROOT / "uploading"
FILE_UPLOAD_TEMP_DIR.mkdir(parents=True, exist_ok=True)

# In development and the demo, e-mail is kept in the database and read on the Outbox page
# (/account/outbox/, central administrators) instead of being sent: no mail server needed.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "cdphub.accounts.outbox.OutboxBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "cdphub <no-reply@cdphub.localhost>")
# The address of the site, for links in e-mail sent outside a request (the reminders of
# ``cdphub send_reminders``): scheme and host, no trailing slash.
CDPHUB_SITE_URL = os.environ.get("CDPHUB_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

CDPHUB_SERVICE_NAME = "Combating Drugs Partnerships"
# How long a public page (/public/) is cached whole, and how long browsers and proxies may
# keep it (cdphub.core.public_cache).
CDPHUB_PUBLIC_CACHE_SECONDS = int(os.environ.get("CDPHUB_PUBLIC_CACHE_SECONDS", 60))
CDPHUB_PHASE = "Beta"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CDPHUB_LOG_LEVEL", "WARNING")},
}

"""Production settings: everything secret or site-specific comes from the environment.

Required: ``SECRET_KEY``, ``DATABASE_URL`` (``postgres://…`` or ``sqlite:///…``),
``ALLOWED_HOSTS`` (comma-separated). Run ``cdphub check --deploy`` before going live.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_list


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ImproperlyConfigured(f"Set the {name} environment variable for production.")
    return value


SECRET_KEY = _required("SECRET_KEY")
_required("DATABASE_URL")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set ALLOWED_HOSTS (comma-separated host names) for production.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])


def _trusted_proxies() -> int:
    value = os.environ.get("CDPHUB_TRUSTED_PROXIES", "").strip() or "0"
    if not value.isdigit():
        raise ImproperlyConfigured(
            f"CDPHUB_TRUSTED_PROXIES is {value!r}: set it to the number of proxies (load "
            "balancers) in front of the web servers, a whole number such as 0 or 1.")
    return int(value)


CDPHUB_TRUSTED_PROXIES = _trusted_proxies()

DEBUG = False
CDPHUB_DEMO_ENABLED = False

SECURE_SSL_REDIRECT = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
# Links in e-mail sent outside a request: https:// and the first of ALLOWED_HOSTS unless set.
CDPHUB_SITE_URL = (os.environ.get("CDPHUB_SITE_URL") or f"https://{ALLOWED_HOSTS[0]}").rstrip("/")

LOGGING["root"]["level"] = os.environ.get("CDPHUB_LOG_LEVEL", "INFO")  # noqa: F405

"""Security headers, no inline script, request size limit, production settings, and the demo
refusing to run where it is disabled."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

import cdphub
from cdphub.accounts.models import AuditEvent
from tests.conftest import PASSWORD, sign_in

TEMPLATES_DIR = Path(cdphub.__file__).resolve().parent / "templates"
REPO_ROOT = Path(cdphub.__file__).resolve().parents[2]


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


# --- headers ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name, args", [
    ("core:home", []), ("accounts:sign-in", []), ("geography:area", ["E10000006"]),
])
def test_pages_send_a_strict_content_security_policy(client, name, args):
    response = client.get(reverse(name, args=args))

    assert response.status_code == 200
    assert "Content-Security-Policy" in response
    directives = csp_directives(response["Content-Security-Policy"])
    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


@pytest.mark.django_db
def test_pages_refuse_framing_and_sniffing(client):
    response = client.get(reverse("core:home"))

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_signed_in_pages_and_errors_carry_the_headers_too(client, world):
    sign_in(client, world.member_a)
    for response in (client.get(reverse("accounts:account")),
                     client.get(reverse("geography:area", args=["E99999999"]))):
        assert response["X-Frame-Options"] == "DENY"
        assert csp_directives(response["Content-Security-Policy"])["script-src"] == ["'self'"]


@pytest.mark.django_db
def test_session_and_csrf_cookies_are_http_only(client, world):
    client.get(reverse("accounts:sign-in"))
    response = client.post(reverse("accounts:sign-in"),
                           {"email": world.member_a.email, "password": PASSWORD})

    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["httponly"]
    assert session["samesite"] == "Lax"


# --- no inline script ---------------------------------------------------------------------


def all_templates() -> list[Path]:
    templates = sorted(TEMPLATES_DIR.rglob("*.html"))
    assert len(templates) > 10
    return templates


SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)


def test_no_template_has_an_inline_script():
    offenders = []
    scripts_seen = 0
    for path in all_templates():
        text = path.read_text(encoding="utf-8")
        opening = len(re.findall(r"<script\b", text, re.IGNORECASE))
        found = SCRIPT.findall(text)
        assert opening == len(found), f"unclosed <script> in {path}"
        for attrs, body in found:
            scripts_seen += 1
            if not re.search(r"\bsrc\s*=", attrs, re.IGNORECASE) or body.strip():
                offenders.append(f"{path.relative_to(TEMPLATES_DIR)}: <script{attrs}>")
    assert scripts_seen > 0, "the layout loads its scripts from files"
    assert offenders == []


def test_no_template_has_inline_event_handlers_or_javascript_urls():
    handler = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
    js_url = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)
    offenders = [
        str(path.relative_to(TEMPLATES_DIR)) for path in all_templates()
        if handler.search(path.read_text(encoding="utf-8"))
        or js_url.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.mark.django_db
def test_rendered_page_has_no_inline_script(client, world):
    sign_in(client, world.central_admin)
    for url in (reverse("core:home"), reverse("accounts:roles"), reverse("accounts:audit-log")):
        page = client.get(url).content.decode()
        for attrs, body in SCRIPT.findall(page):
            assert "src=" in attrs and not body.strip(), url


# --- request size -------------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(CDPHUB_MAX_UPLOAD_BYTES=1000)
def test_oversized_request_body_is_refused_with_413(client, world):
    response = client.post(reverse("accounts:sign-in"), data="x" * 5000,
                           content_type="application/octet-stream")

    assert response.status_code == 413
    assert not AuditEvent.objects.exists()  # the view never ran


@pytest.mark.django_db
@override_settings(CDPHUB_MAX_UPLOAD_BYTES=1000)
def test_oversized_form_post_is_refused_before_sign_in(client, world):
    response = client.post(reverse("accounts:sign-in"),
                           {"email": world.member_a.email, "password": PASSWORD,
                            "padding": "p" * 2000})

    assert response.status_code == 413
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@override_settings(CDPHUB_MAX_UPLOAD_BYTES=1000)
def test_request_within_the_limit_is_served(client, world):
    response = client.post(reverse("accounts:sign-in"),
                           {"email": world.member_a.email, "password": PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world.member_a.pk)


# --- production settings ------------------------------------------------------------------


def production_env(tmp_path, **overrides) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS",
                        "CDPHUB_DEBUG", "CDPHUB_DEMO_ENABLED", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update({
        "DJANGO_SETTINGS_MODULE": "cdphub.config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(60)[:60],
        "DATABASE_URL": f"sqlite:///{tmp_path / 'check.sqlite3'}",
        "ALLOWED_HOSTS": "cdphub.example.org",
    })
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def run_cli(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, "-m", "cdphub.cli", *args], env=env, cwd=REPO_ROOT,
        capture_output=True, text=True, timeout=120, check=False)


def test_production_settings_pass_the_deployment_checks(tmp_path):
    env = production_env(tmp_path)
    assert len(env["SECRET_KEY"]) == 60
    assert env["DATABASE_URL"].startswith("sqlite:////")

    result = run_cli(env, "check", "--deploy", "--fail-level", "WARNING")

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "no issues" in output
    assert "WARNINGS" not in output


def test_production_settings_need_a_secret_key(tmp_path):
    env = production_env(tmp_path, SECRET_KEY=None)
    assert "SECRET_KEY" not in env

    result = run_cli(env, "check")

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stdout + result.stderr


def test_production_settings_need_allowed_hosts(tmp_path):
    env = production_env(tmp_path, ALLOWED_HOSTS=None)

    result = run_cli(env, "check")

    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stdout + result.stderr


def test_production_settings_turn_debug_and_demo_off(tmp_path):
    env = production_env(tmp_path, CDPHUB_DEBUG="1", CDPHUB_DEMO_ENABLED="1")
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.DEBUG, s.CDPHUB_DEMO_ENABLED, s.SESSION_COOKIE_SECURE, "
            "s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT)")

    result = subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, "-c", code], env=env, cwd=REPO_ROOT,
        capture_output=True, text=True, timeout=120, check=False)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "True", "True", "True"]


# --- demo data refused where disabled -----------------------------------------------------


@override_settings(CDPHUB_DEMO_ENABLED=False)
def test_demo_command_refuses_when_demo_is_disabled():
    with pytest.raises(CommandError, match="disabled"):
        call_command("demo")


@override_settings(CDPHUB_DEMO_ENABLED=False)
def test_demo_totp_command_refuses_when_demo_is_disabled():
    with pytest.raises(CommandError):
        call_command("demo_totp")


@pytest.mark.django_db
@override_settings(CDPHUB_DEMO_ENABLED=False)
def test_build_demo_refuses_when_demo_is_disabled():
    from cdphub.accounts.models import User
    from cdphub.demo.build import build_demo

    with pytest.raises(RuntimeError):
        build_demo(step=lambda s: None)
    assert not User.objects.filter(is_demo=True).exists()


# --- the demo's settings: DEBUG off, static files still served, GOV.UK error pages ----------


def test_demo_settings_run_with_debug_off_and_still_serve_static_files(tmp_path):
    """``./dev demo`` serves cdphub.config.settings.base: a mistyped address must show
    cdphub's own 404 page, not Django's debugging page that lists every URL pattern, and the
    stylesheet must still be served (by WhiteNoise, without ``collectstatic``)."""
    env = {k: v for k, v in os.environ.items() if k not in {"CDPHUB_DEBUG", "DATABASE_URL"}}
    env.update({"DJANGO_SETTINGS_MODULE": "cdphub.config.settings.base",
                "CDPHUB_VAR_DIR": str(tmp_path)})
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "from django.test import Client; c = Client(); "
        "missing = c.get('/no-such-page/'); css = c.get('/static/build/cdphub.css'); "
        "body = missing.content.decode(); "
        "print(s.DEBUG, missing.status_code, 'Page not found' in body, "
        "'URLconf' in body or 'Using the URLconf' in body, css.status_code, "
        "css['Content-Type'].split(';')[0])"
    )

    result = subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, "-c", code], env=env, cwd=REPO_ROOT,
        capture_output=True, text=True, timeout=120, check=False)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "404", "True", "False", "200", "text/css"]


@pytest.mark.django_db
def test_a_server_error_shows_the_govuk_error_page(client, settings):
    from django.urls import path

    from cdphub.config import urls as real_urls

    def broken(request):
        raise RuntimeError("a fault")

    urls = type("Urls", (), {"urlpatterns": [path("broken/", broken), *real_urls.urlpatterns],
                             "handler500": "cdphub.core.views.error_500"})
    settings.ROOT_URLCONF = urls
    client.raise_request_exception = False

    response = client.get("/broken/")

    assert response.status_code == 500
    page = response.content.decode()
    assert "Sorry, there is a problem with the service" in page
    assert "govuk-service-navigation" in page and "a fault" not in page


def test_the_server_error_page_still_answers_when_pages_cannot_be_drawn(rf, monkeypatch):
    from cdphub.core import views

    def cannot_render(*args, **kwargs):
        raise RuntimeError("the database is down")

    monkeypatch.setattr(views, "render", cannot_render)

    response = views.error_500(rf.get("/"))

    assert response.status_code == 500
    assert b"Sorry, there is a problem with the service" in response.content

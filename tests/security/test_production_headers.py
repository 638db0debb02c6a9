"""What a browser and a scanner see from a production deployment: HTTPS only, the security headers on every
response (pages, API, errors), cookies that never travel in clear or to scripts, and no debug page ever.

The settings are the real ones: ``config.settings.production`` is imported in a subprocess with a production
environment (plus ``DJANGO_DEBUG=true``, which it must ignore) and its transport and header settings are applied to
this test process; static file storage stays the test one (production's needs ``collectstatic``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.factories.governance import UserFactory, governance_admin

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "p" * 40 + "-production-headers-test-only",
    "DJANGO_ALLOWED_HOSTS": "testserver",
    "DATABASE_URL": "postgres://modelgate@127.0.0.1:5432/modelgate",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "MODELGATE_TOKEN_PEPPER": "production-headers-test-pepper",
    "DJANGO_DEBUG": "true",  # a mistake in a deployment's environment: production must not honour it
}
SETTING_NAMES = (
    "DEBUG", "ALLOWED_HOSTS", "MIDDLEWARE", "SECURE_PROXY_SSL_HEADER", "SECURE_SSL_REDIRECT", "SECURE_REDIRECT_EXEMPT",
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY", "SECURE_CROSS_ORIGIN_OPENER_POLICY", "X_FRAME_OPTIONS", "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY",
    "CONTENT_SECURITY_POLICY",
)  # fmt: skip
LEAK_SIGNS = ("Traceback", "kaboom-internal-detail", "RuntimeError", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", str(ROOT))

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def production_values() -> dict:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_", "MODELGATE_"))
    }
    script = (
        "import json; from django.conf import settings;"  # Django's defaults for what production leaves unset
        f"print(json.dumps({{name: getattr(settings, name) for name in {SETTING_NAMES!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**clean, **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


@pytest.fixture
def production(settings, production_values) -> dict:
    for name, value in production_values.items():
        setattr(settings, name, value)
    return production_values


def https_client(**kwargs) -> Client:
    return Client(HTTP_X_FORWARDED_PROTO="https", **kwargs)  # as behind the TLS-terminating proxy


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_security_headers(response) -> None:
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    csp = csp_directives(response["Content-Security-Policy"])
    every_source = [source for sources in csp.values() for source in sources]
    assert "'unsafe-inline'" not in every_source and "'unsafe-eval'" not in every_source
    assert csp["default-src"] == ["'self'"] and csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]


def test_production_ignores_a_debug_switch_in_its_environment(production_values):
    assert production_values["DEBUG"] is False


def test_pages_and_the_api_carry_every_security_header(production):
    admin = governance_admin(username="gina")
    client = https_client()
    client.force_login(admin)

    for url in ("/accounts/login/", "/", "/catalog/", "/api/v1/teams/", "/api/docs/", "/api/schema/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_security_headers(response)


def test_plain_http_is_sent_to_https_except_the_health_probe(production):
    client = Client()

    response = client.get("/api/v1/teams/?page_size=5")

    assert response.status_code == 301
    assert response["Location"] == "https://testserver/api/v1/teams/?page_size=5"
    assert client.get("/healthz").status_code == 200


def test_cookies_are_secure_and_the_session_is_out_of_reach_of_scripts(production):
    UserFactory(username="rob", password="correct horse battery")
    client = https_client()

    login_page = client.get("/accounts/login/")
    csrf = login_page.cookies["csrftoken"]
    assert csrf["secure"] is True and csrf["samesite"] == "Lax"

    response = client.post("/accounts/login/", {"username": "rob", "password": "correct horse battery"})

    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] is True and session["httponly"] is True and session["samesite"] == "Lax"


@pytest.mark.parametrize(
    ("url", "broken"),
    [
        ("/api/v1/teams/", "governance.api.views.teams.team_list_for"),
        ("/", "governance.views.dashboard.request_list_for"),
    ],
    ids=["api", "page"],
)
def test_a_forced_error_shows_the_generic_page_and_nothing_inside(production, monkeypatch, url, broken):
    def explode(*args, **kwargs):
        raise RuntimeError("kaboom-internal-detail: password=hunter2")

    monkeypatch.setattr(broken, explode)
    client = https_client(raise_request_exception=False)
    client.force_login(governance_admin(username="gina"))

    response = client.get(url)

    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong on our side" in body
    assert [sign for sign in LEAK_SIGNS if sign in body] == []
    assert_security_headers(response)


def test_an_unknown_address_shows_no_url_map(production):
    client = https_client()

    response = client.get("/no/such/page/")

    assert response.status_code == 404
    body = response.content.decode()
    assert "URLconf" not in body and "config.urls" not in body and "api/v1/" not in body
    assert_security_headers(response)

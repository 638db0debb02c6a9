"""Single sign-on is off unless configured, and then it is offered on the sign-in page and authenticates users."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_without_oidc_settings_the_sign_in_page_offers_only_passwords(client):
    html = client.get("/accounts/login/").content.decode()
    assert "single sign-on" not in html
    assert 'name="password"' in html


def test_with_a_client_id_the_oidc_backend_comes_first():
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings.test",
        OIDC_RP_CLIENT_ID="modelgate",
        OIDC_RP_CLIENT_SECRET="s3cret",
        OIDC_OP_AUTHORIZATION_ENDPOINT="https://idp.example.com/authorize",
        OIDC_OP_TOKEN_ENDPOINT="https://idp.example.com/token",
        OIDC_OP_USER_ENDPOINT="https://idp.example.com/userinfo",
        OIDC_OP_JWKS_ENDPOINT="https://idp.example.com/jwks",
    )
    code = (
        "import django; django.setup(); from django.conf import settings; from django.urls import reverse;"
        "print(settings.AUTHENTICATION_BACKENDS[0]); print(reverse('oidc_authentication_init'))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    backend, url = result.stdout.split()
    assert backend == "mozilla_django_oidc.auth.OIDCAuthenticationBackend"
    assert url == "/oidc/authenticate/"

"""Bad credentials on every operation of the router: 401 with the Bearer challenge, never a 2xx, never a 403 or 404
that would tell a stranger something about the object or the token. The tokens belong to a governance admin and
carry the ``admin`` scope, so nothing but their validity can be what refuses them."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from governance.models import ApiToken
from governance.services.tokens import api_token_create, api_token_revoke
from tests.factories.governance import governance_admin
from tests.security.routes import api_operations
from tests.security.test_bola_matrix import ROUTES, url_of

OPERATIONS = sorted(api_operations())


@pytest.fixture(scope="module")
def bad_tokens(module_world, django_db_blocker) -> dict[str, str]:
    """Authorization header values that must never work."""
    gina = module_world.users["gina"]
    with django_db_blocker.unblock():
        revoked_row, revoked = api_token_create(actor=gina, name="revoked", scopes=["admin"])
        api_token_revoke(actor=gina, token=revoked_row)
        expired_row, expired = api_token_create(actor=gina, name="expired", scopes=["admin"])
        ApiToken.objects.filter(pk=expired_row.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
        ghost = governance_admin(username="ghost")
        _, of_inactive_user = api_token_create(actor=ghost, name="ghost", scopes=["admin"])
        ghost.is_active = False
        ghost.save(update_fields=["is_active"])
        _, valid = api_token_create(actor=gina, name="valid", scopes=["admin"])
    key, secret = valid.split(".")
    return {
        "revoked": f"Bearer {revoked}",
        "expired": f"Bearer {expired}",
        "user deactivated": f"Bearer {of_inactive_user}",
        "wrong secret": f"Bearer {key}.{secret[::-1]}",
        "unknown key id": f"Bearer mg_{'0' * 16}.{secret}",
        "malformed": "Bearer not-a-modelgate-token",
        "empty": "Bearer ",
    }


def body_and_url(world, route: str, method: str) -> tuple[str, str]:
    case = next(c for c in ROUTES[route] if c.method == method)
    return url_of(world, route, case), json.dumps(case.body(world)) if case.body else ""


@pytest.mark.parametrize(("route", "method"), OPERATIONS, ids=[f"{r[4:]}-{m}" for r, m in OPERATIONS])
def test_bad_credentials_are_refused_with_401(world, bad_tokens, route, method):
    url, body = body_and_url(world, route, method)
    client = world.new_client("anonymous")
    answers = {}
    for kind, header in bad_tokens.items():
        response = client.generic(method, url, body, content_type="application/json", HTTP_AUTHORIZATION=header)
        answers[kind] = response.status_code
        if response.status_code == 401:
            assert response["WWW-Authenticate"] == 'Bearer realm="modelgate"'
            assert response.json()["error"]["code"] == "authentication_failed"
    assert set(answers.values()) == {401}, answers


def test_no_credentials_at_all_is_a_401_challenge_everywhere(world):
    client = world.new_client("anonymous")
    answers = {}
    for route, method in OPERATIONS:
        url, body = body_and_url(world, route, method)
        response = client.generic(method, url, body, content_type="application/json")
        answers[(route, method)] = (response.status_code, response.get("WWW-Authenticate"))
    assert set(answers.values()) == {(401, 'Bearer realm="modelgate"')}


def test_a_token_revoked_through_the_api_is_refused_on_its_very_next_call(world):
    _, token = api_token_create(actor=world.users["gina"], name="short-lived", scopes=["admin"])
    holder = world.new_client("anonymous")
    holder.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert holder.get("/api/v1/teams/").status_code == 200
    pk = ApiToken.objects.get(key_id=token.split(".")[0].removeprefix("mg_")).pk

    assert world.client("admin").post(f"/api/v1/tokens/{pk}/revoke/").status_code == 200

    assert holder.get("/api/v1/teams/").status_code == 401
    assert holder.post("/api/v1/decisions/", {"team": "alpha-team", "model": "vision-3"}).status_code == 401

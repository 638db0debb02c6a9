"""API tokens and webhook subscriptions over the API: secrets shown once, never listed, revocable; creation
limited per person by an atomic count (429 with Retry-After)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from governance.api import throttling
from governance.models import ApiToken, WebhookSubscription

pytestmark = pytest.mark.django_db

TOKENS = "/api/v1/tokens/"
WEBHOOKS = "/api/v1/webhooks/"


def test_a_new_token_is_shown_once_works_and_is_never_listed(world):
    rob = world.client("member")
    response = rob.post(TOKENS, {"name": "laptop", "scopes": ["catalog:read", "requests:write"]}, format="json")

    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    token = response.json()["token"]
    assert token.startswith(response.json()["prefix"] + ".")
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert bearer.get("/api/v1/requests/").status_code == 200
    listed = rob.get(TOKENS).content.decode()
    assert token.split(".")[1] not in listed and '"token"' not in listed


def test_a_team_admin_issues_the_teams_service_token_and_a_member_cannot(world):
    tess, rob = world.client("member"), world.client("member")
    tess.force_login(world.tess)
    body = {"name": "ci", "scopes": ["decisions"], "team": "search"}

    issued = tess.post(TOKENS, body, format="json")
    refused = rob.post(TOKENS, body, format="json")

    assert issued.status_code == 201 and issued.json()["user"] == "svc-search"
    assert refused.status_code == 403


def test_a_person_may_not_give_a_token_more_than_they_may_do(world):
    response = world.client("member").post(TOKENS, {"name": "gw", "scopes": ["decisions"]}, format="json")

    assert response.status_code == 403
    assert not ApiToken.objects.filter(name="gw").exists()


def test_revoking_a_token_refuses_it_from_the_next_request(world):
    rob = world.client("member")
    created = rob.post(TOKENS, {"name": "laptop", "scopes": ["requests:write"]}, format="json").json()
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {created['token']}")

    revoked = rob.post(f"{TOKENS}{created['id']}/revoke/")

    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert bearer.get("/api/v1/requests/").status_code == 401
    assert rob.post(f"{TOKENS}{created['id']}/revoke/").status_code == 409


def test_token_creation_beyond_the_limit_is_429_with_retry_after_and_creates_nothing(world, monkeypatch):
    monkeypatch.setattr(throttling, "TOKEN_CREATE", ("token_create", (3, 3600)))
    rob = world.client("member")
    body = {"name": "t", "scopes": ["catalog:read"]}
    assert [rob.post(TOKENS, body, format="json").status_code for _ in range(3)] == [201, 201, 201]

    refused = rob.post(TOKENS, body, format="json")

    assert refused.status_code == 429
    assert 3500 < int(refused["Retry-After"]) <= 3600
    assert refused.json()["error"]["code"] == "throttled"
    assert refused.json()["error"]["details"]["wait_seconds"] == int(refused["Retry-After"])
    assert ApiToken.objects.filter(created_by=world.rob).count() == 3
    # The limit is per person: someone else is not held back by rob.
    assert world.client("other").post(TOKENS, body, format="json").status_code == 201


def test_tokens_older_than_the_window_no_longer_count(world, monkeypatch):
    monkeypatch.setattr(throttling, "TOKEN_CREATE", ("token_create", (2, 3600)))
    rob = world.client("member")
    body = {"name": "t", "scopes": ["catalog:read"]}
    for _ in range(2):
        rob.post(TOKENS, body, format="json")
    assert rob.post(TOKENS, body, format="json").status_code == 429

    ApiToken.objects.filter(created_by=world.rob).update(created_at=timezone.now() - dt.timedelta(hours=2))

    assert rob.post(TOKENS, body, format="json").status_code == 201


def test_a_webhook_secret_is_shown_once_and_signs_deliveries(world):
    admin = world.client("admin")
    created = admin.post(
        WEBHOOKS,
        {"team": "search", "url": "https://hooks.example.com/a", "events": ["request.approved"]},
        format="json",
    )

    assert created.status_code == 201 and created["Cache-Control"] == "no-store"
    secret = created.json()["secret"]
    assert WebhookSubscription.objects.get(pk=created.json()["id"]).secret == secret
    assert "secret" not in admin.get(f"{WEBHOOKS}{created.json()['id']}/").json()
    assert secret not in admin.get(WEBHOOKS).content.decode()


def test_a_webhook_must_use_https_and_known_events(world):
    admin = world.client("admin")
    plain = admin.post(WEBHOOKS, {"url": "http://hooks.example.com/a", "events": ["request.approved"]}, format="json")
    unknown = admin.post(WEBHOOKS, {"url": "https://hooks.example.com/a", "events": ["model.sold"]}, format="json")

    assert plain.status_code == 400 and "https" in plain.json()["error"]["message"]
    assert unknown.status_code == 400 and "events" in unknown.json()["error"]["details"]
    assert not WebhookSubscription.objects.filter(url__endswith="/a").exists()


def test_a_webhook_is_updated_and_deleting_it_deactivates_it(world):
    admin = world.client("admin")
    url = f"{WEBHOOKS}{world.webhook_a.pk}/"

    updated = admin.patch(
        url, {"events": ["entitlement.revoked"], "url": "https://hooks.example.com/new"}, format="json"
    )
    assert updated.json()["events"] == ["entitlement.revoked"] and updated.json()["url"].endswith("/new")
    assert admin.patch(url, {"secret": "mine"}, format="json").status_code == 400

    assert admin.delete(url).status_code == 204
    world.webhook_a.refresh_from_db()
    assert world.webhook_a.is_active is False
    assert admin.delete(url).status_code == 409

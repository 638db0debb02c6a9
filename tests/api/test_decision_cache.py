"""The decision hot path touches no database on a repeated question, and still learns every change in time.

How stale can an answer be? A committed change to anything a decision or a token depends on (entitlements, the
token row itself, the catalog, the policy) reaches every process through the decision version: a few
milliseconds, at most STALE_AFTER_SECONDS (0.6 s) if notifications are lost. Deactivating a user (not a versioned
table) reaches cached tokens within token_cache.MAX_AGE_SECONDS. These tests commit (transactional), as only
committed data is cached."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from governance.api import token_cache
from governance.services.teams import membership_remove
from governance.services.tokens import api_token_create
from tests.api.conftest import build_world

pytestmark = pytest.mark.django_db(transaction=True)
WITHIN = 1.0
QUESTION = {"team": "search", "model": "embed-2", "data_classification": "internal"}


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def wait_until(predicate, timeout: float) -> float | None:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.005)
    return None


def settled():
    """Wait until this process's listener knows the version the database has now (the world's commits included):
    a notification can take a moment on a loaded machine, and until it lands a cached answer is rightly not served."""
    from governance.decisions.cache import _read_version
    from governance.decisions.service import CACHE

    connection.ensure_connection()
    current = _read_version(connection.connection)
    assert wait_until(lambda: CACHE.listener.usable_version() == current, 5) is not None


@pytest.fixture
def world(listener):
    built = build_world()
    settled()
    return built


def test_a_repeated_question_costs_no_query_at_all(world):
    gateway = bearer(world.gateway_token)
    first = gateway.post("/api/v1/decisions/", QUESTION, format="json")
    assert first.json()["allow"] is True

    with CaptureQueriesContext(connection) as queries:
        again = gateway.post("/api/v1/decisions/", QUESTION, format="json")

    assert again.json() == first.json()
    assert [q["sql"] for q in queries.captured_queries] == []


def test_a_repeated_batch_costs_no_query_either(world):
    team_client = bearer(world.team_token)
    items = {"items": [{"model": "embed-2"}, {"model": "chat-1"}, {"model": "embed-2", "region": "eu"}]}
    first = team_client.post("/api/v1/decisions/batch/", items, format="json")

    with CaptureQueriesContext(connection) as queries:
        again = team_client.post("/api/v1/decisions/batch/", items, format="json")

    assert [r["allow"] for r in again.json()["results"]] == [r["allow"] for r in first.json()["results"]]
    assert len(queries) == 0


def test_revoking_the_entitlement_through_the_api_denies_within_a_second(world):
    gateway, admin = bearer(world.gateway_token), APIClient()
    admin.force_login(world.gina)
    assert gateway.post("/api/v1/decisions/", QUESTION, format="json").json()["allow"] is True

    revoked = admin.post(f"/api/v1/entitlements/{world.entitlement_a.pk}/revoke/", {"reason": "Audit."}, format="json")
    assert revoked.status_code == 200

    denied = lambda: gateway.post("/api/v1/decisions/", QUESTION, format="json").json()["allow"] is False  # noqa: E731
    assert wait_until(denied, WITHIN) is not None


def test_a_revoked_token_is_refused_within_a_second_though_it_was_cached(world):
    gateway = bearer(world.gateway_token)
    assert gateway.post("/api/v1/decisions/", QUESTION, format="json").status_code == 200
    admin = APIClient()
    admin.force_login(world.gina)
    token_id = admin.get("/api/v1/tokens/").json()["results"]
    token_id = next(t["id"] for t in token_id if t["name"] == "gateway")

    assert admin.post(f"/api/v1/tokens/{token_id}/revoke/").status_code == 200

    refused = lambda: gateway.post("/api/v1/decisions/", QUESTION, format="json").status_code == 401  # noqa: E731
    assert wait_until(refused, WITHIN) is not None


def test_a_cached_token_does_not_carry_its_owners_roles_from_one_request_to_the_next(world):
    _, token = api_token_create(actor=world.rob, name="rob-cli", scopes=["requests:write"])
    rob = bearer(token)
    assert len(rob.get("/api/v1/requests/").json()["results"]) == 2  # the token is cached from here on
    with CaptureQueriesContext(connection) as queries:
        assert len(rob.get("/api/v1/requests/").json()["results"]) == 2
    assert not any("governance_apitoken" in q["sql"] for q in queries.captured_queries)

    membership_remove(actor=world.tess, team=world.team_a, user=world.rob)

    assert rob.get("/api/v1/requests/").json()["results"] == []


def test_a_deactivated_owner_is_refused_once_the_cached_token_ages_out(world, monkeypatch):
    monkeypatch.setattr(token_cache, "MAX_AGE_SECONDS", 0.2)
    _, token = api_token_create(actor=world.rob, name="rob-cli", scopes=["requests:write"])
    rob = bearer(token)
    assert rob.get("/api/v1/requests/").status_code == 200

    world.rob.is_active = False
    world.rob.save(update_fields=["is_active"])

    refused = lambda: rob.get("/api/v1/requests/").status_code == 401  # noqa: E731
    assert wait_until(refused, 0.2 + WITHIN) is not None

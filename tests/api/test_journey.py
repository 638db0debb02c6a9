"""The whole journey over HTTP, every step with an API token, committing for real: find a model, read its card,
request it, get it approved, the gateway is allowed, an admin revokes, and the gateway is denied within a second.

Stale at most: the decision endpoint answers from a per-process cache invalidated by the decision version (a
PostgreSQL notification on commit). The revoke below must reach the answer in under WITHIN seconds; in practice it
takes a few milliseconds."""

from __future__ import annotations

import time

import pytest
from rest_framework.test import APIClient

from governance.choices import RiskTier
from tests.api.conftest import catalog_model
from tests.factories.governance import TeamFactory, UseCaseFactory, governance_admin, member, reviewer

pytestmark = pytest.mark.django_db(transaction=True)
WITHIN = 1.0


def token_client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def issue_token(user, **body) -> APIClient:
    """The person signs in to the portal once and issues a token; everything after uses the token."""
    session = APIClient()
    session.force_login(user)
    response = session.post("/api/v1/tokens/", body, format="json")
    assert response.status_code == 201, response.json()
    return token_client(response.json()["token"])


def wait_until(predicate, timeout: float) -> float | None:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.005)
    return None


def test_request_approve_decide_revoke_deny(listener):
    catalog_model("acme/chat-1")
    team = TeamFactory(slug="search", name="Search")
    UseCaseFactory(team=team, slug="ticket-summaries", risk_tier=RiskTier.LIMITED)
    rob = issue_token(member(team, username="rob"), name="rob-cli", scopes=["catalog:read", "requests:write"])
    rita = issue_token(reviewer("security", username="rita"), name="rita-cli", scopes=["reviews:write"])
    gina = governance_admin(username="gina")
    gateway = issue_token(gina, name="gateway", scopes=["decisions"])
    admin = issue_token(gina, name="gina-admin", scopes=["admin"])

    # Rob finds the model and reads its card.
    found = rob.get("/api/v1/models/", {"search": "chat"}).json()["results"]
    assert [m["slug"] for m in found] == ["acme/chat-1"]
    card = rob.get("/api/v1/models/acme/chat-1/").json()
    assert {o["external_id"] for o in card["offerings"]} == {"acme/chat-1", "azure/chat-1"}

    # He requests it for his team and submits: the default policy wants a security review.
    created = rob.post(
        "/api/v1/requests/",
        {
            "team": "search",
            "model": "acme/chat-1",
            "use_case": "ticket-summaries",
            "data_classification": "internal",
            "justification": "Summarise support tickets.",
        },
        format="json",
    )
    assert created.status_code == 201
    request_url = f"/api/v1/requests/{created.json()['id']}/"
    submitted = rob.post(request_url + "submit/", HTTP_IF_MATCH=created["ETag"])
    assert submitted.json()["status"] == "in_review"

    # Rita finds it in her inbox and approves it.
    inbox = rita.get("/api/v1/reviews/").json()["results"]
    assert [r["request"]["id"] for r in inbox] == [created.json()["id"]]
    approved = rita.post(request_url + "approve/", {"comment": "Internal data only."}, format="json")
    assert approved.json()["status"] == "approved"

    # The gateway asks on every call: allowed, and asked again it is answered from the cache.
    question = {"team": "search", "model": "chat-1", "data_classification": "internal"}
    assert gateway.post("/api/v1/decisions/", question, format="json").json()["allow"] is True
    assert gateway.post("/api/v1/decisions/", question, format="json").json()["allow"] is True

    # A governance admin revokes; from then on the gateway is denied, within a second.
    revoked = admin.post(request_url + "revoke/", {"reason": "Vendor contract ended."}, format="json")
    assert revoked.json()["status"] == "revoked"
    elapsed = wait_until(
        lambda: gateway.post("/api/v1/decisions/", question, format="json").json()["allow"] is False, WITHIN
    )
    assert elapsed is not None, f"still allowed {WITHIN}s after the revoke"
    denial = gateway.post("/api/v1/decisions/", question, format="json").json()
    assert "revoked" in denial["reasons"][0] and "Vendor contract ended." in denial["reasons"][0]

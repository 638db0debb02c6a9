"""The world every API test starts from: two teams, people in every role, API tokens, requests in several states.

Team ``search`` (A) is "ours", team ``billing`` (B) is "foreign". Callers:

    anonymous    no credentials
    member       rob, member of A (the requester of A's requests)
    other        olga, member of B only
    reviewer     rita, security reviewer, in no team
    auditor      audrey, reads everything
    admin        gina, governance admin, in no team
    gateway      a token of gina's with scope ``decisions`` only (an LLM gateway)
    team_token   A's service-account token (catalog:read, requests:write, decisions)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from catalog.choices import Channel, LicenseCategory
from governance.api.token_cache import TOKENS
from governance.choices import RiskTier, TeamRole
from governance.decisions import cache as decision_cache
from governance.decisions import decision_listener_ready, decision_listener_stop
from governance.models import ApprovalRequest, Entitlement, Team, UseCase, WebhookSubscription
from governance.policy import policy_active
from governance.services.requests import request_create, request_submit
from governance.services.tokens import api_token_create
from tests.factories.catalog import AIModelFactory, LicenseFactory, ModelAliasFactory, OfferingFactory
from tests.factories.governance import (
    EntitlementFactory,
    TeamFactory,
    UseCaseFactory,
    WebhookSubscriptionFactory,
    auditor,
    governance_admin,
    member,
    reviewer,
)

CALLERS = ("anonymous", "member", "other", "reviewer", "auditor", "admin", "gateway", "team_token")


def catalog_model(slug: str, *, azure: bool = True, **fields):
    """A GA model with a permissive licence, a vendor offering, an Azure offering and an alias."""
    model = AIModelFactory(slug=slug, license=LicenseFactory(category=LicenseCategory.PERMISSIVE), **fields)
    name = slug.split("/")[1]
    OfferingFactory(model=model, channel=Channel.VENDOR_API, external_id=slug, regions=["eu", "us"])
    if azure:
        OfferingFactory(model=model, channel=Channel.AZURE, external_id=f"azure/{name}", regions=["eu"])
    ModelAliasFactory(model=model, name=name)
    return model


@dataclass
class World:
    model: object
    other_model: object
    team_a: Team
    team_b: Team
    use_case_a: UseCase
    unused_use_case_a: UseCase
    use_case_b: UseCase
    rob: object
    tess: object
    olga: object
    rita: object
    audrey: object
    gina: object
    in_review: ApprovalRequest
    draft: ApprovalRequest
    draft_b: ApprovalRequest
    entitlement_a: Entitlement
    entitlement_b: Entitlement
    webhook_a: WebhookSubscription
    webhook_b: WebhookSubscription
    gateway_token: str
    team_token: str

    def client(self, caller: str) -> APIClient:
        client = APIClient()
        if caller == "gateway":
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {self.gateway_token}")
        elif caller == "team_token":
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {self.team_token}")
        elif caller != "anonymous":
            client.force_login(self.user(caller))
        return client

    def user(self, caller: str):
        return {
            "member": self.rob,
            "other": self.olga,
            "reviewer": self.rita,
            "auditor": self.audrey,
            "admin": self.gina,
        }[caller]


def build_world() -> World:
    policy_active()  # version 1: the shipped default rules
    model = catalog_model("acme/chat-1")
    other_model = catalog_model("acme/embed-2")
    team_a = TeamFactory(slug="search", name="Search")
    team_b = TeamFactory(slug="billing", name="Billing")
    rob = member(team_a, username="rob")
    tess = member(team_a, username="tess", role=TeamRole.ADMIN)
    olga = member(team_b, username="olga")
    rita = reviewer("security", username="rita")
    audrey = auditor(username="audrey")
    gina = governance_admin(username="gina")
    # Limited risk: the default policy sends it to a security review.
    use_case_a = UseCaseFactory(team=team_a, slug="ticket-summaries", risk_tier=RiskTier.LIMITED)
    unused_use_case_a = UseCaseFactory(team=team_a, slug="unused", risk_tier=RiskTier.MINIMAL)
    use_case_b = UseCaseFactory(team=team_b, slug="invoices", risk_tier=RiskTier.LIMITED)
    in_review = request_submit(request=draft_request(rob, team_a, model, use_case_a), actor=rob)
    draft = draft_request(rob, team_a, other_model, use_case_a, region="eu")
    draft_b = draft_request(olga, team_b, model, use_case_b)
    entitlement_a = EntitlementFactory(team=team_a, model=other_model, use_case=use_case_a)
    entitlement_b = EntitlementFactory(team=team_b, model=other_model, use_case=use_case_b)
    _, gateway_token = api_token_create(actor=gina, name="gateway", scopes=["decisions"])
    _, team_token = api_token_create(
        actor=tess, name="search-ci", scopes=["catalog:read", "requests:write", "decisions"], team=team_a
    )
    return World(
        model=model,
        other_model=other_model,
        team_a=team_a,
        team_b=team_b,
        use_case_a=use_case_a,
        unused_use_case_a=unused_use_case_a,
        use_case_b=use_case_b,
        rob=rob,
        tess=tess,
        olga=olga,
        rita=rita,
        audrey=audrey,
        gina=gina,
        in_review=in_review,
        draft=draft,
        draft_b=draft_b,
        entitlement_a=entitlement_a,
        entitlement_b=entitlement_b,
        webhook_a=WebhookSubscriptionFactory(team=team_a),
        webhook_b=WebhookSubscriptionFactory(team=team_b),
        gateway_token=gateway_token,
        team_token=team_token,
    )


def draft_request(requester, team, model, use_case, **fields) -> ApprovalRequest:
    return request_create(
        actor=requester,
        team=team,
        model=model,
        use_case=use_case,
        data_classification=fields.pop("data_classification", "internal"),
        justification="Summarise support tickets for the weekly report.",
        **fields,
    )


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """One world for a whole module of read-mostly tests, rolled back at its end. Each test still runs in its own
    transaction (a savepoint inside this one), so what a test changes is undone before the next."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


def in_a_year() -> str:
    return (timezone.now() + dt.timedelta(days=365)).isoformat()


@pytest.fixture(autouse=True)
def _fresh_caches():
    """No test sees another's cached tokens or decisions, and no listener thread outlives its test (the test
    database is dropped at the end of the session; PostgreSQL refuses while a connection is open)."""
    TOKENS.clear()
    decision_listener_stop()
    yield
    decision_listener_stop()
    TOKENS.clear()


@pytest.fixture
def listener(monkeypatch):
    """Run the decision-version listener (off by default under the test settings) for a transactional test."""
    monkeypatch.setattr(decision_cache, "listener_enabled", lambda: True)
    assert decision_listener_ready(timeout=5)

"""The seeded world the query budgets are counted on: a few of everything, each with its relations set, so a
query per row (an N+1) costs more queries than the budget allows.

Three catalog models (two offerings with current prices each, an alias, a benchmark result, a provenance claim, a
field observation, a change event, lineage onto the first), three publishers, sync runs; two teams with use cases,
requests submitted through the services (so audit events and reviews are real), entitlements, webhooks, tokens and
policy versions. Callers: a governance admin, an auditor, a security reviewer and a requester.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.test import Client

from catalog.choices import Channel, LicenseCategory, SourceTier
from governance.choices import StageDecision
from governance.policy.services import default_rules_yaml, policy_active, policy_version_create
from governance.services.requests import request_comment_add, request_create, request_submit
from governance.services.reviews import review_approve
from governance.services.tokens import api_token_create
from tests.factories.catalog import (
    AIModelFactory,
    BenchmarkFactory,
    BenchmarkResultFactory,
    ChangeEventFactory,
    FieldObservationFactory,
    LicenseFactory,
    LineageEdgeFactory,
    ModelAliasFactory,
    OfferingFactory,
    OrganizationFactory,
    PriceFactory,
    ProvenanceClaimFactory,
    SourceFactory,
    SyncRunFactory,
)
from tests.factories.governance import (
    SEEDED_STAGES,
    EntitlementFactory,
    TeamFactory,
    UseCaseFactory,
    WebhookSubscriptionFactory,
    auditor,
    governance_admin,
    member,
    reviewer,
    stage,
)

ROWS = 3


@dataclass
class PerfWorld:
    users: dict
    models: list = field(default_factory=list)
    teams: list = field(default_factory=list)
    use_cases: list = field(default_factory=list)
    requests: list = field(default_factory=list)
    draft: object = None
    approved: object = None
    entitlements: list = field(default_factory=list)
    webhooks: list = field(default_factory=list)
    sync_runs: list = field(default_factory=list)
    benchmark: object = None
    policy_version: int = 1

    def client(self, caller: str) -> Client:
        client = Client()
        client.force_login(self.users[caller])
        return client


def catalog_model(index: int, source, licence, benchmark):
    publisher = OrganizationFactory(slug=f"lab-{index}", name=f"Lab {index}")
    model = AIModelFactory(slug=f"lab-{index}/chat-{index}", publisher=publisher, license=licence, family="chat")
    ModelAliasFactory(model=model, name=f"chat-{index}", source=source)
    for channel in (Channel.VENDOR_API, Channel.AZURE):
        offering = OfferingFactory(
            model=model, provider=publisher, channel=channel, source=source, external_id=f"{channel}/chat-{index}",
            regions=["eu", "us"],
        )  # fmt: skip
        PriceFactory(offering=offering, unit="input_token", usd=Decimal("2.50") + index)
        PriceFactory(offering=offering, unit="output_token", usd=Decimal("10.00") + index)
    BenchmarkResultFactory(model=model, benchmark=benchmark, score=Decimal("70") + index,
                           source_tier=SourceTier.INDEPENDENT)  # fmt: skip
    BenchmarkResultFactory(model=model, benchmark=BenchmarkFactory(slug=f"bench-{index}"), score=Decimal("50"))
    ProvenanceClaimFactory(model=model)
    FieldObservationFactory(model=model, source=source)
    ChangeEventFactory(model=model)
    return model


def build_world(rows: int = ROWS) -> PerfWorld:
    for slug in SEEDED_STAGES:
        stage(slug)
    policy_active()
    admin = governance_admin(username="gina")
    world = PerfWorld(users={"admin": admin, "auditor": auditor(username="audrey"),
                             "reviewer": reviewer("security", username="rita")})  # fmt: skip
    source = SourceFactory(slug="perf-source")
    licence = LicenseFactory(key="perf-licence", category=LicenseCategory.PERMISSIVE)
    world.benchmark = BenchmarkFactory(slug="mmlu-pro", name="MMLU-Pro")
    for index in range(rows):
        world.models.append(catalog_model(index, source, licence, world.benchmark))
        world.sync_runs.append(SyncRunFactory(source=source))
    for model in world.models[1:]:
        LineageEdgeFactory(model=model, base_model=world.models[0])
    world.teams = [TeamFactory(slug="search", name="Search"), TeamFactory(slug="billing", name="Billing")]
    rob = member(world.teams[0], username="rob")
    member(world.teams[1], username="olga")
    world.users["member"] = rob
    for index, model in enumerate(world.models):
        use_case = UseCaseFactory(team=world.teams[0], slug=f"use-{index}", risk_tier="limited")
        UseCaseFactory(team=world.teams[1], slug=f"use-{index}")
        world.use_cases.append(use_case)
        draft = request_create(
            actor=rob, team=world.teams[0], model=model, use_case=use_case, data_classification="internal",
            justification="Summaries for the weekly report.",
        )  # fmt: skip
        world.requests.append(request_submit(request=draft, actor=rob))
        request_comment_add(request=world.requests[-1], actor=rob, body=f"Comment {index}")
        world.entitlements.append(EntitlementFactory(team=world.teams[index % 2], model=model, revoked_by=None))
        world.webhooks.append(WebhookSubscriptionFactory(team=world.teams[0], created_by=admin))
        api_token_create(actor=admin, name=f"bot-{index}", scopes=["catalog:read"])
        world.policy_version = policy_version_create(
            rules_yaml=default_rules_yaml() + f"\n# revision {index}\n", note=f"r{index}", actor=admin
        ).version
    world.approved = approve(world.requests[1])  # team 0 holds no entitlement for model 1 yet
    world.draft = request_create(actor=rob, team=world.teams[0], model=world.models[0], use_case=world.use_cases[0],
                                 data_classification="public", justification="A draft to edit.")  # fmt: skip
    return world


def approve(approval):
    """Every pending stage approves, by a reviewer of that stage: the request is approved and its packet frozen."""
    for review in approval.reviews.filter(decision=StageDecision.PENDING).select_related("stage"):
        review_approve(review=review, actor=reviewer(review.stage.slug), comment="Approved.")
    approval.refresh_from_db()
    return approval


@pytest.fixture
def world(db) -> PerfWorld:
    return build_world()

"""Shared world for governance tests: a catalog model worth requesting, a team, people in every role."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.choices import Channel, LicenseCategory, SourceTier
from catalog.models import AIModel, Benchmark, BenchmarkResult, License, Offering, Organization, Price, Source
from core.models import AuditEvent
from governance.choices import RiskTier, TeamRole
from tests.factories.governance import (
    SEEDED_STAGES,
    TeamFactory,
    UseCaseFactory,
    governance_admin,
    member,
    reviewer,
    stage,
)


@pytest.fixture(autouse=True)
def seeded_review_stages(request):
    """The stages the data migration seeds. A transactional test's flush empties every table, seeds included, so
    tests that run after one would otherwise find no stage for the policy to route to."""
    uses_db = {"db", "transactional_db"} & set(request.fixturenames)
    if request.node.get_closest_marker("django_db") is None and not uses_db:
        return
    for slug in SEEDED_STAGES:
        stage(slug)


def make_model(slug: str = "acme/chat-1", *, license_category=LicenseCategory.PERMISSIVE, **fields) -> AIModel:
    """A GA model with one vendor offering priced per 1M tokens and one independent benchmark result."""
    publisher, _ = Organization.objects.get_or_create(
        slug=slug.split("/")[0],
        defaults={"name": slug.split("/")[0].title(), "is_publisher": True, "is_provider": True},
    )
    license_, _ = License.objects.get_or_create(
        key=f"licence-{license_category}",
        defaults={"name": f"A {license_category} licence", "category": license_category},
    )
    model = AIModel.objects.create(
        slug=slug, display_name=slug.split("/")[1], publisher=publisher, license=license_, **fields
    )
    source, _ = Source.objects.get_or_create(slug="test-source", defaults={"name": "Test", "connector": "test"})
    offering = Offering.objects.create(
        model=model, provider=publisher, channel=Channel.VENDOR_API, source=source, external_id=slug, regions=["eu"]
    )
    now = timezone.now() - dt.timedelta(days=30)
    for unit, usd in (("input_token", Decimal("2.50")), ("output_token", Decimal("10.00"))):
        Price.objects.create(offering=offering, unit=unit, usd=usd, effective_from=now, source=source)
    benchmark, _ = Benchmark.objects.get_or_create(slug="mmlu-pro", defaults={"name": "MMLU-Pro"})
    BenchmarkResult.objects.create(
        model=model,
        benchmark=benchmark,
        score=Decimal("71.2"),
        source_tier=SourceTier.INDEPENDENT,
        source_name="Independent leaderboard",
        source_url="https://leaderboard.example.org/mmlu-pro",
    )
    return model


@pytest.fixture
def model(db):
    return make_model()


@pytest.fixture
def team(db):
    return TeamFactory(slug="search-platform", name="Search Platform")


@pytest.fixture
def requester(team):
    return member(team, username="rob")


@pytest.fixture
def team_admin(team):
    return member(team, username="tess", role=TeamRole.ADMIN)


@pytest.fixture
def security_reviewer(db):
    return reviewer("security", username="rita")


@pytest.fixture
def legal_reviewer(db):
    return reviewer("legal", username="leo")


@pytest.fixture
def gov_admin(db):
    return governance_admin(username="gina")


@pytest.fixture
def review_use_case(team):
    """Limited risk: no rule decides, so the default policy sends it to a security review."""
    return UseCaseFactory(team=team, slug="ticket-summaries", risk_tier=RiskTier.LIMITED)


@pytest.fixture
def high_risk_use_case(team):
    return UseCaseFactory(team=team, slug="credit-scoring", risk_tier=RiskTier.HIGH)


@pytest.fixture
def minimal_use_case(team):
    return UseCaseFactory(team=team, slug="docs-search", risk_tier=RiskTier.MINIMAL)


@pytest.fixture
def prohibited_use_case(team):
    return UseCaseFactory(team=team, slug="social-scoring", risk_tier=RiskTier.PROHIBITED)


def audit_actions(**filters) -> list[str]:
    """The audit trail's actions, oldest first; the policy's own first-use event (version 1 loaded) left out."""
    events = AuditEvent.objects.filter(**filters).exclude(action__startswith="policy_version.")
    return list(events.order_by("id").values_list("action", flat=True))

"""Shared world for governance tests: a catalog model worth requesting, a team, people in every role."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog.choices import LicenseCategory, SourceTier
from catalog.models import AIModel
from core.models import AuditEvent
from governance.choices import RiskTier, TeamRole
from tests.factories.catalog import (
    AIModelFactory,
    BenchmarkFactory,
    BenchmarkResultFactory,
    LicenseFactory,
    OfferingFactory,
    OrganizationFactory,
    PriceFactory,
    SourceFactory,
)
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
    """A GA model with one EU vendor offering priced per 1M tokens and one independent benchmark result."""
    publisher = OrganizationFactory(slug=slug.split("/")[0])
    license_ = LicenseFactory(key=f"licence-{license_category}", name=f"A {license_category} licence",
                              category=license_category)  # fmt: skip
    # No family unless asked: the radar suggests same-family models, and tests choose their own.
    fields.setdefault("family", "")
    model = AIModelFactory(slug=slug, display_name=slug.split("/")[1], publisher=publisher, license=license_, **fields)
    offering = OfferingFactory(model=model, provider=publisher, external_id=slug, regions=["eu"],
                               source=SourceFactory(slug="test-source"))  # fmt: skip
    PriceFactory(offering=offering, unit="input_token", usd=Decimal("2.50"))
    PriceFactory(offering=offering, unit="output_token", usd=Decimal("10.00"))
    BenchmarkResultFactory(
        model=model,
        benchmark=BenchmarkFactory(slug="mmlu-pro", name="MMLU-Pro"),
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

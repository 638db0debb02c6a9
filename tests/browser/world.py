"""The organisation the browser journeys run in: a small catalog with real-looking models, two teams, a requester,
a security reviewer and a member of another team. Built with the factories (no audit events), so the journeys
themselves are what the audit trail records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from catalog.choices import ChangeKind, ChangeSignal, Channel, LicenseCategory, SourceTier
from catalog.models import AIModel
from governance.choices import RiskTier, TeamRole
from governance.models import Team
from tests.factories.catalog import (
    AIModelFactory,
    BenchmarkFactory,
    BenchmarkResultFactory,
    ChangeEventFactory,
    LicenseFactory,
    OfferingFactory,
    OrganizationFactory,
    PriceFactory,
    SourceFactory,
)
from tests.factories.governance import EntitlementFactory, TeamFactory, UseCaseFactory, member, reviewer

PASSWORD = "pw"  # the factories' password

# slug, name, family, input and output USD per 1M tokens, licence category, open weights, MMLU-Pro
MODELS = [
    ("anthropic/claude-sonnet-4", "Claude Sonnet 4", "claude", "3.00", "15.00", LicenseCategory.COMMERCIAL, False, 79),
    ("anthropic/claude-haiku-3-5", "Claude Haiku 3.5", "claude", "0.80", "4.00", LicenseCategory.COMMERCIAL, False, 65),
    ("openai/gpt-4o", "GPT-4o", "gpt-4o", "2.50", "10.00", LicenseCategory.COMMERCIAL, False, 75),
    ("openai/gpt-4o-mini", "GPT-4o mini", "gpt-4o", "0.15", "0.60", LicenseCategory.COMMERCIAL, False, 63),
    ("mistralai/mistral-large", "Mistral Large", "mistral", "2.00", "6.00", LicenseCategory.COMMERCIAL, False, 70),
    (
        "meta-llama/llama-3-1-70b-instruct",
        "Llama 3.1 70B Instruct",
        "llama-3.1",
        "0.60",
        "0.80",
        LicenseCategory.PROPRIETARY_FREE,
        True,
        66,
    ),
    (
        "qwen/qwen-2-5-72b-instruct",
        "Qwen2.5 72B Instruct",
        "qwen-2.5",
        "0.35",
        "0.40",
        LicenseCategory.PERMISSIVE,
        True,
        71,
    ),
]


@dataclass
class World:
    team: Team
    other_team: Team
    requester: object
    reviewer: object
    outsider: object
    requested: AIModel


def _catalog() -> dict[str, AIModel]:
    source = SourceFactory(slug="models-dev", name="models.dev")
    benchmark = BenchmarkFactory(slug="mmlu-pro", name="MMLU-Pro")
    month_ago = timezone.now() - dt.timedelta(days=30)
    models = {}
    for slug, name, family, price_in, price_out, licence, open_weights, score in MODELS:
        publisher = OrganizationFactory(slug=slug.split("/")[0], name=slug.split("/")[0].replace("-", " ").title())
        licence_row = LicenseFactory(key=f"{licence}-licence", name=f"{licence.label} licence", category=licence)
        model = AIModelFactory(
            slug=slug,
            display_name=name,
            family=family,
            publisher=publisher,
            license=licence_row,
            open_weights=open_weights,
            release_date=dt.date(2025, 3, 1),
            description=f"{name}: a general chat and reasoning model by {publisher.name}.",
        )
        offering = OfferingFactory(
            model=model,
            provider=publisher,
            source=source,
            channel=Channel.VENDOR_API,
            external_id=slug,
            regions=["eu", "us"],
        )
        for unit, usd in (("input_token", price_in), ("output_token", price_out)):
            PriceFactory(offering=offering, unit=unit, usd=Decimal(usd), effective_from=month_ago, source=source)
        BenchmarkResultFactory(
            model=model,
            benchmark=benchmark,
            score=Decimal(score),
            source_tier=SourceTier.INDEPENDENT,
            source_name="Independent leaderboard",
        )
        models[slug] = model
    return models


def build_world() -> World:
    models = _catalog()
    retiring = models["openai/gpt-4o"]
    retiring.retirement_date = timezone.localdate() + dt.timedelta(days=40)
    retiring.successor = models["openai/gpt-4o-mini"]
    retiring.save(update_fields=["retirement_date", "successor"])
    team = TeamFactory(slug="search-platform", name="Search Platform", business_unit="Product")
    other_team = TeamFactory(slug="payments", name="Payments", business_unit="Finance")
    requester = member(team, username="rob.requester", first_name="Rob", last_name="Requester")
    member(team, username="tess.admin", role=TeamRole.ADMIN)
    UseCaseFactory(team=team, slug="ticket-summaries", name="Ticket summaries", risk_tier=RiskTier.LIMITED)
    UseCaseFactory(team=team, slug="docs-search", name="Docs search", risk_tier=RiskTier.MINIMAL)
    EntitlementFactory(team=team, model=retiring, allowed_regions=["eu"])
    ChangeEventFactory(
        model=models["qwen/qwen-2-5-72b-instruct"],
        kind=ChangeKind.CREATED,
        signal=ChangeSignal.MODEL_ADDED,
        object_repr="qwen/qwen-2-5-72b-instruct",
        field="",
        old_value=None,
        new_value=None,
    )
    ChangeEventFactory(
        model=models["anthropic/claude-haiku-3-5"],
        signal=ChangeSignal.PRICE_DOWN,
        object_type="price",
        object_repr="anthropic/claude-haiku-3-5 input",
        field="usd",
        old_value="1.00",
        new_value="0.80",
    )
    return World(
        team=team,
        other_team=other_team,
        requester=requester,
        reviewer=reviewer("security", username="rita.reviewer", first_name="Rita", last_name="Reviewer"),
        outsider=member(other_team, username="pam.payments"),
        requested=models["anthropic/claude-sonnet-4"],
    )

"""Shorthands over tests.factories.catalog for the rows policy facts are made of: a model under a licence
category, a base model, a claim, an offering with its current prices, a benchmark score."""

from __future__ import annotations

from decimal import Decimal

from catalog.models import AIModel, BenchmarkResult, LineageEdge, ModelAlias, Offering, ProvenanceClaim
from tests.factories.catalog import (
    AIModelFactory,
    BenchmarkFactory,
    BenchmarkResultFactory,
    LicenseFactory,
    LineageEdgeFactory,
    ModelAliasFactory,
    OfferingFactory,
    PriceFactory,
    ProvenanceClaimFactory,
)


def model(slug: str | None = None, *, licence_category: str | None = "permissive", **fields) -> AIModel:
    """A model under a licence of that category (None: no licence recorded)."""
    if licence_category is not None and "license" not in fields:
        fields["license"] = LicenseFactory(category=licence_category)
    if slug is not None:
        fields["slug"] = slug
        fields.setdefault("display_name", slug)
    return AIModelFactory(**fields)


def alias(target: AIModel, name: str) -> ModelAlias:
    return ModelAliasFactory(model=target, name=name.lower())


def derived(derived_model: AIModel, base: AIModel, relation: str = "finetune") -> LineageEdge:
    return LineageEdgeFactory(model=derived_model, base_model=base, relation=relation)


def claim(target: AIModel, topic: str, values: list[str], status: str = "claimed") -> ProvenanceClaim:
    return ProvenanceClaimFactory(model=target, topic=topic, values=values, status=status)


def offering(
    target: AIModel,
    *,
    input_usd: str | None = None,
    output_usd: str | None = None,
    trains_on_prompts: bool | None = False,
    **fields,
) -> Offering:
    """An offering (regions, zero_data_retention, status, channel ... as given) with its current token prices."""
    created = OfferingFactory(model=target, trains_on_prompts=trains_on_prompts, **fields)
    for unit, usd in (("input_token", input_usd), ("output_token", output_usd)):
        if usd is not None:
            PriceFactory(offering=created, unit=unit, usd=Decimal(usd))
    return created


def benchmark_result(target: AIModel, slug: str, score: str, tier: str = "vendor_claimed") -> BenchmarkResult:
    return BenchmarkResultFactory(
        model=target, benchmark=BenchmarkFactory(slug=slug), score=Decimal(score), source_tier=tier
    )

"""Small builders for the catalog rows policy facts are made of (plain ORM rows, no services).

Used by the policy and decision tests; each call makes one row with sensible defaults and says what matters."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from catalog.models import (
    AIModel,
    Benchmark,
    BenchmarkResult,
    License,
    LineageEdge,
    ModelAlias,
    Offering,
    Organization,
    Price,
    ProvenanceClaim,
    Source,
)

_seq = itertools.count(1)


def licence(category: str, key: str | None = None) -> License:
    key = key or f"{category}-{next(_seq)}"
    return License.objects.create(key=key, name=key, category=category)


def organization(slug: str = "acme") -> Organization:
    return Organization.objects.get_or_create(slug=slug, defaults={"name": slug.title(), "is_provider": True})[0]


def source(slug: str = "curated") -> Source:
    return Source.objects.get_or_create(slug=slug, defaults={"name": slug, "connector": slug})[0]


def model(slug: str | None = None, *, licence_category: str | None = "permissive", **fields) -> AIModel:
    slug = slug or f"acme/model-{next(_seq)}"
    if licence_category is not None and "license" not in fields:
        fields["license"] = licence(licence_category)
    return AIModel.objects.create(slug=slug, display_name=slug, **fields)


def alias(target: AIModel, name: str) -> ModelAlias:
    return ModelAlias.objects.create(model=target, name=name.lower())


def derived(derived_model: AIModel, base: AIModel, relation: str = "finetune") -> LineageEdge:
    return LineageEdge.objects.create(model=derived_model, base_model=base, relation=relation)


def claim(target: AIModel, topic: str, values: list[str], status: str = "claimed") -> ProvenanceClaim:
    return ProvenanceClaim.objects.create(
        model=target,
        topic=topic,
        values=values,
        statement=f"{topic}: {', '.join(values)}",
        source_kind="vendor_statement",
        source_url="https://vendor.example.com/model-card",
        stated_on=dt.date(2025, 1, 15),
        status=status,
    )


def offering(
    target: AIModel,
    *,
    regions: list[str] | None = None,
    zero_data_retention: bool | None = None,
    trains_on_prompts: bool | None = False,
    status: str = "active",
    channel: str = "vendor_api",
    input_usd: str | None = None,
    output_usd: str | None = None,
) -> Offering:
    created = Offering.objects.create(
        model=target,
        provider=organization(),
        channel=channel,
        source=source(),
        external_id=f"offer-{next(_seq)}",
        regions=regions or [],
        zero_data_retention=zero_data_retention,
        trains_on_prompts=trains_on_prompts,
        status=status,
    )
    for unit, usd in (("input_token", input_usd), ("output_token", output_usd)):
        if usd is not None:
            Price.objects.create(
                offering=created, unit=unit, usd=Decimal(usd), effective_from=timezone.now(), source=source()
            )
    return created


def benchmark_result(target: AIModel, slug: str, score: str, tier: str = "vendor_claimed") -> BenchmarkResult:
    benchmark = Benchmark.objects.get_or_create(slug=slug, defaults={"name": slug})[0]
    return BenchmarkResult.objects.create(
        model=target, benchmark=benchmark, score=Decimal(score), source_tier=tier, source_name="test"
    )

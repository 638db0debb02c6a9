"""Selectors for the model list and the model card, shared by the REST API and the portal.

The list annotates each model with its cheapest current standard input and output price (USD per 1M tokens), so
people can filter and sort by price, and prefetches everything a row shows in a constant number of queries,
whatever the page size."""

from __future__ import annotations

import functools

from django.db.models import DecimalField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from catalog.choices import PriceUnit, PriceVariant
from catalog.models import AIModel, BenchmarkResult, FieldObservation, LineageEdge, Offering, Price, ProvenanceClaim
from catalog.selectors import model_get_by_name
from catalog.services.model_fields import LISTED_AS

# Sorts models without a price after every priced one (cursor pagination cannot page over NULLs).
NO_PRICE_SORT_KEY = Value(10**9, output_field=DecimalField(max_digits=20, decimal_places=10))


def current_prices() -> QuerySet:
    return Price.objects.filter(effective_to__isnull=True)


def _cheapest_current(unit: str) -> Subquery:
    prices = (
        current_prices()
        .filter(offering__model=OuterRef("pk"), unit=unit, tier="", variant=PriceVariant.STANDARD)
        .exclude(offering__status="retired")
    )
    return Subquery(
        prices.order_by("usd").values("usd")[:1], output_field=DecimalField(max_digits=20, decimal_places=10)
    )


def model_list() -> QuerySet:
    """Every catalog model with list columns annotated; filter with AIModelFilterSet."""
    return _model_list().all()


@functools.cache
def _model_list() -> QuerySet:
    """Built once per process and cloned per use: resolving the four price subqueries is a few milliseconds of
    Python on every list request otherwise. (Never evaluated itself, so it holds no rows and no connection.)"""
    return AIModel.objects.select_related("publisher", "license").annotate(
        input_price=_cheapest_current(PriceUnit.INPUT_TOKEN),
        output_price=_cheapest_current(PriceUnit.OUTPUT_TOKEN),
    )


PRICE_SORT_KEYS = {"input_price_sort": "input_price", "output_price_sort": "output_price"}


def with_price_sort_keys(queryset: QuerySet, ordering) -> QuerySet:
    """The keys a price ordering sorts by, unpriced models last (cursor pages cannot page over NULLs), added only
    when ``ordering`` uses one: PostgreSQL repeats each price's subquery for its key, per row."""
    if not any(term.lstrip("-") in PRICE_SORT_KEYS for term in ordering):
        return queryset
    return queryset.annotate(**{key: Coalesce(price, NO_PRICE_SORT_KEY) for key, price in PRICE_SORT_KEYS.items()})


def model_card() -> QuerySet:
    """One model with everything its card shows, in a fixed number of queries."""
    offerings = Offering.objects.select_related("provider", "source").prefetch_related(
        Prefetch(
            "prices",
            queryset=Price.objects.select_related("source").order_by("unit", "tier", "variant", "-effective_from"),
        )
    )
    return (
        model_list()
        .select_related("successor", "publisher__parent")
        .prefetch_related(
            "aliases__source",
            Prefetch("offerings", queryset=offerings),
            Prefetch(
                "benchmark_results",
                queryset=BenchmarkResult.objects.select_related("benchmark", "source").order_by(
                    "benchmark__name", "source_tier"
                ),
            ),
            Prefetch("provenance_claims", queryset=ProvenanceClaim.objects.select_related("source")),
            Prefetch("base_edges", queryset=LineageEdge.objects.select_related("base_model__license", "source")),
            Prefetch("derived_edges", queryset=LineageEdge.objects.select_related("model")),
            Prefetch(
                "observations",
                queryset=displayed_observations(),
            ),
        )
    )


def displayed_observations() -> QuerySet:
    """What each source says about each model field, best source first. ``listed_as`` is the sync's bookkeeping
    (the ids a source lists a model under), not a fact about the model, so it is not shown."""
    return (
        FieldObservation.objects.select_related("source")
        .exclude(field=LISTED_AS)
        .order_by("field", "source__precedence")
    )


def model_by_name(name: str) -> tuple[AIModel | None, bool]:
    """(model, is_alias): the model a slug or any alias names (catalog.selectors.model_get_by_name), and whether
    ``name`` was other than its canonical slug, so callers can redirect to it."""
    model = model_get_by_name(name)
    return model, model is not None and model.slug != name

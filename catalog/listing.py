"""Selectors for the model list and the model card, shared by the REST API and the portal.

The list shows each model's cheapest current standard input and output price (USD per 1M tokens: AIModel's own
columns, kept by PostgreSQL, catalog migration 0004), so people can filter and sort by price, and prefetches
everything a row shows in a constant number of queries, whatever the page size."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from catalog.models import AIModel, BenchmarkResult, FieldObservation, LineageEdge, Offering, Price, ProvenanceClaim
from catalog.models.models import price_sort_key
from catalog.selectors import model_get_by_name
from catalog.services.model_fields import LISTED_AS

# Ordering names (the API's and the portal's) -> the price each sorts by, unpriced models last.
PRICE_SORT_KEYS = {"input_price_sort": "input_price", "output_price_sort": "output_price"}


def model_list() -> QuerySet:
    """Every catalog model with its list columns; filter with AIModelFilterSet.

    The prices are AIModel's own columns (kept by PostgreSQL); the sort keys are the very expressions AIModel's
    price indexes index, so a price-sorted page reads an index instead of sorting the catalog. Selected (not only
    ordered by) because cursor pages read the key of a page's last row."""
    return AIModel.objects.select_related("publisher", "license").annotate(
        **{key: price_sort_key(price) for key, price in PRICE_SORT_KEYS.items()}
    )


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

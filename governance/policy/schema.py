"""The facts a policy rule may read: their names, types and meaning.

Rules are validated against this catalogue, so a misspelt fact or a comparison that cannot work (``lt`` on a
list, ``in`` with a number) is refused when a version is created rather than silently never matching. Pure: no
Django, no ORM.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class FactType:
    name: str
    # The operators that make sense for a fact of this type (``exists`` works for every type).
    operators: frozenset[str]


_SCALAR_OPS = frozenset({"equals", "in", "not_in", "exists"})
_ORDERED_OPS = _SCALAR_OPS | {"lt", "gt", "lte", "gte"}

STR = FactType("text", _SCALAR_OPS | {"contains"})
BOOL = FactType("boolean", frozenset({"equals", "exists"}))
INT = FactType("integer", _ORDERED_OPS)
DECIMAL = FactType("number", _ORDERED_OPS)
DATE = FactType("date", _ORDERED_OPS)
# For a list, ``in`` means every element is in the given list (an empty list satisfies it) and ``not_in``
# means no element is; ``contains`` tests one element; ``equals`` compares the lists ignoring order.
LIST = FactType("list", frozenset({"equals", "in", "not_in", "contains", "exists"}))

FACTS: dict[str, tuple[FactType, str]] = {
    # The team that asks.
    "team.slug": (STR, "the team's slug"),
    "team.regulated": (BOOL, "the team handles regulated data or decisions"),
    "team.allowed_data_classifications": (LIST, "data classes the team may send to models (empty: no limit)"),
    "team.allowed_regions": (LIST, "regions the team may use (empty: no limit)"),
    # The model and its licence, including what it inherits from the models it derives from.
    "model.slug": (STR, "the model's canonical id"),
    "model.lifecycle": (STR, "preview, ga, legacy, deprecated or retired"),
    "model.deprecation_date": (DATE, "date the vendor deprecates the model"),
    "model.retirement_date": (DATE, "date the vendor retires the model"),
    "model.days_until_retirement": (INT, "days from today to the retirement date (negative once past)"),
    "model.retired": (BOOL, "lifecycle is retired or the retirement date has passed"),
    "model.open_weights": (BOOL, "the weights are published"),
    "model.license": (STR, "the model's own licence key"),
    "model.license_category": (STR, "category of the model's own licence (unknown when none is recorded)"),
    "model.base_models": (LIST, "every model it derives from, through lineage, nearest first"),
    "model.inherited_license_categories": (LIST, "licence categories of every base model (through lineage)"),
    "model.license_categories": (LIST, "its own licence category plus every inherited one"),
    "model.license_lineage": (LIST, "'slug: category' for the model and each base model, for messages"),
    # What is claimed about how it was made.
    "provenance.no_distillation_declared": (BOOL, "an undisputed claim declares no distillation"),
    "provenance.verified": (BOOL, "at least one provenance claim has been verified"),
    "provenance.verified_topics": (LIST, "topics with a verified claim (training_data, origin, distillation)"),
    "provenance.any_disputed": (BOOL, "at least one provenance claim is disputed"),
    "provenance.disputed_topics": (LIST, "topics with a disputed claim"),
    "provenance.training_data_categories": (LIST, "training data categories of undisputed claims"),
    # Where it is offered and how the channel handles data (filtered by region when one is given).
    "offering.selected": (BOOL, "the question names one offering"),
    "offering.count": (INT, "offerings considered (the one selected, or every active one in the region)"),
    "offering.channels": (LIST, "channels of the offerings considered"),
    "offering.regions": (LIST, "regions of the offerings considered"),
    "offering.zero_data_retention": (BOOL, "an offering considered retains no data"),
    "offering.zdr_in_allowed_region": (BOOL, "a zero-data-retention offering runs in a region the team may use"),
    "offering.trains_on_prompts": (BOOL, "an offering considered may train on prompts"),
    # Current prices (USD per 1M tokens) of the selected offering, or the cheapest one considered.
    "price.input_usd_per_1m": (DECIMAL, "current input price, USD per 1M tokens"),
    "price.output_usd_per_1m": (DECIMAL, "current output price, USD per 1M tokens"),
    # The use case.
    "use_case.slug": (STR, "the use case's slug"),
    "use_case.risk_tier": (STR, "EU AI Act tier: minimal, limited, high or prohibited"),
    "use_case.production": (BOOL, "used in production, not an experiment"),
    "use_case.user_facing": (BOOL, "its output reaches people directly"),
    # The question itself.
    "request.new": (BOOL, "a new request (false when the decision endpoint re-checks an existing entitlement)"),
    "request.data_classification": (STR, "public, internal, confidential or restricted"),
    "request.region": (STR, "the region asked for"),
    "request.data_classification_allowed_for_team": (BOOL, "the team may send this data class"),
    "request.region_allowed_for_team": (BOOL, "the team may use this region"),
    "request.expected_monthly_tokens": (INT, "tokens a month the requester expects"),
    "request.expected_monthly_spend_usd": (
        DECIMAL,
        "USD a month the requester expects, or estimated from tokens at the higher current token price",
    ),
}

# Benchmark scores are open-ended: one fact per benchmark slug.
FACT_PATTERNS: dict[re.Pattern, tuple[FactType, str]] = {
    re.compile(r"^benchmark\.[a-z0-9][a-z0-9_.-]*$"): (DECIMAL, "best score on that benchmark, any source"),
    re.compile(r"^benchmark_independent\.[a-z0-9][a-z0-9_.-]*$"): (
        DECIMAL,
        "best independent or internal score on that benchmark",
    ),
}


def fact_type(name: str) -> FactType | None:
    """The type of a fact name, or None when no such fact exists."""
    if name in FACTS:
        return FACTS[name][0]
    for pattern, (kind, _help) in FACT_PATTERNS.items():
        if pattern.match(name):
            return kind
    return None

"""The facts a policy is evaluated on, built from the catalog and governance tables.

Two steps, so the decision endpoint can reuse the second: ``fact_sources_load`` reads plain rows from the ORM
(``FactSources``), and ``facts_compute`` (pure) turns them and the question (data class, region, offering,
spend) into the flat ``{"model.lifecycle": "ga", ...}`` dict the rules read. The decision endpoint loads the
same ``FactSources`` shape in one SQL statement (governance.decisions.loader) and calls the same
``facts_compute``, so a rule means the same thing in a request review and in a runtime decision.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from catalog.choices import ClaimStatus, Distillation, OfferingStatus, PriceUnit, PriceVariant, SourceTier
from catalog.models import AIModel, BenchmarkResult, LineageEdge, Offering, Price, ProvenanceClaim

# Lineage deeper than this is a data error (or a cycle); the walk stops rather than loop.
MAX_LINEAGE_DEPTH = 10
USABLE_OFFERING_STATUSES = (OfferingStatus.ACTIVE, OfferingStatus.PREVIEW)
INDEPENDENT_TIERS = (SourceTier.INDEPENDENT, SourceTier.INTERNAL)


@dataclass
class FactSources:
    """Plain rows the facts are computed from. Keys of each dict are documented on ``facts_compute``."""

    team: dict
    model: dict
    ancestors: list[dict] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)
    offerings: list[dict] = field(default_factory=list)
    benchmarks: list[dict] = field(default_factory=list)
    use_case: dict | None = None


@dataclass(frozen=True)
class Question:
    """What is being asked, beyond team, model and use case."""

    data_classification: str | None = None
    region: str | None = None
    offering_id: int | None = None
    new_request: bool = True
    expected_monthly_tokens: int | None = None
    expected_monthly_spend_usd: Decimal | None = None


# ---------------------------------------------------------------------------------------------------------------
# Loading from the ORM
# ---------------------------------------------------------------------------------------------------------------


def fact_sources_load(*, team, model: AIModel, use_case=None) -> FactSources:
    model = AIModel.objects.select_related("license").get(pk=model.pk)
    return FactSources(
        team=team_row(team),
        model=model_row(model),
        ancestors=_ancestors(model),
        claims=list(ProvenanceClaim.objects.filter(model=model).values("topic", "values", "status")),
        offerings=_offerings(model),
        benchmarks=[
            {"slug": r.benchmark.slug, "score": r.score, "source_tier": r.source_tier}
            for r in BenchmarkResult.objects.filter(model=model).select_related("benchmark")
        ],
        use_case=use_case_row(use_case) if use_case is not None else None,
    )


def team_row(team) -> dict:
    return {
        "id": team.pk,
        "slug": team.slug,
        "regulated": team.regulated,
        "allowed_data_classifications": list(team.allowed_data_classifications),
        "allowed_regions": list(team.allowed_regions),
    }


def model_row(model: AIModel) -> dict:
    return {
        "id": model.pk,
        "slug": model.slug,
        "lifecycle": model.lifecycle,
        "deprecation_date": model.deprecation_date,
        "retirement_date": model.retirement_date,
        "open_weights": model.open_weights,
        "license_key": model.license.key if model.license_id else None,
        "license_category": model.license.category if model.license_id else None,
    }


def use_case_row(use_case) -> dict:
    return {
        "id": use_case.pk,
        "slug": use_case.slug,
        "risk_tier": use_case.risk_tier,
        "production": use_case.production,
        "user_facing": use_case.user_facing,
        "data_classification": use_case.data_classification,
    }


def _ancestors(model: AIModel) -> list[dict]:
    """Every base model, nearest first, walking LineageEdge one generation per query."""
    seen = {model.pk}
    found: list[dict] = []
    frontier = [model.pk]
    for depth in range(1, MAX_LINEAGE_DEPTH + 1):
        edges = LineageEdge.objects.filter(model_id__in=frontier).select_related("base_model__license")
        frontier = []
        for edge in edges.order_by("base_model__slug"):
            base = edge.base_model
            if base.pk in seen:
                continue
            seen.add(base.pk)
            frontier.append(base.pk)
            row = model_row(base)
            found.append({"slug": base.slug, "license_category": row["license_category"], "depth": depth})
        if not frontier:
            break
    return found


def _offerings(model: AIModel) -> list[dict]:
    current = Price.objects.filter(
        effective_to__isnull=True,
        tier="",
        variant=PriceVariant.STANDARD,
        unit__in=[PriceUnit.INPUT_TOKEN, PriceUnit.OUTPUT_TOKEN],
    )
    offerings = Offering.objects.filter(model=model).prefetch_related(Prefetch("prices", queryset=current))
    rows = []
    for offering in offerings.order_by("pk"):
        prices = {price.unit: price.usd for price in offering.prices.all()}
        rows.append(
            {
                "id": offering.pk,
                "channel": offering.channel,
                "regions": list(offering.regions),
                "status": offering.status,
                "zero_data_retention": offering.zero_data_retention,
                "trains_on_prompts": offering.trains_on_prompts,
                "input_usd": prices.get(PriceUnit.INPUT_TOKEN),
                "output_usd": prices.get(PriceUnit.OUTPUT_TOKEN),
            }
        )
    return rows


# ---------------------------------------------------------------------------------------------------------------
# Computing the facts (pure)
# ---------------------------------------------------------------------------------------------------------------


def facts_compute(sources: FactSources, question: Question, *, today: dt.date | None = None) -> dict[str, Any]:
    """The flat facts dict. ``None`` means unknown for this question (a rule comparing it does not match)."""
    today = today or timezone.now().date()
    data_class = question.data_classification or (sources.use_case or {}).get("data_classification")
    facts: dict[str, Any] = {}
    facts |= _team_facts(sources.team)
    facts |= _model_facts(sources.model, sources.ancestors, today)
    facts |= _provenance_facts(sources.claims)
    offerings = _considered_offerings(sources.offerings, question)
    facts |= _offering_facts(offerings, question, sources.team)
    facts |= _price_facts(offerings)
    facts |= _benchmark_facts(sources.benchmarks)
    facts |= _use_case_facts(sources.use_case)
    facts |= _request_facts(question, data_class, sources.team, facts)
    return facts


def _team_facts(team: dict) -> dict:
    return {
        "team.slug": team["slug"],
        "team.regulated": team["regulated"],
        "team.allowed_data_classifications": sorted(team["allowed_data_classifications"]),
        "team.allowed_regions": sorted(team["allowed_regions"]),
    }


def _model_facts(model: dict, ancestors: list[dict], today: dt.date) -> dict:
    own_category = model["license_category"] or "unknown"
    # A base model with no licence recorded passes on "unknown": nobody has shown its licence allows the use.
    inherited = list(dict.fromkeys(a["license_category"] or "unknown" for a in ancestors))
    retirement = model["retirement_date"]
    days_left = (retirement - today).days if retirement else None
    return {
        "model.slug": model["slug"],
        "model.lifecycle": model["lifecycle"],
        "model.deprecation_date": model["deprecation_date"],
        "model.retirement_date": retirement,
        "model.days_until_retirement": days_left,
        "model.retired": model["lifecycle"] == "retired" or (days_left is not None and days_left <= 0),
        "model.open_weights": model["open_weights"],
        "model.license": model["license_key"],
        "model.license_category": own_category,
        "model.base_models": [a["slug"] for a in ancestors],
        "model.inherited_license_categories": inherited,
        "model.license_categories": list(dict.fromkeys([own_category, *inherited])),
        "model.license_lineage": [f"{model['slug']}: {own_category}"]
        + [f"{a['slug']}: {a['license_category'] or 'unknown'}" for a in ancestors],
    }


def _provenance_facts(claims: list[dict]) -> dict:
    standing = [claim for claim in claims if claim["status"] != ClaimStatus.DISPUTED]
    disputed = sorted({claim["topic"] for claim in claims if claim["status"] == ClaimStatus.DISPUTED})
    verified = sorted({claim["topic"] for claim in claims if claim["status"] == ClaimStatus.VERIFIED})
    return {
        "provenance.no_distillation_declared": any(
            claim["topic"] == "distillation" and Distillation.NONE_DECLARED in claim["values"] for claim in standing
        ),
        "provenance.verified": bool(verified),
        "provenance.verified_topics": verified,
        "provenance.any_disputed": bool(disputed),
        "provenance.disputed_topics": disputed,
        "provenance.training_data_categories": sorted(
            {value for claim in standing if claim["topic"] == "training_data" for value in claim["values"]}
        ),
    }


def _considered_offerings(offerings: list[dict], question: Question) -> list[dict]:
    """The offering asked for, or every usable one (in the region asked for, when one is)."""
    if question.offering_id is not None:
        return [o for o in offerings if o["id"] == question.offering_id]
    usable = [o for o in offerings if o["status"] in USABLE_OFFERING_STATUSES]
    if question.region:
        usable = [o for o in usable if question.region in o["regions"]]
    return usable


def _offering_facts(offerings: list[dict], question: Question, team: dict) -> dict:
    allowed = set(team["allowed_regions"])

    def in_allowed_region(offering: dict) -> bool:
        return not allowed or bool(allowed & set(offering["regions"]))

    return {
        "offering.selected": question.offering_id is not None,
        "offering.count": len(offerings),
        "offering.channels": sorted({o["channel"] for o in offerings}),
        "offering.regions": sorted({region for o in offerings for region in o["regions"]}),
        "offering.zero_data_retention": any(o["zero_data_retention"] is True for o in offerings),
        "offering.zdr_in_allowed_region": any(
            o["zero_data_retention"] is True and in_allowed_region(o) for o in offerings
        ),
        "offering.trains_on_prompts": any(o["trains_on_prompts"] is True for o in offerings),
    }


def _price_facts(offerings: list[dict]) -> dict:
    def lowest(key: str) -> Decimal | None:
        prices = [o[key] for o in offerings if o[key] is not None]
        return min(prices) if prices else None

    return {"price.input_usd_per_1m": lowest("input_usd"), "price.output_usd_per_1m": lowest("output_usd")}


def _benchmark_facts(results: list[dict]) -> dict:
    facts: dict[str, Decimal] = {}
    for result in results:
        for name, counts in (
            (f"benchmark.{result['slug']}", True),
            (f"benchmark_independent.{result['slug']}", result["source_tier"] in INDEPENDENT_TIERS),
        ):
            if counts and (name not in facts or result["score"] > facts[name]):
                facts[name] = result["score"]
    return facts


def _use_case_facts(use_case: dict | None) -> dict:
    if use_case is None:
        return dict.fromkeys(("use_case.slug", "use_case.risk_tier", "use_case.production", "use_case.user_facing"))
    return {
        "use_case.slug": use_case["slug"],
        "use_case.risk_tier": use_case["risk_tier"],
        "use_case.production": use_case["production"],
        "use_case.user_facing": use_case["user_facing"],
    }


def _request_facts(question: Question, data_class: str | None, team: dict, facts: dict) -> dict:
    def allowed(value, allowed_values) -> bool | None:
        return None if not value else (not allowed_values or value in allowed_values)

    return {
        "request.new": question.new_request,
        "request.data_classification": data_class,
        "request.region": question.region or None,
        "request.data_classification_allowed_for_team": allowed(data_class, team["allowed_data_classifications"]),
        "request.region_allowed_for_team": allowed(question.region, team["allowed_regions"]),
        "request.expected_monthly_tokens": question.expected_monthly_tokens,
        "request.expected_monthly_spend_usd": _expected_spend(question, facts),
    }


def _expected_spend(question: Question, facts: dict) -> Decimal | None:
    """The requester's figure; else tokens priced at the higher of the current input and output prices, an
    upper bound that errs towards a procurement review rather than away from it."""
    if question.expected_monthly_spend_usd is not None:
        return question.expected_monthly_spend_usd
    prices = [p for p in (facts["price.input_usd_per_1m"], facts["price.output_usd_per_1m"]) if p is not None]
    if question.expected_monthly_tokens is None or not prices:
        return None
    spend = Decimal(question.expected_monthly_tokens) / Decimal(1_000_000) * max(prices)
    return spend.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

"""The deprecation radar: a team's entitlements whose model retires soon, with replacements worth considering.

A replacement is suggested when the team already holds it, or when policy would not deny it for the same use
case; each suggestion says how its current price and its benchmark scores compare with the retiring model's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Min, Q
from django.utils import timezone

from catalog.choices import Lifecycle, PriceUnit, PriceVariant
from catalog.models import AIModel, BenchmarkResult, Price
from governance.choices import LIVE_ENTITLEMENT_STATUSES
from governance.models import Entitlement, Team
from governance.services.conditions import DATA_CLASS_ORDER

MAX_SUGGESTIONS = 5
USABLE_LIFECYCLES = (Lifecycle.GA, Lifecycle.PREVIEW)


@dataclass
class Replacement:
    model: AIModel
    reason: str  # "successor", "same family", "same publisher", "already entitled"
    entitled: bool
    policy_outcome: str | None  # None when the team is entitled already (no need to ask)
    input_usd_per_1m_delta: Decimal | None
    output_usd_per_1m_delta: Decimal | None
    # benchmark slug -> candidate score minus retiring model's score (positive: better when higher is better)
    benchmark_deltas: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class RadarItem:
    entitlement: Entitlement
    retirement_date: dt.date
    days_left: int
    replacements: list[Replacement]


def lowest_prices(model_ids) -> dict[int, dict[str, Decimal]]:
    """model id -> {"input": USD per 1M, "output": USD per 1M}: the cheapest current standard price of any offering."""
    rows = (
        Price.objects.filter(
            offering__model_id__in=model_ids,
            effective_to__isnull=True,
            tier="",
            variant=PriceVariant.STANDARD,
            unit__in=[PriceUnit.INPUT_TOKEN, PriceUnit.OUTPUT_TOKEN],
        )
        .values("offering__model_id", "unit")
        .annotate(usd=Min("usd"))
    )
    prices: dict[int, dict[str, Decimal]] = {}
    for row in rows:
        key = "input" if row["unit"] == PriceUnit.INPUT_TOKEN else "output"
        prices.setdefault(row["offering__model_id"], {})[key] = row["usd"]
    return prices


def best_scores(model_ids) -> dict[int, dict[str, Decimal]]:
    """model id -> benchmark slug -> best reported score (in the benchmark's better direction)."""
    scores: dict[int, dict[str, Decimal]] = {}
    results = BenchmarkResult.objects.filter(model_id__in=model_ids).select_related("benchmark")
    for result in results:
        per_model = scores.setdefault(result.model_id, {})
        slug, current = result.benchmark.slug, per_model.get(result.benchmark.slug)
        better = current is None or (
            result.score > current if result.benchmark.higher_is_better else result.score < current
        )
        if better:
            per_model[slug] = result.score
    return scores


def candidates_for(model: AIModel, *, horizon: dt.date, team: Team) -> list[tuple[AIModel, str]]:
    """Successor first, then the same family, the same publisher's models for the same tasks, then models the
    team holds for the same tasks; none that retires within the horizon itself."""
    usable = AIModel.objects.filter(lifecycle__in=USABLE_LIFECYCLES, is_unresolved=False).exclude(pk=model.pk)
    usable = usable.filter(Q(retirement_date__isnull=True) | Q(retirement_date__gt=horizon))
    ranked: list[tuple[AIModel, str]] = []
    if model.successor_id:
        ranked += [(m, "successor") for m in usable.filter(pk=model.successor_id)]
    if model.family:
        ranked += [(m, "same family") for m in usable.filter(family=model.family).order_by("-release_date", "slug")]
    if model.publisher_id and model.task_types:
        same_publisher = usable.filter(publisher_id=model.publisher_id, task_types__overlap=model.task_types)
        ranked += [(m, "same publisher") for m in same_publisher.order_by("-release_date", "slug")[:MAX_SUGGESTIONS]]
    held = usable.filter(entitlements__team=team, entitlements__status__in=LIVE_ENTITLEMENT_STATUSES).distinct()
    if model.task_types:
        held = held.filter(task_types__overlap=model.task_types)
    ranked += [(m, "already entitled") for m in held.order_by("slug")]
    seen, unique = set(), []
    for candidate, reason in ranked:
        if candidate.pk not in seen:
            seen.add(candidate.pk)
            unique.append((candidate, reason))
    return unique


def _data_class(entitlement: Entitlement) -> str | None:
    """The data the team sends under this entitlement: its request's class, else the most sensitive allowed."""
    if entitlement.request_id is not None:
        return entitlement.request.data_classification
    allowed = entitlement.allowed_data_classifications
    return max(allowed, key=DATA_CLASS_ORDER.index) if allowed else None


def _policy_outcome(entitlement: Entitlement, candidate: AIModel) -> str:
    from governance.policy import policy_evaluate

    evaluation = policy_evaluate(
        team=entitlement.team,
        model=candidate,
        use_case=entitlement.use_case,
        data_classification=_data_class(entitlement),
        region=entitlement.region or None,
        persist=False,
    )
    return evaluation.outcome


def _delta(new: Decimal | None, old: Decimal | None) -> Decimal | None:
    return None if new is None or old is None else new - old


def _replacements(entitlement: Entitlement, candidates, prices, scores, entitled_ids) -> list[Replacement]:
    old_prices, old_scores = prices.get(entitlement.model_id, {}), scores.get(entitlement.model_id, {})
    suggestions = []
    for candidate, reason in candidates:
        entitled = candidate.pk in entitled_ids
        outcome = None if entitled else _policy_outcome(entitlement, candidate)
        if outcome == "deny":
            continue
        new_prices, new_scores = prices.get(candidate.pk, {}), scores.get(candidate.pk, {})
        suggestions.append(
            Replacement(
                model=candidate,
                reason=reason,
                entitled=entitled,
                policy_outcome=outcome,
                input_usd_per_1m_delta=_delta(new_prices.get("input"), old_prices.get("input")),
                output_usd_per_1m_delta=_delta(new_prices.get("output"), old_prices.get("output")),
                benchmark_deltas={
                    slug: new_scores[slug] - old_scores[slug] for slug in sorted(set(new_scores) & set(old_scores))
                },
            )
        )
        if len(suggestions) == MAX_SUGGESTIONS:
            break
    return suggestions


def deprecation_radar(team: Team, days: int = 90, *, today: dt.date | None = None) -> list[RadarItem]:
    """The team's live entitlements whose model retires within ``days`` (or already has), soonest first."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=days)
    entitlements = list(
        Entitlement.objects.filter(team=team, status__in=LIVE_ENTITLEMENT_STATUSES, model__retirement_date__lte=horizon)
        .select_related("model", "team", "use_case", "request")
        .order_by("model__retirement_date", "pk")
    )
    if not entitlements:
        return []
    entitled_ids = set(
        Entitlement.objects.filter(team=team, status__in=LIVE_ENTITLEMENT_STATUSES).values_list("model_id", flat=True)
    )
    candidates = {e.pk: candidates_for(e.model, horizon=horizon, team=team) for e in entitlements}
    model_ids = {e.model_id for e in entitlements} | {m.pk for pairs in candidates.values() for m, _ in pairs}
    prices, scores = lowest_prices(model_ids), best_scores(model_ids)
    return [
        RadarItem(
            entitlement=e,
            retirement_date=e.model.retirement_date,
            days_left=(e.model.retirement_date - today).days,
            replacements=_replacements(e, candidates[e.pk], prices, scores, entitled_ids),
        )
        for e in entitlements
    ]

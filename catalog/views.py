"""The catalog's portal pages: browse and search, model card, compare, cost vs quality, sync runs and changes.

Pages call the same selectors and FilterSet as the REST API; they never call the API over HTTP."""

from __future__ import annotations

import json
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Max, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from catalog import analysis, listing
from catalog.choices import ChangeSignal, LicenseCategory, Lifecycle, Modality, PriceUnit, SourceTier, TaskType
from catalog.filtersets import AIModelFilterSet
from catalog.models import Benchmark, BenchmarkResult, ChangeEvent, Organization, SyncRun

PAGE_SIZE_CHOICES = (25, 50, 100)
SORTS = {
    "name": ("display_name", "slug"),
    "-name": ("-display_name", "slug"),
    "input_price": ("input_price_sort", "slug"),
    "-input_price": ("-input_price_sort", "slug"),
    "output_price": ("output_price_sort", "slug"),
    "-output_price": ("-output_price_sort", "slug"),
    "context": ("context_window", "slug"),
    "-context": ("-context_window", "slug"),
    "released": ("release_date", "slug"),
    "-released": ("-release_date", "slug"),
}


def _page_size(request) -> int:
    try:
        size = int(request.GET.get("page_size", 50))
    except ValueError:
        return 50
    return size if size in PAGE_SIZE_CHOICES else 50


def _without_empty(query):
    """A form submitted without JavaScript sends every field, empty ones too ('publisher='): those mean "any"."""
    data = query.copy()
    for key in list(data):
        values = [value for value in data.getlist(key) if value != ""]
        if values:
            data.setlist(key, values)
        else:
            data.pop(key)
    return data


@login_required
def model_list(request):
    filterset = AIModelFilterSet(_without_empty(request.GET) or None, queryset=listing.model_list(), request=request)
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else listing.model_list()
    sort = request.GET.get("sort", "")
    if sort in SORTS:
        queryset = queryset.order_by(*SORTS[sort])
    elif not request.GET.get("search"):
        queryset = queryset.order_by("slug")
    page = Paginator(queryset, _page_size(request)).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    context = {
        "filterset": filterset,
        "page": page,
        "query": query.urlencode(),
        "sort_query": sort_query.urlencode(),
        "sort": sort,
        "publishers": Organization.objects.filter(is_publisher=True).order_by("name").only("slug", "name"),
        "modalities": Modality.choices,
        "tasks": TaskType.choices,
        "license_categories": LicenseCategory.choices,
        "lifecycles": Lifecycle.choices,
        "page_sizes": PAGE_SIZE_CHOICES,
        "errors": filterset.errors if filterset.is_bound else {},
    }
    template = (
        "catalog/_model_table.html"
        if request.htmx and request.htmx.target == "model-table"
        else "catalog/model_list.html"
    )
    return render(request, template, context)


def _price_history_series(model) -> dict:
    """Stepped series per offering and unit; an open price runs to now, so the current level is visible."""
    now_ms = int(timezone.now().timestamp() * 1000)
    series = []
    for offering in model.offerings.all():
        for unit in (PriceUnit.INPUT_TOKEN, PriceUnit.OUTPUT_TOKEN):
            prices = [p for p in offering.prices.all() if p.unit == unit and not p.tier and p.variant == "standard"]
            if not prices:
                continue
            points = []
            for price in sorted(prices, key=lambda p: p.effective_from):
                points.append({"x": int(price.effective_from.timestamp() * 1000), "y": float(price.usd)})
                end = int(price.effective_to.timestamp() * 1000) if price.effective_to else now_ms
                points.append({"x": end, "y": float(price.usd)})
            label = f"{offering.external_id} · {'input' if unit == PriceUnit.INPUT_TOKEN else 'output'}"
            series.append({"label": label, "points": points})
    return {"series": series[:16]}


def _benchmark_table(model) -> list[dict]:
    """One row per benchmark, vendor-claimed / independent / internal scores side by side."""
    rows: dict[int, dict] = {}
    for result in model.benchmark_results.all():
        row = rows.setdefault(result.benchmark_id, {"benchmark": result.benchmark, "tiers": {}})
        row["tiers"].setdefault(result.source_tier, []).append(result)
    return sorted(rows.values(), key=lambda r: r["benchmark"].name)


@login_required
def model_card(request, slug: str):
    model = listing.model_card().filter(slug=slug).first()
    if model is None:
        resolved, _ = listing.model_by_name(slug)
        if resolved is None:
            raise Http404(f"No model is called '{slug}'.")
        return redirect("catalog:model", slug=resolved.slug, permanent=True)
    observations: dict[str, list] = {}
    for observation in model.observations.all():
        observations.setdefault(observation.field, []).append(observation)
    conflicts = {
        field: obs for field, obs in observations.items() if len({json.dumps(o.value, sort_keys=True) for o in obs}) > 1
    }
    context = {
        "model": model,
        "offerings": list(model.offerings.all()),
        "claims": list(model.provenance_claims.all()),
        "benchmarks": _benchmark_table(model),
        "tiers": SourceTier.choices,
        "observations": observations,
        "conflicts": conflicts,
        "price_history": _price_history_series(model),
        "bases": list(model.base_edges.all()),
        "derived": list(model.derived_edges.all()),
    }
    return render(request, "catalog/model_card.html", context)


COMPARE_ROWS = [
    ("Publisher", lambda m: m.publisher.name if m.publisher else "—"),
    ("Lifecycle", lambda m: m.get_lifecycle_display()),
    ("Released", lambda m: m.release_date or "—"),
    ("Knowledge cutoff", lambda m: m.knowledge_cutoff or "—"),
    ("Context window", lambda m: f"{m.context_window:,}" if m.context_window else "—"),
    ("Max output", lambda m: f"{m.max_output_tokens:,}" if m.max_output_tokens else "—"),
    ("Input price / 1M", lambda m: f"${m.input_price.normalize():f}" if m.input_price is not None else "—"),
    ("Output price / 1M", lambda m: f"${m.output_price.normalize():f}" if m.output_price is not None else "—"),
    ("Architecture", lambda m: m.get_architecture_display()),
    ("Parameters (total / active)", lambda m: f"{_params(m.total_parameters)} / {_params(m.active_parameters)}"),
    ("Input modalities", lambda m: ", ".join(m.input_modalities) or "—"),
    ("Output modalities", lambda m: ", ".join(m.output_modalities) or "—"),
    ("Capabilities", lambda m: ", ".join(m.capabilities) or "—"),
    ("Open weights", lambda m: {True: "yes", False: "no", None: "unknown"}[m.open_weights]),
    ("Licence", lambda m: f"{m.license} ({m.license.get_category_display()})" if m.license else "unknown"),
]


def _params(value) -> str:
    if not value:
        return "?"
    return f"{value / 1e9:.1f}B" if value >= 1e9 else f"{value / 1e6:.0f}M"


@login_required
def compare(request):
    slugs = [s for s in request.GET.getlist("m") if s][:4]
    models_by_slug = {m.slug: m for m in listing.model_card().filter(slug__in=slugs)}
    models = [models_by_slug[s] for s in slugs if s in models_by_slug]
    rows = []
    for label, getter in COMPARE_ROWS:
        values = [getter(m) for m in models]
        rows.append({"label": label, "values": values, "differs": len({str(v) for v in values}) > 1})
    benchmark_rows = []
    benchmark_ids = {r.benchmark_id for m in models for r in m.benchmark_results.all()}
    for benchmark in Benchmark.objects.filter(pk__in=benchmark_ids).order_by("name"):
        values = []
        for m in models:
            results = [r for r in m.benchmark_results.all() if r.benchmark_id == benchmark.pk]
            values.append(results)
        benchmark_rows.append({"benchmark": benchmark, "values": values})
    missing = [s for s in slugs if s not in models_by_slug]
    return render(
        request,
        "catalog/compare.html",
        {"models": models, "rows": rows, "benchmark_rows": benchmark_rows, "missing": missing, "slugs": slugs},
    )


def _positive_int(value, default: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if 0 <= number <= 100 else default


@login_required
def cost_quality(request):
    benchmarks = Benchmark.objects.filter(results__isnull=False).distinct().order_by("name")
    benchmark = benchmarks.filter(slug=request.GET.get("benchmark")).first() or benchmarks.first()
    input_parts = _positive_int(request.GET.get("input_parts"), 3)
    output_parts = _positive_int(request.GET.get("output_parts"), 1)
    if input_parts + output_parts == 0:
        input_parts, output_parts = 3, 1
    tier = request.GET.get("tier", "")
    points = []
    if benchmark is not None:
        results = BenchmarkResult.objects.filter(benchmark=benchmark)
        if tier in SourceTier.values:
            results = results.filter(source_tier=tier)
        best = dict(results.values("model_id").annotate(best=Max("score")).values_list("model_id", "best"))
        models = listing.model_list().filter(pk__in=best.keys())
        team = request.GET.get("approved_for_team")
        if team:
            models = AIModelFilterSet({"approved_for_team": team}, queryset=models, request=request).qs
        for model in models.filter(Q(input_price__isnull=False) & Q(output_price__isnull=False)):
            price = analysis.blended_price(model.input_price, model.output_price, input_parts, output_parts)
            points.append(
                analysis.Point(model.slug, model.display_name, price.quantize(Decimal("0.0001")), best[model.pk])
            )
        points = analysis.pareto_frontier(points, higher_is_better=benchmark.higher_is_better)
    chart = {
        "benchmark": f"{benchmark} ({benchmark.metric})" if benchmark else "",
        "points": [
            {"x": float(p.price), "y": float(p.score), "label": p.label, "slug": p.slug, "frontier": p.frontier}
            for p in points
        ],
    }
    return render(
        request,
        "catalog/cost_quality.html",
        {
            "benchmarks": benchmarks,
            "benchmark": benchmark,
            "input_parts": input_parts,
            "output_parts": output_parts,
            "tier": tier,
            "tiers": SourceTier.choices,
            "points": sorted(points, key=lambda p: (not p.frontier, p.price)),
            "chart": chart,
        },
    )


@login_required
def sync_runs(request):
    runs = SyncRun.objects.select_related("source").order_by("-started_at")
    source = request.GET.get("source")
    if source:
        runs = runs.filter(source__slug=source)
    page = Paginator(runs, 50).get_page(request.GET.get("page"))
    return render(request, "catalog/sync_runs.html", {"page": page, "source": source})


@login_required
def changes(request):
    events = ChangeEvent.objects.select_related("source", "model").order_by("-occurred_at", "-id")
    signal = request.GET.get("signal")
    if signal:
        events = events.filter(signal=signal)
    run = request.GET.get("run")
    if run and run.isdigit():
        events = events.filter(run_id=int(run))
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "catalog/changes.html",
        {"page": page, "signal": signal, "signals": ChangeSignal.choices[1:], "run": run},
    )

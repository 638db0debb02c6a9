"""A model card's ``model-index``: the scores its authors report, one result per metric.

The Hub's specification (huggingface_hub's ``EvalResult``) nests them as model-index[].results[] with a task, a
dataset (type, name, config, split, args) and metrics (type, value, name, verified, verifyToken), plus a source.
A result is the author's claim unless Hugging Face's evaluator signed it: only then is it independent.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.text import slugify

from catalog.choices import SourceTier
from catalog.connectors.base import BenchmarkRecord, BenchmarkResultRecord, Rejection
from catalog.connectors.huggingface.card import HUB, BadRepo, as_list, mapping, text

LOWER_IS_BETTER = {"wer", "cer", "perplexity", "loss", "ter", "mer"}
MAX_SCORE = Decimal("1e8")  # BenchmarkResult.score holds 12 digits, 4 after the point
DATASET_ID = re.compile(r"^[\w.-]+/[\w.-]+$")


def benchmark_results(repo_id: str, card: dict, rejected: list[Rejection]):
    """Results and the benchmarks they use; a malformed one is rejected by name, the model and the rest are kept."""
    results, benchmarks, seen = [], {}, set()
    for entry in as_list(card.get("model-index")):
        for position, result in enumerate(as_list(entry.get("results") if isinstance(entry, dict) else None)):
            metrics = (as_list(result.get("metrics")) if isinstance(result, dict) else None) or [None]
            for index, metric in enumerate(metrics):
                label = f"{repo_id} model-index results[{position}].metrics[{index}]"
                try:
                    benchmark, record = _result(repo_id, mapping(result, "result"), mapping(metric, "metric"))
                except BadRepo as error:
                    rejected.append(Rejection(record=label, error=str(error)))
                    continue
                record.external_id = _unique(record.external_id[:290], seen)  # BenchmarkResult.external_id: 300
                benchmarks.setdefault(benchmark.slug, benchmark)
                results.append(record)
    return results, list(benchmarks.values())


def _unique(external_id: str, seen: set[str]) -> str:
    """The same benchmark at other settings (another split, other shots) is another result: number it."""
    candidate, number = external_id, 1
    while candidate in seen:
        number += 1
        candidate = f"{external_id}#{number}"
    seen.add(candidate)
    return candidate


def _result(repo_id: str, result: dict, metric: dict) -> tuple[BenchmarkRecord, BenchmarkResultRecord]:
    if not metric:
        raise BadRepo("a result needs metrics")
    dataset = mapping(result.get("dataset"), "dataset")
    source = mapping(result.get("source"), "source")
    benchmark = _benchmark(dataset, metric)
    # Only Hugging Face's evaluator signs a result (verifyToken); "verified: true" alone is the author's word.
    verified = metric.get("verified") is True and bool(text(metric.get("verifyToken")))
    source_url = text(source.get("url"))
    if not source_url or not source_url.startswith(("https://", "http://")) or len(source_url) > 500:
        source_url = f"{HUB}/{repo_id}"
    return benchmark, BenchmarkResultRecord(
        external_id=f"{repo_id}#{benchmark.slug}",
        model_ref=repo_id,
        benchmark=benchmark.slug,
        score=_score(metric.get("value"), benchmark.slug),
        source_tier=(SourceTier.INDEPENDENT if verified else SourceTier.VENDOR_CLAIMED).value,
        source_name=(text(source.get("name")) or f"{repo_id} model card")[:200],
        source_url=source_url,
        settings_notes=_settings_notes(dataset),
        verified=verified,
    )


def _benchmark(dataset: dict, metric: dict) -> BenchmarkRecord:
    dataset_id = text(dataset.get("type")) or text(dataset.get("name"))
    metric_type = text(metric.get("type"))
    if not dataset_id or not metric_type:
        raise BadRepo("every result needs a dataset type (or name) and a metric type")
    config = text(dataset.get("config")) or ""
    # ARC-Challenge and ARC-Easy are different benchmarks of one dataset: the config is part of the identity.
    slug = slugify(f"{dataset_id.replace('/', '-')} {config} {metric_type}")[:100].strip("-")
    if not slug:
        raise BadRepo(f"no usable benchmark id in {dataset_id!r} / {metric_type!r}")
    label = text(metric.get("name")) or metric_type
    return BenchmarkRecord(
        slug=slug,
        name=f"{text(dataset.get('name')) or dataset_id} ({label})"[:200],
        version=config[:50],
        metric=metric_type[:100],
        unit="",  # model-index does not say whether 72.95 is a percentage or a fraction
        higher_is_better=metric_type.lower() not in LOWER_IS_BETTER,
        url=f"{HUB}/datasets/{dataset_id}" if DATASET_ID.match(dataset_id) else "",
    )


def _settings_notes(dataset: dict) -> str:
    notes = [f"{key}={dataset[key]}" for key in ("config", "split", "revision") if text(dataset.get(key))]
    args = dataset.get("args")
    if isinstance(args, dict):
        notes += [f"{key}={value}" for key, value in args.items() if isinstance(value, str | int | float)]
    return ", ".join(notes)[:2000]


def _score(value: Any, slug: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BadRepo(f"{slug}: value {value!r} is not a number")
    try:
        # repr() of a float is its shortest exact spelling: 72.95 stays 72.95, not 72.9500000000000028...
        score = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation:
        raise BadRepo(f"{slug}: value {value!r} is not a number") from None
    if not score.is_finite() or abs(score) >= MAX_SCORE:
        raise BadRepo(f"{slug}: value {value!r} is not a usable score")
    return score

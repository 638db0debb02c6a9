"""Reference data and evidence in a snapshot: licences, lineage edges, benchmark results and provenance claims are
upserted by natural key, signalled where governance cares, and removed (with the last values kept in an event)
when a complete snapshot stops stating them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from catalog.choices import AliasResolution, ChangeKind, ChangeSignal, ClaimStatus, LicenseCategory
from catalog.connectors.base import (
    BenchmarkRecord,
    BenchmarkResultRecord,
    LicenseRecord,
    LineageRecord,
    ProvenanceClaimRecord,
    Snapshot,
)
from catalog.models import AIModel, BenchmarkResult, ChangeEvent, License, LineageEdge, ModelAlias, ProvenanceClaim
from tests.catalog.conftest import model, sync

pytestmark = pytest.mark.django_db


def claim(status: str = ClaimStatus.CLAIMED, **fields) -> ProvenanceClaimRecord:
    values = {
        "external_id": "acme-widget-training-data", "model_ref": "acme/widget", "topic": "training_data",
        "values": ["public_web", "synthetic"], "statement": "Trained on public web data and synthetic data.",
        "source_kind": "model_card", "source_url": "https://acme.example.com/widget/card",
        "stated_on": dt.date(2025, 3, 1), "status": status, **fields,
    }  # fmt: skip
    return ProvenanceClaimRecord(**values)


def evidence_snapshot(**changes) -> Snapshot:
    return Snapshot(
        models=[model("widget", slug="acme/widget", publisher="acme"),
                model("widget-mini", slug="acme/widget-mini", publisher="acme")],
        lineage=[LineageRecord(model_ref="acme/widget-mini", base_ref="acme/widget", relation="distilled")],
        benchmarks=[BenchmarkRecord(slug="mmlu-pro", name="MMLU-Pro")],
        benchmark_results=[BenchmarkResultRecord(
            external_id="widget-mmlu-pro", model_ref="widget", benchmark="mmlu-pro",
            score=changes.pop("score", Decimal("71.25")), source_tier="vendor_claimed", source_name="Acme blog")],
        claims=[claim(changes.pop("status", ClaimStatus.CLAIMED))],
        **changes,
    )  # fmt: skip


def test_lineage_results_and_claims_are_created_once_and_resynced_without_writes(make_source):
    source = make_source("curated", precedence=10)

    first = sync(source, evidence_snapshot())
    second = sync(source, evidence_snapshot(), force=True)

    edge = LineageEdge.objects.get()
    assert (edge.model.slug, edge.relation, edge.base_model.slug, edge.source) == (
        "acme/widget-mini",
        "distilled",
        "acme/widget",
        source,
    )
    result = BenchmarkResult.objects.get()
    assert (result.model.slug, result.benchmark.slug, result.score) == ("acme/widget", "mmlu-pro", Decimal("71.25"))
    assert ProvenanceClaim.objects.get().values == ["public_web", "synthetic"]
    assert first.message == ("organization +1; benchmark +1; model +2; lineage +1; benchmark_result +1; claim +1")
    assert (second.created, second.updated) == (0, 0)


def test_a_claim_becoming_disputed_is_a_provenance_signal(make_source):
    source = make_source("curated", precedence=10)
    sync(source, evidence_snapshot())

    run = sync(source, evidence_snapshot(status=ClaimStatus.DISPUTED, score=Decimal("69.5")))

    disputed = ChangeEvent.objects.get(run=run, object_type="claim")
    assert (disputed.field, disputed.old_value, disputed.new_value) == ("status", "claimed", "disputed")
    assert disputed.signal == ChangeSignal.PROVENANCE_DISPUTED and disputed.model.slug == "acme/widget"
    rescored = ChangeEvent.objects.get(run=run, object_type="benchmark_result")
    assert (rescored.old_value, rescored.new_value) == ("71.2500", "69.5")


def test_evidence_a_complete_snapshot_stops_stating_is_removed_with_its_last_values(make_source):
    source = make_source("curated", precedence=10)
    sync(source, evidence_snapshot())
    bare = evidence_snapshot()
    bare.lineage, bare.benchmark_results, bare.claims = [], [], []

    run = sync(source, bare)

    assert not LineageEdge.objects.exists() and not BenchmarkResult.objects.exists()
    assert not ProvenanceClaim.objects.exists()
    removed = ChangeEvent.objects.filter(run=run, kind=ChangeKind.RETIRED)
    assert sorted(removed.values_list("object_type", "object_repr")) == [
        ("benchmark_result", "widget-mmlu-pro"), ("claim", "acme-widget-training-data"),
        ("lineage", "acme/widget-mini distilled of acme/widget"),
    ]  # fmt: skip
    assert run.retired == 3


def test_a_lineage_base_no_source_describes_becomes_an_unresolved_model(make_source):
    hub = make_source("hub", precedence=50)

    sync(hub, Snapshot(
        models=[model("someone/widget-ft", slug="someone/widget-ft", publisher="someone")],
        lineage=[LineageRecord(model_ref="someone/widget-ft", base_ref="Acme/Widget-Base", relation="finetune")],
    ))  # fmt: skip

    base = AIModel.objects.get(slug="acme/widget-base")
    assert base.is_unresolved
    assert ModelAlias.objects.get(name="acme/widget-base").resolution == AliasResolution.CANONICAL
    assert LineageEdge.objects.get().base_model == base


def test_a_result_about_an_unknown_model_or_benchmark_is_rejected_by_name(make_source):
    source = make_source("curated", precedence=10)
    snapshot = evidence_snapshot()
    snapshot.benchmark_results.append(BenchmarkResultRecord(
        external_id="ghost-mmlu", model_ref="ghost-model", benchmark="mmlu-pro", score=Decimal(1),
        source_tier="independent", source_name="Lab"))  # fmt: skip
    snapshot.benchmark_results.append(BenchmarkResultRecord(
        external_id="widget-unknown", model_ref="widget", benchmark="no-such-bench", score=Decimal(1),
        source_tier="independent", source_name="Lab"))  # fmt: skip

    run = sync(source, snapshot)

    assert {e["record"]: e["error"] for e in run.errors} == {
        "benchmark_result ghost-mmlu": "model_ref 'ghost-model' names no known model",
        "benchmark_result widget-unknown": "benchmark 'no-such-bench' is not known",
    }
    assert BenchmarkResult.objects.count() == 1


def test_the_licence_list_rewrites_a_licence_and_a_feed_only_fills_blanks(make_source):
    licences, feed = make_source("licences", precedence=5), make_source("feed", precedence=30)
    record = LicenseRecord(key="acme-community", name="Acme Community Licence", category="permissive")
    sync(licences, Snapshot(licenses=[record]))

    rewritten = LicenseRecord(key="acme-community", name="Acme Community Licence", category="non_commercial",
                              url="https://acme.example.com/licence")  # fmt: skip
    run = sync(licences, Snapshot(licenses=[rewritten]))
    sync(feed, Snapshot(licenses=[LicenseRecord(key="acme-community", name="ACME CL", category="permissive",
                                                spdx_id="LicenseRef-acme")]))  # fmt: skip

    licence = License.objects.get()
    assert (licence.name, licence.category, licence.spdx_id) == (
        "Acme Community Licence",
        LicenseCategory.NON_COMMERCIAL,
        "LicenseRef-acme",
    )
    changed = ChangeEvent.objects.get(run=run, field="category")
    assert changed.signal == ChangeSignal.LICENSE_CHANGED

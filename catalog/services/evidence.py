"""Evidence about models: lineage edges, benchmark results and provenance claims.

Results and claims are keyed by (source, external_id); an edge by (model, base model, relation), whoever stated
it first. Each names its model(s) by name, resolved like any alias. A lineage base no source describes becomes an
unresolved model (a licence inherited through it must not vanish); a result or claim about an unknown model is
rejected by name. Rows a complete snapshot no longer states are deleted, each with a 'retired' ChangeEvent that
keeps its last values.
"""

from __future__ import annotations

from catalog.choices import ChangeSignal, ClaimStatus
from catalog.models import BenchmarkResult, LineageEdge, ProvenanceClaim
from catalog.services.bulk import copy_insert
from catalog.services.context import SyncContext, save_changed
from catalog.services.observations import ModelStep, models_create_pending
from catalog.services.validation import CLAIM_CHECKS, LINEAGE_CHECKS, RESULT_CHECKS, record_errors

RESULT_FIELDS = ("score", "source_tier", "source_name", "source_url", "measured_on", "settings_notes", "verified")
CLAIM_FIELDS = (
    "topic", "values", "teachers", "statement", "source_kind", "source_url", "stated_on", "evidence", "status",
    "next_review_on",
)  # fmt: skip


def evidence_reconcile(ctx: SyncContext, step: ModelStep, *, lineage: list, results: list, claims: list,
                       benchmarks: dict) -> None:  # fmt: skip
    edges = _resolve_edges(ctx, step, lineage)
    result_rows = _resolve_refs(ctx, step, "benchmark_result", results, RESULT_CHECKS)
    claim_rows = _resolve_refs(ctx, step, "claim", claims, CLAIM_CHECKS)
    models_create_pending(ctx, step.resolver, step.refs)  # lineage bases no record described
    _edges_reconcile(ctx, step, edges)
    ids = step.refs.model_ids
    _keyed_reconcile(ctx, BenchmarkResult, "benchmark_result", _result_values(ctx, result_rows, benchmarks), ids)
    _keyed_reconcile(ctx, ProvenanceClaim, "claim", _claim_values(claim_rows), ids)


def _resolve_edges(ctx: SyncContext, step: ModelStep, records: list) -> list[tuple]:
    resolved = []
    for position, record in enumerate(records):
        label = f"{getattr(record, 'model_ref', '?')} <- {getattr(record, 'base_ref', '?')}"
        errors = record_errors(record, LINEAGE_CHECKS)
        if errors:
            ctx.reject("lineage", label or f"#{position}", "; ".join(errors))
            continue
        model = step.resolver.resolve_ref(record.model_ref, create=True)
        base = step.resolver.resolve_ref(record.base_ref, create=True)
        if model.slug == base.slug:
            ctx.reject("lineage", label, f"both names resolve to the same model {model.slug}")
            continue
        resolved.append((model.slug, base.slug, record))
    return resolved


def _resolve_refs(ctx: SyncContext, step: ModelStep, object_type: str, records: list, checks: dict) -> list:
    """[(model slug, record)] for valid records whose model is known; duplicates and the rest rejected."""
    resolved, seen = [], set()
    for position, record in enumerate(records):
        label = getattr(record, "external_id", None) or f"#{position}"
        errors = record_errors(record, checks)
        if not errors and record.external_id in seen:
            errors.append("duplicate external_id in the snapshot")
        model = None if errors else step.resolver.resolve_ref(record.model_ref, create=False)
        if not errors and model is None:
            errors.append(f"model_ref {record.model_ref!r} names no known model")
        if errors:
            ctx.reject(object_type, label, "; ".join(errors), depends_on_catalog=model is None)
            continue
        seen.add(record.external_id)
        resolved.append((model.slug, record))
    return resolved


# -- lineage --------------------------------------------------------------------------------------------------


def _edges_reconcile(ctx: SyncContext, step: ModelStep, resolved: list[tuple]) -> None:
    ids = step.refs.model_ids
    existing = {(e.model_id, e.base_model_id, e.relation): e for e in LineageEdge.objects.all()}
    created, updates, seen = [], [], set()
    for model_slug, base_slug, record in resolved:
        key = (ids[model_slug], ids[base_slug], record.relation)
        if key in seen:
            continue
        seen.add(key)
        label = f"{model_slug} {record.relation} of {base_slug}"
        edge = existing.get(key)
        if edge is None:
            edge = LineageEdge(model_id=key[0], base_model_id=key[1], relation=record.relation, source=ctx.source,
                               evidence_url=record.evidence_url or "")  # fmt: skip
            created.append(edge)
            ctx.changes.add(kind="created", object_type="lineage", obj=edge, model=key[0], object_repr=label)
        elif edge.source_id == ctx.source.pk:
            changed = ctx.set_fields(edge, {"evidence_url": record.evidence_url or ""}, object_type="lineage",
                                     model=key[0])  # fmt: skip
            updates.append((edge, changed))
            ctx.tally.count("lineage", "updated" if changed else "unchanged")
        else:
            ctx.tally.count("lineage", "unchanged")  # stated first by another source, which keeps it
    copy_insert(LineageEdge, created)
    ctx.tally.count("lineage", "created", len(created))
    save_changed(LineageEdge, updates)
    if ctx.complete:
        gone = [e for key, e in existing.items() if e.source_id == ctx.source.pk and key not in seen]
        _delete(ctx, LineageEdge, "lineage", gone, lambda e: f"{step.refs.model_slugs.get(e.model_id)} "
                f"{e.relation} of {step.refs.model_slugs.get(e.base_model_id)}")  # fmt: skip


# -- results and claims ---------------------------------------------------------------------------------------


def _result_values(ctx: SyncContext, resolved: list, benchmarks: dict) -> list[tuple[str, dict]]:
    rows = []
    for model_slug, record in resolved:
        benchmark = benchmarks.get(record.benchmark)
        if benchmark is None:
            ctx.reject("benchmark_result", record.external_id, f"benchmark {record.benchmark!r} is not known",
                       depends_on_catalog=True)  # fmt: skip
            continue
        values = {name: getattr(record, name) for name in RESULT_FIELDS}
        values.update(model_slug=model_slug, benchmark_id=benchmark.pk, source_url=record.source_url or "",
                      settings_notes=record.settings_notes or "")  # fmt: skip
        rows.append((record.external_id, values))
    return rows


def _claim_values(resolved: list) -> list[tuple[str, dict]]:
    rows = []
    for model_slug, record in resolved:
        values = {name: getattr(record, name) for name in CLAIM_FIELDS}
        values.update(model_slug=model_slug, values=list(record.values), teachers=list(record.teachers or []),
                      evidence=record.evidence or "", status=record.status or ClaimStatus.CLAIMED)  # fmt: skip
        rows.append((record.external_id, values))
    return rows


def _keyed_reconcile(ctx: SyncContext, model_class, object_type: str, rows: list[tuple[str, dict]],
                     ids: dict[str, int]) -> None:  # fmt: skip
    """Upsert rows keyed by (source, external_id); delete the ones a complete snapshot no longer states."""
    existing = {row.external_id: row for row in model_class.objects.filter(source=ctx.source)}
    created, updates = [], []
    for external_id, values in rows:
        values = dict(values)
        values["model_id"] = ids[values.pop("model_slug")]
        obj = existing.get(external_id)
        signals = {"status": ChangeSignal.PROVENANCE_DISPUTED} if values.get("status") == ClaimStatus.DISPUTED else {}
        if obj is None:
            obj = model_class(source=ctx.source, external_id=external_id, **values)
            created.append(obj)
            ctx.changes.created(object_type, obj, model=values["model_id"], signal=signals.get("status", ""))
            continue
        changed = ctx.set_fields(obj, values, object_type=object_type, model=values["model_id"], signals=signals)
        updates.append((obj, changed))
        ctx.tally.count(object_type, "updated" if changed else "unchanged")
    copy_insert(model_class, created)
    ctx.tally.count(object_type, "created", len(created))
    save_changed(model_class, updates, batch_size=1000)
    if ctx.complete:
        stated = {external_id for external_id, _values in rows}
        gone = [obj for key, obj in existing.items() if key not in stated and key not in ctx.rejected_ids]
        _delete(ctx, model_class, object_type, gone, lambda obj: obj.external_id)


def _delete(ctx: SyncContext, model_class, object_type: str, rows: list, label) -> None:
    for row in rows:
        ctx.changes.retired(object_type, row, model=row.model_id, repr_=label(row))
    if rows:
        model_class.objects.filter(pk__in=[row.pk for row in rows]).delete()
    ctx.tally.count(object_type, "retired", len(rows))

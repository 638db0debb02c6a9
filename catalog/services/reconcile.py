"""Reconcile one parsed snapshot with the catalog. Runs inside the sync's transaction; reads each table in one or
two queries, diffs in Python and writes with bulk statements, so the cost does not grow with per-row queries."""

from __future__ import annotations

from catalog.connectors.base import Snapshot
from catalog.services.context import SyncContext
from catalog.services.evidence import evidence_reconcile
from catalog.services.observations import models_reconcile
from catalog.services.offerings import offerings_reconcile
from catalog.services.reference import benchmarks_upsert, licenses_upsert, organizations_upsert
from catalog.services.validation import model_record_errors


def snapshot_record_count(snapshot: Snapshot) -> int:
    """Records the snapshot states (what the whole-source anomaly check compares between runs)."""
    return sum(
        len(records)
        for records in (
            snapshot.models, snapshot.offerings, snapshot.organizations, snapshot.licenses, snapshot.lineage,
            snapshot.benchmarks, snapshot.benchmark_results, snapshot.claims,
        )
    )  # fmt: skip


def snapshot_reconcile(ctx: SyncContext, snapshot: Snapshot) -> None:
    for rejection in snapshot.rejected:  # the connector's own: unparseable records, named by the source's ids
        ctx.reject("record", rejection.record, rejection.error)
    models = _accepted_models(ctx, snapshot.models)
    orgs = organizations_upsert(
        ctx, snapshot.organizations,
        publishers={record.publisher for record in models if record.publisher},
        providers={record.provider for record in snapshot.offerings if isinstance(record.provider, str)},
    )  # fmt: skip
    licenses = licenses_upsert(
        ctx, snapshot.licenses, referenced={record.license for record in models if record.license}
    )
    benchmarks = benchmarks_upsert(ctx, snapshot.benchmarks)
    step = models_reconcile(ctx, models, orgs=orgs, licenses=licenses)
    offerings_reconcile(ctx, snapshot.offerings, model_ids=step.by_external_id, orgs=orgs)
    evidence_reconcile(ctx, step, lineage=snapshot.lineage, results=snapshot.benchmark_results,
                       claims=snapshot.claims, benchmarks=benchmarks)  # fmt: skip
    ctx.changes.flush()


def _accepted_models(ctx: SyncContext, records: list) -> list:
    accepted, seen = [], set()
    for position, record in enumerate(records):
        label = getattr(record, "external_id", None) or f"#{position}"
        errors = model_record_errors(record)
        if not errors and record.external_id in seen:
            errors.append("duplicate external_id in the snapshot")
        if errors:
            ctx.reject("model", label, "; ".join(errors))
            continue
        seen.add(record.external_id)
        accepted.append(record)
    return accepted

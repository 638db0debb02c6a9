"""source_sync: refresh the catalog from one source.

The order matters:
1. take the source's advisory lock (catalog.services.locks) or record a *skipped* run and return;
2. mark a run left *running* by a dead worker as failed (its lock was free, so its process is gone);
3. record the *running* run in its own short transaction (visible to others, unique per source);
4. fetch and parse OUTSIDE any transaction: network I/O never holds database locks;
5. refuse a whole snapshot that looks broken (whole-source anomaly), keeping the last good catalog;
6. reconcile in ONE transaction that also marks the run succeeded, so a worker killed mid-way leaves the catalog
   exactly as it was and the run row *running* (cleaned up by step 2 of the next run). A dry run rolls back.
"""

from __future__ import annotations

import logging

import httpx
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.choices import SyncStatus
from catalog.connectors import connector_class
from catalog.connectors.base import ConnectorError, Payload, Snapshot
from catalog.models import Source, SyncRun
from catalog.services.context import SyncContext
from catalog.services.locks import advisory_lock
from catalog.services.reconcile import snapshot_reconcile, snapshot_record_count
from catalog.services.sources import source_ensure
from core.audit import audit_record
from core.exceptions import ApplicationError

logger = logging.getLogger(__name__)
# Bump when the reconcile's rules change: each source then applies its unchanged payload once more.
RECONCILE_VERSION = 1
ANOMALY_RATIO = 0.5  # a snapshot with fewer than half the records of the last good one is refused
UNCHANGED = "payload unchanged since the last good run: nothing to apply"
WORKER_DIED = "worker died: the run was left running with its lock free; nothing it did was committed"


class SourceUnavailableError(ApplicationError):
    """The source could not be fetched for a reason that may pass (network, 429, 5xx): worth retrying."""

    code = "source_unavailable"
    http_status = 503

    def __init__(self, message: str, *, run: SyncRun):
        super().__init__(message, details={"run": run.pk})
        self.run = run


class SnapshotAnomalyError(Exception):
    """The snapshot as a whole looks broken (far fewer records than the last good one)."""


class _DryRunRollback(Exception):
    pass


def source_sync(
    *, source_slug: str, payload: Payload | None = None, dry_run: bool = False, trigger: str = "", force: bool = False
) -> SyncRun:
    """Sync one source; returns its SyncRun (succeeded, failed or skipped). ``payload`` replaces the fetch
    (a local file, the embedded snapshot); ``force`` reconciles even a payload already loaded. Raises
    SourceUnavailableError, after recording the failed run, when a fetch failed transiently."""
    source = source_ensure(slug=source_slug)
    if not source.enabled:
        return _run_skipped(source, dry_run=dry_run, trigger=trigger, reason="the source is disabled")
    with advisory_lock(source.slug) as locked:
        if not locked:
            return _run_skipped(source, dry_run=dry_run, trigger=trigger)
        _runs_abandoned_fail(source)
        run = _run_start(source, dry_run=dry_run, trigger=trigger)
        if run.status == SyncStatus.SKIPPED:
            return run
        return _run(source, run, payload, force=force or dry_run)


def _run(source: Source, run: SyncRun, payload: Payload | None, *, force: bool) -> SyncRun:
    try:
        connector = connector_class(source.connector or source.slug)()
        payload = payload if payload is not None else connector.fetch()
    except Exception as exc:
        _run_fail(run, source, f"fetch failed: {exc}")
        if _is_transient(exc):
            raise SourceUnavailableError(f"{source.slug}: {exc}", run=run) from exc
        return run
    run.origin, run.payload_sha256 = payload.origin[:500], payload.sha256
    if not force and _already_loaded(source, payload):
        return _run_unchanged(run, source)
    try:
        snapshot = connector.parse(payload)
        _anomaly_check(source, snapshot)
    except (ConnectorError, SnapshotAnomalyError) as exc:
        return _run_fail(run, source, str(exc))
    except Exception as exc:
        logger.exception("catalog sync %s: the connector failed to parse %s", source.slug, payload.origin)
        return _run_fail(run, source, f"parse failed: {exc.__class__.__name__}: {exc}")
    return _reconcile(source, run, payload, snapshot)


def _reconcile(source: Source, run: SyncRun, payload: Payload, snapshot: Snapshot) -> SyncRun:
    ctx = SyncContext.start(source=source, run=run, now=timezone.now(), complete=snapshot.complete)
    try:
        with transaction.atomic():
            snapshot_reconcile(ctx, snapshot)
            _run_succeeded(run, ctx)
            if run.dry_run:
                raise _DryRunRollback
            run.save()
            _source_refreshed(source, payload, snapshot, clean=not ctx.catalog_dependent_rejections)
            _audit(source, run)
    except _DryRunRollback:
        run.save()
    except Exception as exc:
        logger.exception("catalog sync %s: reconcile failed, nothing written", source.slug)
        _run_fail(run, source, f"reconcile failed, nothing written: {exc.__class__.__name__}: {exc}")
    return run


# -- run bookkeeping ------------------------------------------------------------------------------------------


def _run_skipped(source: Source, *, dry_run: bool, trigger: str, reason: str = "") -> SyncRun:
    if not reason:
        running = SyncRun.objects.filter(source=source, status=SyncStatus.RUNNING).first()
        since = f" (run {running.pk}, started {running.started_at:%Y-%m-%d %H:%M:%S} UTC)" if running else ""
        reason = f"another sync of {source.slug} is running{since}"
    now = timezone.now()
    return SyncRun.objects.create(
        source=source, status=SyncStatus.SKIPPED, started_at=now, finished_at=now, dry_run=dry_run,
        trigger=trigger, message=f"skipped: {reason}",
    )  # fmt: skip


def _runs_abandoned_fail(source: Source) -> None:
    """We hold the lock, so a run still marked running belongs to a process that died (its session, and with it
    its lock and uncommitted writes, are gone)."""
    SyncRun.objects.filter(source=source, status=SyncStatus.RUNNING).update(
        status=SyncStatus.FAILED, finished_at=timezone.now(), message=WORKER_DIED
    )


def _run_start(source: Source, *, dry_run: bool, trigger: str) -> SyncRun:
    try:
        with transaction.atomic():
            return SyncRun.objects.create(source=source, started_at=timezone.now(), dry_run=dry_run, trigger=trigger)
    except IntegrityError:  # catalog_syncrun_one_running: another run got in first
        return _run_skipped(source, dry_run=dry_run, trigger=trigger)


def _run_succeeded(run: SyncRun, ctx: SyncContext) -> None:
    tally = ctx.tally
    run.status = SyncStatus.SUCCEEDED
    run.finished_at = timezone.now()
    run.created, run.updated, run.unchanged = tally.created, tally.updated, tally.unchanged
    run.retired, run.rejected = tally.retired, tally.rejected
    run.errors = ctx.errors
    run.message = ("dry run, rolled back: " if run.dry_run else "") + tally.summary()


def _run_fail(run: SyncRun, source: Source, message: str) -> SyncRun:
    """Record the failure; the catalog keeps the source's last good data, flagged stale."""
    with transaction.atomic():
        run.status = SyncStatus.FAILED
        run.finished_at = timezone.now()
        run.message = message[:5000]
        run.save()
        if not run.dry_run and not source.is_stale:
            Source.objects.filter(pk=source.pk).update(is_stale=True, updated_at=run.finished_at)
            source.is_stale = True
    return run


def _source_refreshed(source: Source, payload: Payload, snapshot: Snapshot, *, clean: bool) -> None:
    """Record what was read. Written only when it differs, so a run that changed nothing writes only its run row;
    ``last_success_at`` is therefore when this source's current data was first loaded (every run is a SyncRun).

    ``reconcile`` marks the payload as fully applied under today's rules and precedences, which lets the next run
    of the same bytes skip its reconcile (_already_loaded). A run that rejected records because of what the
    catalog lacked (an unknown model, a quarantined price) leaves it blank: the next run tries them again."""
    provenance = {**payload.meta, "origin": payload.origin, "sha256": payload.sha256}
    provenance.update(records=snapshot_record_count(snapshot), reconcile=_reconcile_key() if clean else "")
    if source.snapshot == provenance and not source.is_stale and source.last_success_at:
        return
    now = timezone.now()
    Source.objects.filter(pk=source.pk).update(snapshot=provenance, is_stale=False, last_success_at=now, updated_at=now)
    source.snapshot, source.is_stale, source.last_success_at = provenance, False, now


def _reconcile_key() -> str:
    """What a reconcile's result depends on besides the payload: these rules and every source's precedence."""
    precedences = Source.objects.order_by("slug").values_list("slug", "precedence")
    return f"v{RECONCILE_VERSION};" + ",".join(f"{slug}={precedence}" for slug, precedence in precedences)


def _already_loaded(source: Source, payload: Payload) -> bool:
    """The very bytes the last good run applied, under the same rules and precedences: nothing can change. (NetBox
    skips unchanged data files by hash the same way.) Parsing and diffing 10,000 records would only confirm it."""
    snapshot = source.snapshot or {}
    if source.is_stale or snapshot.get("sha256") != payload.sha256 or not snapshot.get("reconcile"):
        return False
    return snapshot["reconcile"] == _reconcile_key()


def _run_unchanged(run: SyncRun, source: Source) -> SyncRun:
    applied = (
        SyncRun.objects.filter(
            source=source, status=SyncStatus.SUCCEEDED, dry_run=False, payload_sha256=run.payload_sha256
        )
        .exclude(message__startswith=UNCHANGED)
        .first()
    )
    run.status = SyncStatus.SUCCEEDED
    run.finished_at = timezone.now()
    # the objects the run that applied this payload reconciled, all unchanged since
    run.unchanged = (applied.created + applied.updated + applied.unchanged) if applied else 0
    run.message = f"{UNCHANGED} (sha256 {run.payload_sha256[:12]}, applied by run {applied.pk if applied else '?'})"
    run.save()
    return run


def _audit(source: Source, run: SyncRun) -> None:
    """The tamper-evident trail records every run that changed the catalog (the ChangeEvents say what changed).
    A run that changed nothing leaves only its SyncRun row."""
    if run.created or run.updated or run.retired:
        after = {name: getattr(run, name) for name in ("created", "updated", "retired", "rejected")}
        after["run"] = run.pk
        context = {"trigger": run.trigger, "origin": run.origin}
        audit_record(action="catalog.source_sync", target=source, actor_label=f"sync:{source.slug}", after=after,
                     context=context)  # fmt: skip


def _anomaly_check(source: Source, snapshot: Snapshot) -> None:
    previous = (source.snapshot or {}).get("records") or 0
    count = snapshot_record_count(snapshot)
    if previous and count < previous * ANOMALY_RATIO:
        raise SnapshotAnomalyError(
            f"refused: the snapshot has {count} records, the last good one had {previous} (fewer than half); "
            "the catalog keeps the last good data"
        )


def _is_transient(exc: BaseException) -> bool:
    """A network failure, 429 or 5xx anywhere in the exception's chain (connectors wrap httpx's errors)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, httpx.TransportError) or getattr(exc, "transient", False):
            return True
        if type(exc).__name__ == "TransientFetchError":
            return True
        if isinstance(exc, httpx.HTTPStatusError):
            status = exc.response.status_code
            return status == 429 or status >= 500
        exc = exc.__cause__ or exc.__context__
    return False

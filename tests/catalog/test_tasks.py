"""The sync task: configured to lose nothing (acks late, redelivered when its worker dies, time limit below the
broker's visibility timeout), retried with backoff on transient fetch errors only, scheduled once per source;
and through a real worker: a sync completes, and a worker child SIGKILLed mid-reconcile leaves the catalog exactly
as it was, after which the redelivered run completes without duplicating anything."""

from __future__ import annotations

import os
import signal

import pytest
from celery.schedules import crontab
from django.conf import settings

from catalog.choices import ChangeSignal, OfferingStatus, SyncStatus
from catalog.connectors import REGISTRY
from catalog.models import AIModel, ChangeEvent, ModelAlias, Offering, Price, SyncRun
from catalog.services.sync import WORKER_DIED
from catalog.tasks import sync_source
from config.celery_app import app
from tests.catalog.conftest import catalog_state, gpt4o_snapshot, model, offering, price, sync
from tests.catalog.stubs import FILE_STUB, FORBIDDEN_STUB, UNREACHABLE_STUB, snapshot_json, stub_reset
from tests.worker import wait_for


def test_the_task_is_configured_to_survive_a_dead_worker_and_to_end_before_redelivery():
    assert sync_source.acks_late and sync_source.reject_on_worker_lost
    assert sync_source.time_limit < settings.CELERY_BROKER_VISIBILITY_TIMEOUT
    assert sync_source.soft_time_limit < sync_source.time_limit
    # a retry waits at most retry_backoff_max: it must also come back before a redelivery would
    assert sync_source.retry_backoff_max < settings.CELERY_BROKER_VISIBILITY_TIMEOUT
    assert 0 < sync_source.max_retries <= 10 and sync_source.retry_jitter


def test_beat_schedules_every_source_once_daily_and_the_licences_weekly():
    entries = {e["args"][0]: e for e in app.conf.beat_schedule.values() if e["task"] == "catalog.sync_source"}
    assert set(entries) == set(REGISTRY)
    assert entries["licenses"]["schedule"] == crontab(minute=5, hour=2, day_of_week="sun")
    daily = {slug: e["schedule"] for slug, e in entries.items() if slug != "licenses"}
    assert all(s.day_of_week == set(range(7)) and len(s.hour) == 1 and len(s.minute) == 1 for s in daily.values())
    starts = [(min(s.hour), min(s.minute)) for s in daily.values()]
    assert len(set(starts)) == len(starts)  # staggered: no two sources at the same minute


@pytest.mark.django_db
def test_a_transient_fetch_failure_is_retried_a_bounded_number_of_times(make_source):
    source = make_source("flaky", connector=UNREACHABLE_STUB)

    result = sync_source.apply(args=[source.slug])  # eager: retries run at once, the backoff is not waited

    runs = SyncRun.objects.filter(source=source)
    assert runs.count() == sync_source.max_retries + 1
    assert {run.status for run in runs} == {SyncStatus.FAILED}
    assert runs.first().message == "fetch failed: connection refused"
    assert result.failed()


@pytest.mark.django_db
def test_a_permanent_fetch_failure_is_not_retried(make_source):
    source = make_source("forbidden", connector=FORBIDDEN_STUB)

    sync_source.apply(args=[source.slug])

    run = SyncRun.objects.get(source=source)
    assert (run.status, run.message) == (SyncStatus.FAILED, "fetch failed: https://feed.example.com/models: HTTP 403")
    source.refresh_from_db()
    assert source.is_stale


# -- through a real worker ------------------------------------------------------------------------------------


def older_snapshot():
    snapshot = gpt4o_snapshot(input_usd="2.50")
    snapshot.models.append(model("o1", slug="openai/o1"))
    snapshot.offerings.append(offering("o1", "o1", price("input_token", "15")))
    return snapshot


def newer_snapshot():
    snapshot = gpt4o_snapshot(input_usd="2.00")
    snapshot.models.append(model("o3", "o3", "openai/o3", slug="openai/o3"))
    snapshot.offerings.append(offering("o3", "o3", price("input_token", "10"), price("output_token", "40")))
    return snapshot


def assert_newer_catalog_once():
    assert sorted(AIModel.objects.values_list("slug", flat=True)) == ["openai/gpt-4o", "openai/o1", "openai/o3"]
    assert dict(Offering.objects.values_list("external_id", "status")) == {
        "gpt-4o": OfferingStatus.ACTIVE, "o1": OfferingStatus.RETIRED, "o3": OfferingStatus.ACTIVE,
    }  # fmt: skip
    open_prices = list(Price.objects.filter(effective_to__isnull=True).values_list("offering__external_id", "unit"))
    assert len(open_prices) == len(set(open_prices)) == 4  # gpt-4o x2, o3 x2; o1's closed
    assert list(Price.objects.filter(offering__external_id="gpt-4o", unit="input_token")
                .order_by("effective_from").values_list("usd", flat=True)) == [2.5, 2]  # fmt: skip
    assert ChangeEvent.objects.filter(signal=ChangeSignal.MODEL_ADDED).count() == 3
    assert ChangeEvent.objects.filter(signal=ChangeSignal.PRICE_DOWN).count() == 1
    assert ModelAlias.objects.filter(name="o3").count() == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_sync_to_completion(celery_worker_process, make_source):
    directory = stub_reset()
    source = make_source("feed-w", connector=FILE_STUB)
    sync(source, older_snapshot())
    (directory / "payload.json").write_bytes(snapshot_json(newer_snapshot()))

    sync_source.delay(source.slug, trigger="worker")

    run = wait_for(lambda: SyncRun.objects.filter(source=source, trigger="worker").exclude(status="running").first(),
                   timeout=60, message="the worker's sync run")  # fmt: skip
    assert run.status == SyncStatus.SUCCEEDED, run.message
    assert_newer_catalog_once()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_sync_leaves_the_catalog_as_it_was_and_the_redelivery_completes(
    celery_worker_process, make_source
):
    directory = stub_reset()
    source = make_source("feed-k", connector=FILE_STUB)
    sync(source, older_snapshot())
    before = catalog_state()
    (directory / "payload.json").write_bytes(snapshot_json(newer_snapshot()))
    (directory / "slow-once").touch()  # the first run sleeps inside its transaction, after writing models & prices
    (directory / "hold").touch()  # the redelivered run waits in fetch for "go"

    sync_source.delay(source.slug, trigger="worker")
    pid = int(wait_for(lambda: _read(directory / "in-transaction"), timeout=60, message="the sync's transaction"))
    assert _uncommitted_writers() >= 1  # the killed run really had written rows
    os.kill(pid, signal.SIGKILL)

    dead = wait_for(lambda: SyncRun.objects.filter(source=source, message=WORKER_DIED).first(), timeout=90,
                    message="redelivery marking the dead run failed")  # fmt: skip
    assert dead.status == SyncStatus.FAILED and dead.trigger == "worker"
    assert catalog_state() == before  # nothing of the killed run was committed
    assert not ChangeEvent.objects.filter(run=dead).exists()

    (directory / "go").touch()
    redelivered = wait_for(
        lambda: SyncRun.objects.filter(source=source, trigger="worker", status=SyncStatus.SUCCEEDED).first(),
        timeout=60, message="the redelivered run",
    )  # fmt: skip
    assert redelivered.pk != dead.pk
    assert_newer_catalog_once()
    assert SyncRun.objects.filter(source=source, status=SyncStatus.RUNNING).count() == 0


def _read(path):
    return path.read_text() if path.exists() else None


def _uncommitted_writers() -> int:
    """Sessions of this database in an open transaction that has written (it has a transaction id)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND backend_xid IS NOT NULL "
            "AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]

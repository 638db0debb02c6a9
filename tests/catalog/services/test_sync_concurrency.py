"""One sync per source at a time: a second run while one holds the source is recorded as skipped; racing runs
never duplicate a row; a run left 'running' by a dead worker does not block the next one; a dry run writes
nothing. Threads here use their own database connections, so these tests commit (transaction=True)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from catalog.choices import SyncStatus
from catalog.models import AIModel, ChangeEvent, ModelAlias, Offering, Price, SyncRun
from catalog.services.locks import is_locked_elsewhere
from catalog.services.sync import WORKER_DIED
from tests.catalog.conftest import gpt4o_snapshot, sync
from tests.catalog.stubs import BLOCKING_STUB, BlockingStubConnector
from tests.factories.catalog import SyncRunFactory

pytestmark = pytest.mark.django_db(transaction=True)


def in_thread(target, results: list) -> threading.Thread:
    def run():
        try:
            results.append(target())
        finally:
            connections.close_all()  # this thread's connection, and with it any session lock

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_second_sync_while_one_runs_is_skipped_and_says_why(make_source):
    source = make_source("feed-a", connector=BLOCKING_STUB)
    BlockingStubConnector.entered.clear()
    BlockingStubConnector.gate.clear()
    results: list = []
    first = in_thread(lambda: sync(source, gpt4o_snapshot()), results)
    try:
        assert BlockingStubConnector.entered.wait(30), "the first sync never started"
        assert is_locked_elsewhere(source.slug)

        second = sync(source, gpt4o_snapshot())
    finally:
        BlockingStubConnector.gate.set()
        first.join(60)

    assert second.status == SyncStatus.SKIPPED
    running = results[0]
    assert second.message == (
        f"skipped: another sync of feed-a is running (run {running.pk}, started "
        f"{running.started_at:%Y-%m-%d %H:%M:%S} UTC)"
    )
    assert running.status == SyncStatus.SUCCEEDED
    assert (AIModel.objects.count(), Offering.objects.count(), Price.objects.count()) == (1, 1, 2)
    assert not is_locked_elsewhere(source.slug)


def test_racing_syncs_of_one_source_never_duplicate_anything(make_source):
    source = make_source("feed-a")
    results: list = []
    start = threading.Barrier(4)

    def racer():
        start.wait(10)
        return sync(source, gpt4o_snapshot())

    threads = [in_thread(racer, results) for _ in range(4)]
    for thread in threads:
        thread.join(60)

    statuses = sorted(run.status for run in results)
    assert len(results) == 4 and set(statuses) <= {SyncStatus.SUCCEEDED, SyncStatus.SKIPPED}
    assert statuses.count(SyncStatus.SUCCEEDED) >= 1
    assert (
        sum(run.created for run in results if run.status == SyncStatus.SUCCEEDED) == 3
    )  # organization, model, offering
    assert (AIModel.objects.count(), Offering.objects.count(), Price.objects.count()) == (1, 1, 2)
    assert sorted(ModelAlias.objects.values_list("name", flat=True)) == ["gpt-4o", "openai/gpt-4o"]
    assert ChangeEvent.objects.filter(signal="model_added").count() == 1


def test_a_run_left_running_by_a_dead_worker_is_failed_and_does_not_block(make_source):
    source = make_source("feed-a")
    abandoned = SyncRunFactory(source=source, status=SyncStatus.RUNNING, finished_at=None,
                               started_at=timezone.now() - timezone.timedelta(hours=2))  # fmt: skip

    run = sync(source, gpt4o_snapshot())

    abandoned.refresh_from_db()
    assert (abandoned.status, abandoned.message) == (SyncStatus.FAILED, WORKER_DIED)
    assert abandoned.finished_at is not None
    assert run.status == SyncStatus.SUCCEEDED
    assert AIModel.objects.count() == 1


def test_the_database_refuses_a_second_running_row_for_a_source(make_source):
    from django.db import IntegrityError, transaction

    source = make_source("feed-a")
    SyncRunFactory(source=source, status=SyncStatus.RUNNING, finished_at=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        SyncRunFactory(source=source, status=SyncStatus.RUNNING, finished_at=None)


def test_a_dry_run_reports_what_it_would_do_and_writes_nothing_but_its_run(make_source):
    source = make_source("feed-a")

    run = sync(source, gpt4o_snapshot(), dry_run=True)

    assert (run.status, run.dry_run) == (SyncStatus.SUCCEEDED, True)
    assert run.created == 3 and run.message.startswith("dry run, rolled back: ")
    assert (AIModel.objects.count(), Offering.objects.count(), Price.objects.count()) == (0, 0, 0)
    assert ChangeEvent.objects.count() == 0
    assert list(SyncRun.objects.values_list("status", "dry_run")) == [(SyncStatus.SUCCEEDED, True)]
    source.refresh_from_db()
    assert source.snapshot == {} and source.last_success_at is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM catalog_fieldobservation")
        assert cursor.fetchone()[0] == 0


def test_a_disabled_source_is_not_synced(make_source):
    source = make_source("feed-a")
    source.enabled = False
    source.save()

    run = sync(source, gpt4o_snapshot())

    assert (run.status, run.message) == (SyncStatus.SKIPPED, "skipped: the source is disabled")
    assert not AIModel.objects.exists()

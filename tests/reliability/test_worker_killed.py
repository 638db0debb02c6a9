"""The whole worker is SIGKILLed mid-sync (the machine lost power, the OOM killer took the main process, a
``kill -9`` of the container): main process and pool children at once, so nothing acks, rejects or cleans up.

tests/catalog/test_tasks.py covers the child-kill case (the main process sees its child die and requeues at once,
``task_reject_on_worker_lost``). When the whole worker dies nobody requeues: the message stays unacknowledged in
Redis until a worker's sweep finds it older than the broker's visibility timeout. Here the worker runs with a
20 s visibility timeout and sweeps every second (tests/reliability/settings.py), so a new worker redelivers within
the test's bound. With the defaults (3600 s, sweeps every ~100 s) the same redelivery comes after about an hour;
see tests/reliability/README.md.

The final catalog must equal the one a clean run produces (same models, offerings, prices, aliases, change
events), with nothing duplicated and the dead run recorded as failed.
"""

from __future__ import annotations

import psutil
import pytest
from django.conf import settings
from django.core.management import call_command

from catalog.choices import SyncStatus
from catalog.models import (
    AIModel,
    ChangeEvent,
    FieldObservation,
    ModelAlias,
    Offering,
    Organization,
    Price,
    Source,
    SyncRun,
)
from catalog.services.sync import WORKER_DIED
from catalog.tasks import sync_source
from tests.catalog.conftest import gpt4o_snapshot, model, offering, price, sync
from tests.catalog.stubs import FILE_STUB, snapshot_json, stub_reset
from tests.factories.catalog import SourceFactory
from tests.reliability.processes import publishing_to, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SOURCE = "feed-power-cut"
VISIBILITY_TIMEOUT = 20  # seconds; the sync task's time limit follows it (80 %), so the redelivered run fits


def older_snapshot():
    snapshot = gpt4o_snapshot(input_usd="2.50")
    snapshot.models.append(model("o1", slug="openai/o1"))
    snapshot.offerings.append(offering("o1", "o1", price("input_token", "15")))
    return snapshot


def newer_snapshot():
    """gpt-4o cheaper, o1 gone, o3 new: creates, updates, retirements and price history in one reconcile."""
    snapshot = gpt4o_snapshot(input_usd="2.00")
    snapshot.models.append(model("o3", "o3", "openai/o3", slug="openai/o3"))
    snapshot.offerings.append(offering("o3", "o3", price("input_token", "10"), price("output_token", "40")))
    return snapshot


def catalog_picture() -> dict:
    """Everything the syncs wrote, without ids and timestamps, so two databases can be compared."""
    return {
        "models": sorted(AIModel.objects.values_list("slug", "context_window")),
        "offerings": sorted(Offering.objects.values_list("external_id", "status")),
        "prices": sorted(
            (external_id, unit, usd, effective_to is None)
            for external_id, unit, usd, effective_to in Price.objects.values_list(
                "offering__external_id", "unit", "usd", "effective_to"
            )
        ),
        "aliases": sorted(ModelAlias.objects.values_list("name", "model__slug")),
        "organizations": sorted(Organization.objects.values_list("slug", flat=True)),
        "observations": sorted(FieldObservation.objects.values_list("model__slug", "field")),
        "changes": sorted(
            (signal, kind, object_type, field, repr(old), repr(new))
            for signal, kind, object_type, field, old, new in ChangeEvent.objects.values_list(
                "signal", "kind", "object_type", "field", "old_value", "new_value"
            )
        ),
    }


def test_a_whole_worker_killed_mid_sync_is_redelivered_and_ends_as_a_clean_run(
    private_redis, test_database_url, celery_processes
):
    directory = stub_reset()
    SourceFactory(slug=SOURCE, connector=FILE_STUB)
    sync(_source(), older_snapshot())
    before = catalog_picture()
    (directory / "payload.json").write_bytes(snapshot_json(newer_snapshot()))
    (directory / "slow-once").touch()  # the first run sleeps inside its reconcile transaction, after real writes

    def worker(name):
        return celery_processes("worker", name=name, database_url=test_database_url, broker_url=private_redis.url,
                                queue=settings.CELERY_TASK_DEFAULT_QUEUE, RELIABILITY_REDIS_RESTORE_INTERVAL=1,
                                CELERY_BROKER_VISIBILITY_TIMEOUT=VISIBILITY_TIMEOUT)  # fmt: skip

    first = worker("power-cut-1")
    with publishing_to(private_redis.url):
        sync_source.delay(SOURCE, trigger="worker")
    child = int(wait_until(lambda: _read(directory / "in-transaction"), timeout=60, message="the sync's transaction"))
    first.kill_group()

    assert not _alive(child), "the pool child survived its worker"
    assert catalog_picture() == before  # nothing of the killed run was committed
    dead = SyncRun.objects.get(source__slug=SOURCE, trigger="worker")
    assert dead.status == SyncStatus.RUNNING  # nobody was left to say otherwise

    worker("power-cut-2")
    done = wait_until(
        lambda: SyncRun.objects.filter(source__slug=SOURCE, trigger="worker", status=SyncStatus.SUCCEEDED).first(),
        timeout=VISIBILITY_TIMEOUT + 60, message="the redelivered run to succeed",
    )  # fmt: skip
    dead.refresh_from_db()
    assert (dead.status, dead.message) == (SyncStatus.FAILED, WORKER_DIED)
    assert done.pk != dead.pk
    assert not SyncRun.objects.filter(status=SyncStatus.RUNNING).exists()
    after_redelivery = catalog_picture()

    # The reference: the same two snapshots synced cleanly, in this process, on an emptied database.
    call_command("flush", interactive=False, verbosity=0)
    SourceFactory(slug=SOURCE, connector=FILE_STUB)
    sync(_source(), older_snapshot())
    sync(_source(), newer_snapshot())
    assert after_redelivery == catalog_picture()


def _source() -> Source:
    return Source.objects.get(slug=SOURCE)


def _read(path):
    return path.read_text() if path.exists() else None


def _alive(pid: int) -> bool:
    """Running, not a zombie: the orphaned child is reaped by whoever adopted it, maybe later."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False

"""Two ``celery beat`` processes run at once on the same database scheduler (a deploy that started a second one by
mistake, or a standby that never stood by): what does a periodic job guarded by its database lock do?

The job is the catalog sync of a stub source, scheduled every 2 s for the test (the real schedule is daily), run by
a real worker; every run is recorded as a SyncRun. Only the beat holding the scheduler's PostgreSQL advisory lock
sends (core/beat.py), so the job runs once per interval; the source's own advisory lock would still keep two copies
from overlapping, and the write-free resync keeps the catalog one clean copy, changed once.

Both tests read one observation of ~12 s, made once for the module.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import time
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django_celery_beat.models import IntervalSchedule, PeriodicTask, PeriodicTasks
from django_celery_beat.schedulers import ModelEntry

from catalog.choices import SyncStatus
from catalog.models import AIModel, Offering, Price, SyncRun
from config.celery_app import app
from core.models import AuditEvent
from tests.catalog.conftest import gpt4o_snapshot
from tests.catalog.stubs import FILE_STUB, snapshot_json, stub_reset
from tests.factories.catalog import SourceFactory
from tests.reliability.processes import CeleryProcess, RedisServer, wait_until
from tests.worker import database_url_for

# Transactional: the observation commits for the worker to see, and each test's flush clears it afterwards.
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SOURCE = "two-beats"
TRIGGER = "two-beats-test"
INTERVAL = 2  # seconds
OBSERVED_INTERVALS = 6


@dataclass
class Observation:
    runs: list[dict]  # this source's SyncRuns started within the observed window, in start order
    intervals: int
    catalog: dict
    audit_events: int
    beats_alive: bool
    sends: list[int]  # per beat: how many copies of the job it sent (its log's "Sending due task" lines)


def schedule_only_the_test_job() -> None:
    """Write the schedule declared in code as beat would, but disabled, so only the test's job runs (and no daily
    catalog sync fires should the test run at 02:00 UTC). Beat keeps a row's ``enabled`` when it updates it."""
    for name, entry in app.conf.beat_schedule.items():
        ModelEntry.from_entry(name, app=app, **entry)
    PeriodicTask.objects.update(enabled=False)
    every = IntervalSchedule.objects.create(every=INTERVAL, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name="reliability.two-beats", interval=every, task="catalog.sync_source",
                                args=json.dumps([SOURCE]), kwargs=json.dumps({"trigger": TRIGGER}))  # fmt: skip
    PeriodicTasks.update_changed()


def observe(broker_url: str, database_url: str) -> Observation:
    common = {"database_url": database_url, "broker_url": broker_url, "queue": settings.CELERY_TASK_DEFAULT_QUEUE}
    # The worker first: copies sent before it is ready would pile up and run back to back, whatever the beats do.
    worker = CeleryProcess("worker", name="two-beats-worker", **common).start()
    beats = [CeleryProcess("beat", name=f"beat-{n}", **common).launch() for n in ("a", "b")]
    try:
        for beat in beats:
            beat.wait_ready()
        first = wait_until(lambda: SyncRun.objects.filter(trigger=TRIGGER).order_by("started_at").first(),
                           timeout=60, message="the first scheduled run")  # fmt: skip
        time.sleep(INTERVAL * OBSERVED_INTERVALS)
        beats_alive = all(beat.alive() for beat in beats)
        for beat in beats:
            beat.stop()
        sends = [beat.log().count("Sending due task reliability.two-beats") for beat in beats]
        wait_until(lambda: not SyncRun.objects.filter(status=SyncStatus.RUNNING).exists(), timeout=60,
                   message="the last run to finish")  # fmt: skip
    finally:
        for process in (*beats, worker):
            process.stop()
    window_end = first.started_at + dt.timedelta(seconds=INTERVAL * OBSERVED_INTERVALS)
    runs = SyncRun.objects.filter(trigger=TRIGGER, started_at__lt=window_end).order_by("started_at")
    return Observation(
        runs=list(runs.values("status", "started_at", "finished_at", "created", "updated", "retired", "message")),
        intervals=OBSERVED_INTERVALS,
        catalog={
            "models": sorted(AIModel.objects.values_list("slug", flat=True)),
            "offerings": sorted(Offering.objects.values_list("external_id", flat=True)),
            "open_prices": sorted(Price.objects.filter(effective_to__isnull=True).values_list("unit", "usd")),
        },
        audit_events=AuditEvent.objects.filter(action="catalog.source_sync").count(),
        beats_alive=beats_alive,
        sends=sends,
    )


@pytest.fixture(scope="module")
def two_beats(django_db_setup, django_db_blocker, tmp_path_factory):
    if RedisServer.binary is None:
        pytest.skip("redis-server is not installed: the two beats get a private broker")
    redis = RedisServer(tmp_path_factory.mktemp("two-beats-redis")).start()
    try:
        with django_db_blocker.unblock():
            (stub_reset() / "payload.json").write_bytes(snapshot_json(gpt4o_snapshot()))
            SourceFactory(slug=SOURCE, connector=FILE_STUB)
            schedule_only_the_test_job()
            observation = observe(redis.url, database_url_for(connection.settings_dict))
    finally:
        redis.stop()
    yield observation


def fetching(runs: list[dict]) -> list[dict]:
    """The runs that read the source (a skipped run found the lock taken and read nothing)."""
    return [run for run in runs if run["status"] != SyncStatus.SKIPPED]


def test_two_beats_never_run_the_job_at_once_and_the_catalog_changes_once(two_beats):
    assert two_beats.beats_alive  # both really ran the whole time
    assert {run["status"] for run in two_beats.runs} <= {SyncStatus.SUCCEEDED, SyncStatus.SKIPPED}
    fetched = fetching(two_beats.runs)
    for earlier, later in itertools.pairwise(fetched):
        assert earlier["finished_at"] <= later["started_at"], "two runs of one source overlapped"
    # The job still runs every interval...
    assert len(fetched) >= two_beats.intervals - 1
    # ...but changed the catalog once: the first run loaded it, every later one found the payload unchanged.
    assert [bool(r["created"] or r["updated"] or r["retired"]) for r in fetched] == [True] + [False] * (
        len(fetched) - 1
    )
    assert two_beats.audit_events == 1
    assert two_beats.catalog == {
        "models": ["openai/gpt-4o"],
        "offerings": ["gpt-4o"],
        "open_prices": [("input_token", Decimal("2.50")), ("output_token", Decimal("10"))],
    }


def test_two_beats_still_run_a_job_once_per_interval(two_beats):
    # One beat leads and sends every interval; the other stands by and sends nothing.
    assert sorted(two_beats.sends)[0] == 0
    assert sorted(two_beats.sends)[1] >= two_beats.intervals
    # Every copy sent becomes one SyncRun: a fetch, or a skip when it overlapped another. One copy more than the
    # intervals may come at the start: the standby's startup writes the schedule, and django-celery-beat's leader,
    # re-reading a changed schedule, can send a just-sent entry again (seen once in CI: two sends 18 ms apart). The
    # source's lock makes that copy a skip or an unchanged run (the test above); two beats both sending would be
    # about twice the intervals.
    assert len(two_beats.runs) <= two_beats.intervals + 2

"""The worker and beat really run: beat copies the schedule declared in code into the database (editable in the
admin), and a real worker executes the heartbeat that /readyz reports."""

import subprocess
import sys

import pytest
from django_celery_beat.models import PeriodicTask

from core.models import Heartbeat
from core.tasks import heartbeat
from tests.worker import ROOT, stop_process, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.worker
def test_a_real_worker_runs_the_heartbeat_and_readyz_reports_it(celery_worker_process, client):
    heartbeat.delay()
    row = wait_for(lambda: Heartbeat.objects.filter(component="worker").first(), message="heartbeat row")
    assert row.hostname
    body = client.get("/readyz").json()
    assert body["background"]["worker_and_beat"]["ok"] is True


@pytest.mark.worker
def test_beat_installs_the_schedule_declared_in_code_into_the_database(celery_worker_process):
    env = dict(celery_worker_process.env)
    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel=INFO", "--pidfile="],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        task = wait_for(lambda: PeriodicTask.objects.filter(name="core.heartbeat").first(), message="schedule row")
    finally:
        stop_process(beat, grace=30)
    assert task.task == "core.heartbeat"
    assert task.interval.every == 30
    assert task.enabled

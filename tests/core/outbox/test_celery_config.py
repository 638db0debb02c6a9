"""Celery settings that protect the outbox's guarantees."""

from django.conf import settings

from config.celery_app import app


def registered_tasks() -> dict:
    app.loader.import_default_modules()  # what a worker does at start: autodiscover every app's tasks
    return {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}


def test_every_task_finishes_before_the_broker_would_redeliver_it():
    # Redis redelivers an unacknowledged task after the visibility timeout: a task still running then would run
    # twice at once.
    tasks = registered_tasks()
    assert "core.outbox_relay" in tasks
    for name, task in tasks.items():
        limit = task.time_limit or app.conf.task_time_limit
        assert limit, f"{name} has no time limit"
        assert limit < settings.CELERY_BROKER_VISIBILITY_TIMEOUT, f"{name}: {limit}s"


def test_the_relay_task_stops_before_its_lease_runs_out():
    # Otherwise a second relay could claim the same messages while the first still delivers them.
    from core.outbox.relay import LEASE

    relay = registered_tasks()["core.outbox_relay"]
    assert relay.soft_time_limit < relay.time_limit < LEASE.total_seconds()


def test_beat_runs_the_relay_every_ten_seconds_as_the_safety_net():
    entry = app.conf.beat_schedule["core.outbox_relay"]
    assert (entry["task"], entry["schedule"]) == ("core.outbox_relay", 10.0)

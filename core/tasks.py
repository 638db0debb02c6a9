"""Kernel tasks."""

from celery import shared_task

from core.services import heartbeat_record


@shared_task(name="core.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Scheduled by beat and run by a worker: its row in core_heartbeat proves both are alive."""
    heartbeat_record(component="worker")

"""Kernel tasks."""

from celery import shared_task

from core.outbox import outbox_purge_delivered, outbox_relay
from core.outbox.relay import LEASE
from core.services import heartbeat_record

# Hard limit a minute under the lease; the soft limit lets a slow handler fail (and be retried) cleanly first.
RELAY_TIME_LIMIT = int(LEASE.total_seconds()) - 60
RELAY_SOFT = RELAY_TIME_LIMIT - 30


@shared_task(name="core.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Scheduled by beat and run by a worker: its row in core_heartbeat proves both are alive."""
    heartbeat_record(component="worker")


@shared_task(name="core.outbox_relay", ignore_result=True, time_limit=RELAY_TIME_LIMIT, soft_time_limit=RELAY_SOFT)
def outbox_relay_task(batch_size: int = 100) -> None:
    """Kicked after each commit that enqueued a message, and run by beat every 10 s as the safety net.

    Needs no lock of its own: concurrent relays claim disjoint messages (SKIP LOCKED). Its time limit is below the
    relay's lease, so a message claimed by a killed run is never delivered by two relays at once. Each run also
    purges a bounded number of long-delivered messages, so the table stays small without a schedule of its own."""
    outbox_relay(batch_size=batch_size)
    outbox_purge_delivered()

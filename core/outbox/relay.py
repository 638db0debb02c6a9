"""The relay: deliver due messages to their handlers, at least once, with bounded retries.

A batch is *claimed* in one short transaction (``SELECT ... FOR UPDATE SKIP LOCKED``, then its ``available_at`` is
pushed one lease ahead and its attempt counted), and each message is then delivered outside any transaction.
Concurrent relays therefore never pick the same message: a row being claimed is skipped, a claimed row is not due.
Handlers run outside a transaction on purpose: they may call services that open their own (durable) transaction,
or a remote API, and no row lock is held meanwhile. A relay that dies mid-batch leaves its messages to be
claimed again when the lease runs out; counting the attempt at claim time means even a message that kills the
worker every time ends up failed instead of looping forever.
"""

from __future__ import annotations

import datetime
import logging
import random
import traceback

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core import request_context
from core.models import OutboxMessage
from core.outbox.registry import handler_for

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
# A claimed message is not offered to another relay before this; the relay task's time limit is shorter.
LEASE = datetime.timedelta(minutes=5)
BACKOFF_BASE_SECONDS = 10
BACKOFF_CAP_SECONDS = 3600
# A message nobody handles is looked at again this often; it is not an attempt (the handler may just not be
# deployed yet) so it waits, visible, and never fails.
UNHANDLED_RECHECK = datetime.timedelta(minutes=1)
# Delivered messages are kept this long for inspection in the admin, then purged by the relay task.
DELIVERED_RETENTION = datetime.timedelta(days=14)
Status = OutboxMessage.Status


def outbox_relay(*, batch_size: int = 100) -> int:
    """Deliver up to ``batch_size`` due messages; returns how many were delivered."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    messages, lease_until = _claim(batch_size)
    delivered = 0
    for message in messages:
        if timezone.now() >= lease_until:
            # Our lease ran out: another relay may have claimed the rest by now. They are due again; leave them.
            break
        delivered += _deliver(message)
    return delivered


def backoff(attempts: int) -> datetime.timedelta:
    """Exponential, capped, with "equal jitter": at least half the delay, so retries spread but always wait."""
    delay = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0))
    return datetime.timedelta(seconds=delay / 2 + random.uniform(0, delay / 2))  # noqa: S311 (jitter, not a secret)


def _claim(batch_size: int) -> tuple[list[OutboxMessage], datetime.datetime]:
    now = timezone.now()
    lease_until = now + LEASE
    with transaction.atomic():
        due = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(status=Status.PENDING, available_at__lte=now)
            .order_by("available_at", "id")
            .values_list("id", flat=True)[:batch_size]
        )
        ids = list(due)
        OutboxMessage.objects.filter(id__in=ids).update(available_at=lease_until, attempts=F("attempts") + 1)
    return list(OutboxMessage.objects.filter(id__in=ids).order_by("id")), lease_until


def _deliver(message: OutboxMessage) -> int:
    if message.attempts > MAX_ATTEMPTS:
        _give_up(message, f"claimed {message.attempts} times without an outcome (the relay died each time)")
        return 0
    handler = handler_for(message.topic)
    if handler is None:
        _postpone_unhandled(message)
        return 0
    token = request_context.request_id.set(message.request_id or f"outbox:{message.pk}")
    try:
        handler(message)
    except Exception as exc:
        _record_failure(message, exc)
        return 0
    finally:
        request_context.request_id.reset(token)
    _update(message, status=Status.DELIVERED, delivered_at=timezone.now(), last_error="")
    return 1


def _record_failure(message: OutboxMessage, exc: Exception) -> None:
    error = "".join(traceback.format_exception(exc, limit=-5))[-4000:]
    if message.attempts >= MAX_ATTEMPTS:
        _give_up(message, error)
        return
    retry_at = timezone.now() + backoff(message.attempts)
    logger.warning("outbox: %s [%s] attempt %d failed, retry at %s: %r", message.topic, message.key,
                   message.attempts, retry_at.isoformat(), exc)  # fmt: skip
    _update(message, available_at=retry_at, last_error=error)


def _give_up(message: OutboxMessage, error: str) -> None:
    logger.error("outbox: %s [%s] failed after %d attempts, giving up", message.topic, message.key, message.attempts)
    _update(message, status=Status.FAILED, last_error=error)


def _postpone_unhandled(message: OutboxMessage) -> None:
    logger.warning("outbox: no handler registered for topic %r; message %s stays pending", message.topic, message.key)
    _update(
        message,
        attempts=F("attempts") - 1,
        available_at=timezone.now() + UNHANDLED_RECHECK,
        last_error=f"no handler registered for topic {message.topic!r}; the message waits until one is deployed",
    )


def _update(message: OutboxMessage, **fields) -> None:
    # Only while still pending: an operator's action in between must not be overwritten with a stale outcome.
    OutboxMessage.objects.filter(pk=message.pk, status=Status.PENDING).update(**fields)


def outbox_purge_delivered(*, older_than: datetime.timedelta = DELIVERED_RETENTION, limit: int = 1000) -> int:
    """Delete up to ``limit`` messages delivered more than ``older_than`` ago; returns how many.

    Delivered rows have done their job (what they caused is in the audit trail and the receivers); keeping them
    forever only slows the admin. Pending and failed ones are never purged: they still need someone.
    """
    cutoff = timezone.now() - older_than
    ids = OutboxMessage.objects.filter(status=Status.DELIVERED, delivered_at__lt=cutoff).order_by("id")
    deleted, _ = OutboxMessage.objects.filter(id__in=list(ids.values_list("id", flat=True)[:limit])).delete()
    return deleted

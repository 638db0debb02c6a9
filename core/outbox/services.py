"""Writing outbox messages."""

from __future__ import annotations

import logging
import re

from django.db import transaction
from django.utils import timezone

from core import request_context
from core.audit import audit_record
from core.audit.snapshot import json_safe
from core.models import OutboxMessage

logger = logging.getLogger(__name__)

TOPIC_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,199}$")


class OutboxError(Exception):
    """outbox_enqueue was called wrongly (outside a transaction, bad topic, key or payload)."""


def outbox_enqueue(*, topic: str, payload: dict, key: str) -> OutboxMessage:
    """Record that this transaction's change must cause ``topic`` to be delivered with ``payload``.

    The row commits or rolls back with the change. ``key`` is the idempotency key: enqueueing a key that exists
    returns the existing message unchanged. After commit the relay is kicked; if that fails, beat's periodic relay
    delivers the message instead.
    """
    if not transaction.get_connection().in_atomic_block:
        raise OutboxError("outbox_enqueue must run inside transaction.atomic(), in the transaction of the change")
    payload = _validated_payload(topic, payload, key)
    message, created = OutboxMessage.objects.get_or_create(
        key=key, defaults={"topic": topic, "payload": payload, "request_id": _request_id()}
    )
    if created:
        kick_relay_on_commit()
    elif message.topic != topic:
        logger.warning(
            "outbox: key %r was already used for topic %r, not %r; kept the first", key, message.topic, topic
        )
    return message


def outbox_retry_now(*, message_ids, actor) -> int:
    """Make undelivered messages due now (an operator's "retry now"), including ones the relay gave up on.

    Their attempts start again from zero (the operator has presumably fixed the cause); the old count stays in
    the audit event written for each message.
    """
    with transaction.atomic():
        messages = list(
            OutboxMessage.objects.select_for_update()
            .filter(pk__in=message_ids)
            .exclude(status=OutboxMessage.Status.DELIVERED)
        )
        for message in messages:
            before = {"status": message.status, "available_at": message.available_at, "attempts": message.attempts}
            message.status = OutboxMessage.Status.PENDING
            message.available_at = timezone.now()
            message.attempts = 0
            message.save(update_fields=["status", "available_at", "attempts"])
            after = {"status": message.status, "available_at": message.available_at, "attempts": message.attempts}
            audit_record(action="outbox_message.retry", target=message, actor=actor, before=before, after=after)
        if messages:
            kick_relay_on_commit()
    return len(messages)


def kick_relay_on_commit() -> None:
    """Ask a worker to run the relay once this transaction commits; once per transaction, however many messages."""
    connection = transaction.get_connection()
    if any(callback is _kick_relay for _, callback, _ in connection.run_on_commit):
        return
    transaction.on_commit(_kick_relay)


def _kick_relay() -> None:
    # Imported here: core.tasks imports this module.
    from core.tasks import outbox_relay_task

    try:
        # One quick connection attempt and no publish retries: the kick only shortens the wait, and beat's periodic
        # relay is the guarantee. kombu's default failover would retry connecting for seconds inside the request.
        with outbox_relay_task.app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
            outbox_relay_task.apply_async(retry=False, connection=connection)
    except Exception:
        logger.warning(
            "outbox: could not kick the relay (broker unreachable?); beat's relay will deliver", exc_info=True
        )


def _validated_payload(topic, payload, key) -> dict:
    if not isinstance(topic, str) or not TOPIC_PATTERN.match(topic):
        raise OutboxError(f"topic must be lowercase words separated by dots, like 'catalog.price.changed': {topic!r}")
    if not isinstance(key, str) or not key or len(key) > 255:
        raise OutboxError(f"key must be a non-empty string of at most 255 characters: {key!r}")
    if not isinstance(payload, dict):
        raise OutboxError(f"payload must be a dict, not {type(payload).__name__}")
    try:
        return json_safe(payload)
    except ValueError as exc:
        raise OutboxError(f"payload of {topic!r}: {exc}") from exc


def _request_id() -> str:
    rid = request_context.request_id.get()
    return "" if rid in (None, "-") else rid[:128]

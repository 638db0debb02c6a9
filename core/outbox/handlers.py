"""Core's own topics."""

from __future__ import annotations

from core.outbox.registry import register_handler

HEARTBEAT_TOPIC = "core.heartbeat"


def record_heartbeat(message) -> None:
    """Proves the whole outbox path works (enqueue, commit, relay, handler): the component's heartbeat row is
    stamped by whichever process delivered it. An upsert, so a duplicate delivery changes nothing."""
    from core.services import heartbeat_record

    heartbeat_record(component=message.payload["component"])


register_handler(HEARTBEAT_TOPIC, record_heartbeat)

"""The transactional outbox: follow-up work written in the transaction of the change that causes it, then
delivered by a relay at least once, so a broker outage at commit time loses nothing.

    with transaction.atomic():
        entitlement.revoke()
        outbox_enqueue(topic="governance.entitlement.revoked", payload={"id": entitlement.pk},
                       key=f"entitlement-revoked:{entitlement.pk}:{entitlement.version}")

    register_handler("governance.entitlement.", invalidate_decision_cache)   # in an AppConfig.ready()
"""

from core.outbox import handlers as _builtin_handlers  # noqa: F401  (registers core's own topics)
from core.outbox.registry import handler_for, register_handler
from core.outbox.relay import MAX_ATTEMPTS, outbox_purge_delivered, outbox_relay
from core.outbox.services import OutboxError, outbox_enqueue, outbox_retry_now

__all__ = [
    "MAX_ATTEMPTS",
    "OutboxError",
    "handler_for",
    "outbox_enqueue",
    "outbox_purge_delivered",
    "outbox_relay",
    "outbox_retry_now",
    "register_handler",
]

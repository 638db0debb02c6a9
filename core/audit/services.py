"""Writing audit events."""

from __future__ import annotations

from django.db import models, transaction
from django.utils import timezone

from core import request_context
from core.audit.chain import event_hash, normalized_ip
from core.audit.snapshot import json_safe
from core.models import AuditEvent

# Key of the PostgreSQL advisory lock that serialises writers of the chain ("audit" in ASCII, as a bigint).
CHAIN_LOCK_KEY = 0x6175646974


class AuditError(Exception):
    """audit_record was called wrongly (outside a transaction, without a target or without an actor)."""


def audit_record(
    *,
    action: str,
    target,
    before: dict | None = None,
    after: dict | None = None,
    actor=None,
    actor_label: str = "",
    context: dict | None = None,
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction: it commits or rolls back with the change.

    Call it last in the transaction. It takes the chain's lock, which is held until commit, so from here on every
    other audited write waits for this transaction to finish.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise AuditError("audit_record must run inside transaction.atomic(), in the transaction of the change")
    target_type, target_id, target_repr = _target(target)
    actor, actor_username, actor_label = _actor(actor, actor_label)
    if not action:
        raise AuditError("audit_record needs an action, e.g. 'approval_request.approve'")
    fields = {
        "actor_id": actor.pk if actor else None,
        "actor_username": actor_username,
        "actor_label": actor_label[:100],
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "target_repr": target_repr,
        "before": json_safe(before),
        "after": json_safe(after),
        "context": json_safe(_context(context)),
        "request_id": _request_id(),
        "ip": _client_ip(),
    }
    event_id, prev_hash = _lock_chain_and_read_head(connection)
    # Read under the lock, so timestamps follow the chain's order.
    fields.update(id=event_id, prev_hash=prev_hash, occurred_at=timezone.now())
    event = AuditEvent(**fields, hash=event_hash(fields))
    event.save(force_insert=True)
    return event


def _lock_chain_and_read_head(connection) -> tuple[int, str]:
    """Take the chain lock, then read the last hash and the next id in a *later* statement.

    A statement's snapshot is taken when it starts, so the read must follow the lock to see the previous holder's
    commit. Under REPEATABLE READ the whole transaction keeps its first snapshot and could fork the chain (the
    unique prev_hash would then refuse the insert): refuse it up front with a clear message instead.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s), current_setting('transaction_isolation')", [CHAIN_LOCK_KEY])
        isolation = cursor.fetchone()[1]
        if isolation != "read committed":
            raise AuditError(f"audit_record needs READ COMMITTED isolation, not {isolation}")
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('core_auditevent', 'id')),"
            " (SELECT hash FROM core_auditevent ORDER BY id DESC LIMIT 1)"
        )
        event_id, head = cursor.fetchone()
    return event_id, head or AuditEvent.GENESIS_HASH


def _target(target) -> tuple[str, str, str]:
    if isinstance(target, models.Model):
        if target.pk is None:
            raise AuditError(f"cannot audit an unsaved {target._meta.label}: save it first")
        return target._meta.label_lower, str(target.pk), _clip(str(target), 255)
    if isinstance(target, tuple) and len(target) == 3 and target[0] and target[1] not in (None, ""):
        target_type, target_id, target_repr = target
        return str(target_type)[:100], str(target_id)[:255], _clip(str(target_repr), 255)
    raise AuditError(f"target must be a saved model instance or a (type, id, repr) tuple, not {target!r}")


def _actor(actor, actor_label: str):
    if actor is not None and not getattr(actor, "is_authenticated", False):
        # AnonymousUser: nobody logged in. Say so rather than pretending it was the system.
        actor, actor_label = None, actor_label or "anonymous"
    if actor is None and not actor_label:
        raise AuditError("audit_record needs an actor (a user) or an actor_label such as 'system' or 'sync:litellm'")
    return actor, (actor.get_username() if actor else ""), actor_label


def _context(context):
    if context is None:
        return {}
    if not isinstance(context, dict):
        raise AuditError(f"context must be a dict such as {{'team': 'ml-platform'}}, not {type(context).__name__}")
    return context


def _request_id() -> str:
    rid = request_context.request_id.get()
    return "" if rid in (None, "-") else rid[:128]


def _client_ip() -> str | None:
    try:
        return normalized_ip(request_context.client_ip.get())
    except ValueError:
        # REMOTE_ADDR is not an address (a Unix socket, a misconfigured proxy): record none rather than fail.
        return None


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


__all__ = ["AuditError", "audit_record"]

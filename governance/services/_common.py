"""What every governance service shares: audit events, validation, errors and locks."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection

from core.audit import audit_record, snapshot
from core.exceptions import ApplicationError, ConflictError


class PreconditionFailed(ConflictError):
    """The caller edited a version of the object that is no longer current (a stale ETag / If-Match)."""

    code = "precondition_failed"
    http_status = 412


def actor_label_for(actor) -> str:
    return actor.get_username() if actor is not None else "system"


@dataclass
class AuditBatch:
    """The audit events of one transaction, written together at its end.

    ``audit_record`` takes the audit chain's lock until commit, so it must come after every row lock the
    transaction takes; otherwise two transactions can each hold what the other waits for. Services therefore
    collect their events here (snapshotting the target when the change is made) and flush once, last.
    """

    actor: object = None
    actor_label: str = ""
    events: list[dict] = field(default_factory=list)

    def add(self, *, action: str, target, before: dict | None, team=None, deleted: bool = False, **context) -> None:
        """Record one event; ``deleted`` when the target is about to be deleted (its ``after`` is then empty)."""
        if team is not None:
            context["team"] = team.slug
        after = None if deleted else snapshot(target)
        # A (type, id, repr) target survives the row's deletion; the instance's pk does not.
        target_ref = (target._meta.label_lower, target.pk, str(target)) if deleted else target
        self.events.append(
            {"action": action, "target": target_ref, "before": before, "after": after, "context": context}
        )

    def flush(self) -> None:
        label = self.actor_label or actor_label_for(self.actor)
        for event in self.events:
            audit_record(**event, actor=self.actor, actor_label=label)
        self.events.clear()


def validate(instance, *, exclude: list[str] | None = None) -> None:
    """full_clean(), translated into the domain error every interface knows how to render."""
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        details = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        field_name, messages = next(iter(details.items()))
        raise ApplicationError(f"Invalid {field_name}: {messages[0]}", details=details) from exc


@contextlib.contextmanager
def advisory_lock(name: str):
    """Hold a session-level PostgreSQL advisory lock named ``name`` for the block; yield False if someone holds it.

    Periodic jobs take it so a second beat, or an overlapping run on another worker, does nothing instead of doing
    the work twice. Session-level (not transaction-level) so the job can commit item by item under it.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [name])
        acquired = bool(cursor.fetchone()[0])
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [name])

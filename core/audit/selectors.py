"""Reading the audit trail."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.db.models.fields.json import KeyTextTransform

from core.models import AuditEvent


def audit_events(
    *, actor=None, action=None, target_type=None, target_id=None, since=None, until=None, team=None
) -> QuerySet[AuditEvent]:
    """Events in chain order, filtered by whichever arguments are given.

    ``actor``: a user (or user id), or a string matched against the username and the actor label ("sync:litellm").
    ``action``: exact, or a prefix when it ends with "*" ("approval_request.*"). ``since`` is inclusive, ``until``
    exclusive, so consecutive periods never count an event twice. ``team``: the slug recorded in the event's context.
    """
    events = AuditEvent.objects.order_by("id")
    if actor is not None:
        events = events.filter(_actor_filter(actor))
    if action:
        events = events.filter(action__startswith=action[:-1]) if action.endswith("*") else events.filter(action=action)
    if target_type:
        events = events.filter(target_type=target_type)
    if target_id is not None:
        events = events.filter(target_id=str(target_id))
    if since is not None:
        events = events.filter(occurred_at__gte=since)
    if until is not None:
        events = events.filter(occurred_at__lt=until)
    if team:
        # ->> text comparison, to match the expression index core_audit_team.
        events = events.alias(team=KeyTextTransform("team", "context")).filter(team=team)
    return events


def _actor_filter(actor) -> Q:
    if isinstance(actor, str):
        return Q(actor_username=actor) | Q(actor_label=actor)
    return Q(actor_id=getattr(actor, "pk", actor))

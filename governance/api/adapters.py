"""Writes and reads the API needs that governance.services / governance.selectors do not offer (yet).

Each follows the house style exactly (keyword-only ``<entity>_<action>``, its own transaction, a row lock, the
object rule from governance.permissions, the audit event last), so it can move into governance.services or
governance.selectors unchanged. Listed in the REST API issue's report.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q, QuerySet

from core.audit import snapshot
from core.exceptions import ApplicationError, ConflictError
from governance import permissions
from governance.choices import TeamRole
from governance.models import ApiToken, Entitlement, UseCase, WebhookSubscription
from governance.services._common import AuditBatch, validate
from governance.services.webhooks import _check_events, _check_url


@transaction.atomic
def use_case_delete(*, actor, use_case: UseCase) -> None:
    """Team admins (and governance admins) delete a use case nothing refers to; one that requests or entitlements
    name stays, as the record of what they were granted for."""
    use_case = UseCase.objects.select_for_update(of=("self",)).select_related("team").get(pk=use_case.pk)
    permissions.require(
        permissions.can_manage_team(actor, use_case.team),
        f"Only an admin of team {use_case.team.slug} or a governance admin may delete its use cases.",
    )
    if use_case.requests.exists() or Entitlement.objects.filter(use_case=use_case).exists():
        raise ConflictError(
            f"Use case {use_case.slug} is named by requests or entitlements; it stays as their record.",
            details={"use_case": use_case.pk},
        )
    batch = AuditBatch(actor=actor)
    batch.add(action="use_case.delete", target=use_case, before=snapshot(use_case), team=use_case.team, deleted=True)
    use_case.delete()
    batch.flush()


WEBHOOK_FIELDS = frozenset({"url", "events"})


@transaction.atomic
def webhook_subscription_update(*, actor, subscription: WebhookSubscription, **changes) -> WebhookSubscription:
    """Change where a subscription sends events, or which. The secret stays (it is never shown again)."""
    unknown = sorted(set(changes) - WEBHOOK_FIELDS)
    if unknown:
        raise ApplicationError(f"These fields cannot be changed: {', '.join(unknown)}.", details={"fields": unknown})
    subscription = (
        WebhookSubscription.objects.select_for_update(of=("self",)).select_related("team").get(pk=subscription.pk)
    )
    permissions.require(permissions.can_manage_webhooks(actor, subscription.team), "You may not manage this webhook.")
    before = snapshot(subscription, fields=["url", "events", "is_active"])
    if "url" in changes:
        _check_url(changes["url"])
        subscription.url = changes["url"]
    if "events" in changes:
        subscription.events = _check_events(changes["events"])
    validate(subscription)
    subscription.save(update_fields=["url", "events", "updated_at"])
    batch = AuditBatch(actor=actor)
    batch.add(
        action="webhook_subscription.update",
        target=subscription,
        before=before,
        team=subscription.team,
        fields=sorted(changes),
    )
    batch.flush()
    return subscription


def token_list_for(user) -> QuerySet[ApiToken]:
    """Tokens the user may see: their own, those they issued, their admin teams' service-account tokens; every
    token for governance admins. Never the secret (it is not stored)."""
    tokens = ApiToken.objects.select_related("user", "team", "created_by")
    if not permissions.is_governance_admin(user):
        admin_teams = [team for team, role in permissions.team_roles_of(user).items() if role == TeamRole.ADMIN]
        tokens = tokens.filter(Q(user=user) | Q(created_by=user) | Q(team_id__in=admin_teams))
    return tokens.order_by("-created_at", "-pk")

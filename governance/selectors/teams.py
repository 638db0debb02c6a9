"""Reads of teams, use cases and webhooks, scoped to the acting user first."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from core.exceptions import NotFoundError
from governance.models import Team, UseCase, WebhookDelivery, WebhookSubscription
from governance.selectors.scoping import (
    teams_visible_to,
    use_cases_visible_to,
    webhook_deliveries_visible_to,
    webhooks_visible_to,
)


def team_list_for(user) -> QuerySet[Team]:
    return teams_visible_to(user).annotate(member_count=Count("memberships")).order_by("name")


def team_get_for(user, slug: str) -> Team:
    try:
        return teams_visible_to(user).prefetch_related("memberships__user").get(slug=slug)
    except Team.DoesNotExist as exc:
        raise NotFoundError(f"Team {slug!r} was not found.") from exc


def use_case_list_for(user, *, team=None) -> QuerySet[UseCase]:
    use_cases = use_cases_visible_to(user)
    if team is not None:
        use_cases = use_cases.filter(team=team)
    return use_cases.select_related("team").order_by("team__slug", "name")


def webhook_list_for(user) -> QuerySet[WebhookSubscription]:
    return webhooks_visible_to(user).select_related("team").order_by("url", "pk")


def webhook_delivery_list_for(user, *, subscription=None) -> QuerySet[WebhookDelivery]:
    deliveries = webhook_deliveries_visible_to(user)
    if subscription is not None:
        deliveries = deliveries.filter(subscription=subscription)
    return deliveries.select_related("subscription").order_by("-created_at", "-pk")

"""How governance answers the catalog's "approved for my team" filter (catalog cannot import governance, so
governance registers this function with ``catalog.filtersets.register_team_approval_filter`` at startup)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from governance.choices import ALLOWING_ENTITLEMENT_STATUSES
from governance.selectors.scoping import entitlements_visible_to


def models_approved_for_team(queryset: QuerySet, team_slug: str, user) -> QuerySet:
    """The models of ``queryset`` the team holds an allowing, unexpired entitlement for, as far as ``user`` may
    see that team's entitlements: someone outside the team learns nothing (the filter matches no model)."""
    entitlements = entitlements_visible_to(user).filter(
        team__slug=team_slug, status__in=ALLOWING_ENTITLEMENT_STATUSES, expires_at__gt=timezone.now()
    )
    return queryset.filter(pk__in=entitlements.values("model_id"))

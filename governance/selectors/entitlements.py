"""Reads of entitlements, scoped to the acting user first."""

from __future__ import annotations

from django.db.models import QuerySet

from core.exceptions import NotFoundError
from governance.models import Entitlement
from governance.selectors.scoping import entitlements_visible_to


def entitlement_list_for(user, *, status: str | None = None, team=None) -> QuerySet[Entitlement]:
    entitlements = entitlements_visible_to(user)
    if status:
        entitlements = entitlements.filter(status=status)
    if team is not None:
        entitlements = entitlements.filter(team=team)
    return entitlements.select_related("team", "model", "offering", "use_case", "request").order_by(
        "team__slug", "model__slug", "pk"
    )


def entitlement_get_for(user, pk) -> Entitlement:
    try:
        return (
            entitlements_visible_to(user).select_related("team", "model", "offering", "use_case", "request").get(pk=pk)
        )
    except (Entitlement.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFoundError(f"Entitlement #{pk} was not found.") from exc

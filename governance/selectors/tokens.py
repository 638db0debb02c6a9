"""Reads of API tokens, scoped to the acting user first. Never the secret: it is not stored."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from governance import permissions
from governance.choices import TeamRole
from governance.models import ApiToken


def token_list_for(user) -> QuerySet[ApiToken]:
    """Tokens the user may see: their own, those they issued, their admin teams' service-account tokens; every
    token for governance admins."""
    tokens = ApiToken.objects.select_related("user", "team", "created_by")
    if not permissions.is_governance_admin(user):
        admin_teams = [team for team, role in permissions.team_roles_of(user).items() if role == TeamRole.ADMIN]
        tokens = tokens.filter(Q(user=user) | Q(created_by=user) | Q(team_id__in=admin_teams))
    return tokens.order_by("-created_at", "-pk")

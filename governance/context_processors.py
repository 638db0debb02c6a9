"""Template context every page may use: the signed-in user's teams and what the navigation shows them.

Lazy on purpose: a page that never reads ``my_teams`` (or the nav flags) costs no query for them. The catalog's
pages read ``my_teams`` for their "approved for my team" filter without importing governance (catalog never
imports governance; this processor is the seam)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.functional import SimpleLazyObject

from governance import permissions
from governance.models import Team


def member_teams_of(user) -> QuerySet[Team]:
    """Teams the user belongs to (not every team an admin or auditor can see: "my" means membership)."""
    return Team.objects.filter(pk__in=permissions.team_ids_of(user)).order_by("name")


def _nav(user) -> dict[str, bool]:
    return {
        "reviews": permissions.is_reviewer(user),
        "audit": permissions.sees_everything(user),
    }


def governance(request) -> dict:
    user = getattr(request, "user", None)
    return {
        "my_teams": SimpleLazyObject(lambda: list(member_teams_of(user))),
        "governance_nav": SimpleLazyObject(lambda: _nav(user)),
    }

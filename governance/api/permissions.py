"""Who may call which governance endpoint, before any object is looked at.

Two layers, as everywhere in the API: this module checks the *token scope* a method needs (an API token carries a
subset of its owner's powers); the selectors and services then check the *person* (roles, team membership) on the
objects themselves. Sessions (people in the portal) carry every scope of their owner.

``required_scopes`` values may name one scope or a tuple of alternatives: reading a request is fine for a token that
may write requests as well as for one that may decide reviews.
"""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS

from core.api.permissions import ADMIN_SCOPE, TokenHasScope, token_scopes
from governance.models import ApiToken, TokenScope

REQUESTS_WRITE = TokenScope.REQUESTS_WRITE.value
REVIEWS_WRITE = TokenScope.REVIEWS_WRITE.value
DECISIONS = TokenScope.DECISIONS.value
ADMIN = TokenScope.ADMIN.value
# Reading governance objects: the read-only scope (an auditor's integration), or a token that may act on them.
GOVERNANCE_READ = (TokenScope.GOVERNANCE_READ.value, REQUESTS_WRITE, REVIEWS_WRITE)


class TokenHasAnyScope(TokenHasScope):
    """TokenHasScope where a method may also be satisfied by any one of several scopes."""

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        scopes = token_scopes(request)
        if scopes is None:
            return True
        required = scopes_required(view, request.method)
        return bool(required) and (ADMIN_SCOPE in scopes or not scopes.isdisjoint(required))


def scopes_required(view, method: str) -> tuple[str, ...]:
    declared = getattr(view, "required_scopes", None) or {}
    value = declared.get(method, declared.get("read" if method in SAFE_METHODS else "write"))
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def api_token(request) -> ApiToken | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiToken) else None


def token_team_id(request) -> int | None:
    """The team a team token acts for; None for sessions and personal tokens."""
    token = api_token(request)
    return token.team_id if token is not None else None


def is_gateway_token(request) -> bool:
    """A personal token (no team) that may ask decisions for every team: an LLM gateway's credential. Only
    governance admins can issue one (governance.services.tokens)."""
    token = api_token(request)
    return token is not None and token.team_id is None and bool({DECISIONS, ADMIN} & set(token.scopes))

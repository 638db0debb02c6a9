"""Permission classes of the API. Deny by default: every view names its permission classes and, for API-token
callers, the token scope each method needs (``required_scopes``). Object-level rules (which team's objects a caller
may see or change) live in the selectors and services, not here."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

ADMIN_SCOPE = "admin"


def token_scopes(request) -> frozenset[str] | None:
    """The scopes of the API token that authenticated the request, or None for a session (a person in the portal)."""
    scopes = getattr(request.auth, "scopes", None)
    return frozenset(scopes) if scopes is not None else None


class TokenHasScope(BasePermission):
    """Authenticated, and — when the caller used an API token — the token carries the scope the view requires for
    this method. ``view.required_scopes`` is {"GET": "catalog:read", "POST": "requests:write", ...} or
    {"read": ..., "write": ...} (read = safe methods)."""

    message = "This API token does not carry the scope this operation needs."

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        scopes = token_scopes(request)
        if scopes is None:
            return True
        required = required_scope(view, request.method)
        return required is not None and (required in scopes or ADMIN_SCOPE in scopes)


def required_scope(view, method: str) -> str | None:
    declared = getattr(view, "required_scopes", None) or {}
    if method in declared:
        return declared[method]
    return declared.get("read" if method in SAFE_METHODS else "write")

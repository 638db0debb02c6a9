"""API tokens: issue (the secret is returned once, never stored) and revoke."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record, snapshot
from core.exceptions import ApplicationError, ConflictError
from governance import permissions, tokens
from governance.models import ApiToken, Team, TokenScope

# Scopes a team's service-account token may carry: it acts for that team only.
TEAM_TOKEN_SCOPES = {
    TokenScope.CATALOG_READ,
    TokenScope.GOVERNANCE_READ,
    TokenScope.REQUESTS_WRITE,
    TokenScope.DECISIONS,
}


def team_service_account(team: Team):
    """The user a team's tokens act as: one per team, no password, member of the team and nothing else."""
    from governance.models import TeamMembership

    User = get_user_model()
    user, created = User.objects.get_or_create(username=f"svc-{team.slug}"[:150], defaults={"is_active": True})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        TeamMembership.objects.get_or_create(team=team, user=user)
    return user


def _check_scopes(*, actor, scopes: list[str], team: Team | None) -> list[str]:
    unknown = sorted(set(scopes) - set(TokenScope.values))
    if not scopes or unknown:
        raise ApplicationError(
            f"Unknown or missing scopes: {', '.join(unknown) or '(none)'}. Valid: {', '.join(TokenScope.values)}.",
            details={"scopes": unknown},
        )
    if team is not None:
        permissions.require(
            permissions.can_manage_team(actor, team), f"Only an admin of team '{team.slug}' may issue its tokens."
        )
        extra = sorted(set(scopes) - TEAM_TOKEN_SCOPES)
        if extra:
            raise ApplicationError(f"A team token cannot carry: {', '.join(extra)}.", details={"scopes": extra})
        return sorted(set(scopes))
    # Personal token. A gateway token (decisions for every team) and 'admin' are governance admins' to issue.
    if TokenScope.DECISIONS in scopes or TokenScope.ADMIN in scopes:
        permissions.require_governance_admin(actor, "issue a 'decisions' or 'admin' token for all teams")
    if TokenScope.REVIEWS_WRITE in scopes:
        permissions.require(permissions.is_reviewer(actor), "Only reviewers may issue tokens that decide reviews.")
    return sorted(set(scopes))


@transaction.atomic
def api_token_create(
    *, actor, name: str, scopes: list[str], team: Team | None = None, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """Issue a token for the actor (or, with ``team``, for the team's service account). Returns the row and the
    full token string, which exists nowhere else: show it once."""
    scopes = _check_scopes(actor=actor, scopes=scopes, team=team)
    if expires_at is not None and expires_at <= timezone.now():
        raise ApplicationError("The expiry must be in the future.", details={"expires_at": ["in the past"]})
    owner = team_service_account(team) if team is not None else actor
    key_id, secret, full = tokens.generate()
    token = ApiToken(
        key_id=key_id,
        secret_hash=tokens.secret_hash(secret),
        name=name.strip() or "token",
        user=owner,
        team=team,
        scopes=scopes,
        expires_at=expires_at,
        created_by=actor,
    )
    token.full_clean()
    token.save()
    audit_record(
        action="token.issued",
        target=token,
        after=snapshot(token, fields=["key_id", "name", "user", "team", "scopes", "expires_at"]),
        actor=actor,
        context={"team": team.slug} if team else {},
    )
    return token, full


def can_revoke_token(actor, token: ApiToken) -> bool:
    if permissions.is_governance_admin(actor) or token.user_id == getattr(actor, "pk", None):
        return True
    return token.team_id is not None and permissions.is_team_admin(actor, token.team_id)


@transaction.atomic
def api_token_revoke(*, actor, token: ApiToken) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    permissions.require(can_revoke_token(actor, token), "You may not revoke this token.")
    if token.revoked_at is not None:
        raise ConflictError("This token is already revoked.")
    before = snapshot(token, fields=["revoked_at"])
    token.revoked_at = timezone.now()
    token.revoked_by = actor
    token.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    audit_record(
        action="token.revoked",
        target=token,
        before=before,
        after=snapshot(token, fields=["revoked_at"]),
        actor=actor,
        context={"team": token.team.slug} if token.team_id else {},
    )
    return token

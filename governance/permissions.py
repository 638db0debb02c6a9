"""Object-level rules: who may see or act on which governance object.

Plain functions of (user, object), so every interface (API, portal pages, admin actions, services) asks the same
question the same way. Services call the ``*_or_raise`` forms; selectors use the scoping helpers
(``team_ids_of``, ``reviewer_stage_ids_of``) to filter querysets by the acting user first.

Roles, from the models: a team member may request for the team; a team admin also manages its members, use cases
and webhooks; a reviewer decides one review stage on requests of every team; a governance admin (or a Django
superuser) manages everything; an auditor reads everything and changes nothing.
"""

from __future__ import annotations

from core.exceptions import PermissionDeniedError
from governance.choices import OrgRoleKind, TeamRole
from governance.models import ApprovalRequest, Entitlement, OrgRole, StageReview, Team, TeamMembership


def _active(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def _roles(user) -> set[tuple[str, int | None]]:
    """The user's org roles as (role, stage id). Read fresh on every check, never cached on the user object:
    a role revoked a moment ago must not keep working in a long-lived process that still holds the user."""
    if not _active(user):
        return set()
    return set(OrgRole.objects.filter(user=user).values_list("role", "stage_id"))


def is_governance_admin(user) -> bool:
    if not _active(user):
        return False
    return user.is_superuser or any(role == OrgRoleKind.GOVERNANCE_ADMIN for role, _ in _roles(user))


def is_auditor(user) -> bool:
    return any(role == OrgRoleKind.AUDITOR for role, _ in _roles(user))


def sees_everything(user) -> bool:
    """Governance admins and auditors read every team's objects."""
    return is_governance_admin(user) or is_auditor(user)


def reviewer_stage_ids_of(user) -> set[int]:
    return {stage_id for role, stage_id in _roles(user) if role == OrgRoleKind.REVIEWER}


def is_reviewer(user, stage_id: int | None = None) -> bool:
    stages = reviewer_stage_ids_of(user)
    return bool(stages) if stage_id is None else stage_id in stages


def team_roles_of(user) -> dict[int, str]:
    """team id -> the user's role in it."""
    if not _active(user):
        return {}
    return dict(TeamMembership.objects.filter(user=user).values_list("team_id", "role"))


def team_ids_of(user) -> set[int]:
    return set(team_roles_of(user))


def is_team_member(user, team: Team | int) -> bool:
    team_id = team if isinstance(team, int) else team.pk
    return team_id in team_roles_of(user)


def is_team_admin(user, team: Team | int) -> bool:
    team_id = team if isinstance(team, int) else team.pk
    return team_roles_of(user).get(team_id) == TeamRole.ADMIN


# --- teams, memberships, use cases, webhooks ---------------------------------------------------------------


def can_manage_team(user, team: Team) -> bool:
    """Add and remove members, change roles, edit use cases, manage the team's webhooks."""
    return is_governance_admin(user) or is_team_admin(user, team)


def can_view_team(user, team: Team) -> bool:
    return sees_everything(user) or is_team_member(user, team)


def can_create_use_case(user, team: Team) -> bool:
    return is_governance_admin(user) or is_team_member(user, team)


def can_manage_webhooks(user, team: Team | None) -> bool:
    """Team webhooks: its admins; organisation-wide webhooks (no team): governance admins only."""
    if team is None:
        return is_governance_admin(user)
    return can_manage_team(user, team)


# --- requests and reviews ------------------------------------------------------------------------------------


def can_view_request(user, request: ApprovalRequest) -> bool:
    if sees_everything(user) or is_team_member(user, request.team_id):
        return True
    stages = reviewer_stage_ids_of(user)
    return bool(stages) and request.reviews.filter(stage_id__in=stages).exists()


def can_create_request(user, team: Team) -> bool:
    return is_team_member(user, team)


def can_edit_request(user, request: ApprovalRequest) -> bool:
    """Edit, submit, resubmit or withdraw: the requester, or an admin of the requesting team."""
    if not _active(user):
        return False
    return request.requested_by_id == user.pk or is_team_admin(user, request.team_id)


def can_comment(user, request: ApprovalRequest) -> bool:
    """Everyone who may see the request and take part in it; auditors only read."""
    if is_governance_admin(user) or is_team_member(user, request.team_id):
        return True
    stages = reviewer_stage_ids_of(user)
    return bool(stages) and request.reviews.filter(stage_id__in=stages).exists()


def can_decide_review(user, review: StageReview) -> bool:
    """Segregation of duties: a reviewer of the review's stage who did not ask for the request."""
    if not _active(user) or review.requested_by_id == user.pk:
        return False
    return is_reviewer(user, review.stage_id)


# --- entitlements --------------------------------------------------------------------------------------------


def can_view_entitlement(user, entitlement: Entitlement) -> bool:
    if sees_everything(user) or is_team_member(user, entitlement.team_id):
        return True
    stages = reviewer_stage_ids_of(user)
    if not stages or entitlement.request_id is None:
        return False
    return StageReview.objects.filter(request_id=entitlement.request_id, stage_id__in=stages).exists()


def can_revoke_entitlement(user, entitlement: Entitlement) -> bool:
    """Governance admins revoke anything; a team admin may give up the team's own entitlement."""
    return is_governance_admin(user) or is_team_admin(user, entitlement.team_id)


def can_reconfirm_entitlement(user, entitlement: Entitlement) -> bool:
    """Governance admins, or a reviewer of a stage that reviewed the original request (not its requester)."""
    if is_governance_admin(user):
        return True
    if entitlement.request_id is None or not _active(user):
        return False
    stages = reviewer_stage_ids_of(user)
    reviewed = StageReview.objects.filter(request_id=entitlement.request_id, stage_id__in=stages)
    return bool(stages) and reviewed.exclude(requested_by=user).exists()


# --- raising forms, for services ----------------------------------------------------------------------------


def require(allowed: bool, message: str) -> None:
    """Raise PermissionDeniedError with a message the user can act on unless ``allowed``."""
    if not allowed:
        raise PermissionDeniedError(message)


def require_governance_admin(user, what: str) -> None:
    require(is_governance_admin(user), f"Only a governance admin may {what}.")

"""Teams, their members and use cases, and organisation roles (reviewers, governance admins, auditors)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from core.audit import snapshot
from core.exceptions import ApplicationError, ConflictError
from governance import permissions
from governance.choices import OrgRoleKind, TeamRole
from governance.models import Entitlement, OrgRole, ReviewStage, Team, TeamMembership, UseCase
from governance.services._common import AuditBatch, validate

TEAM_FIELDS = frozenset(
    {"name", "business_unit", "cost_centre", "regulated", "allowed_data_classifications", "allowed_regions"}
)
USE_CASE_FIELDS = frozenset({"name", "description", "data_classification", "risk_tier", "user_facing", "production"})


def _unknown_fields(changes: dict, allowed: frozenset) -> None:
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise ApplicationError(f"These fields cannot be set: {', '.join(unknown)}.", details={"fields": unknown})


def _save_new(instance, *, conflict: str) -> None:
    """Insert, turning a unique-constraint race into a 409 the user can read."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise ConflictError(conflict) from exc


@transaction.atomic
def team_create(*, actor, slug: str, name: str, admins=(), **fields) -> Team:
    """A governance admin creates a team, optionally with its first admins."""
    permissions.require_governance_admin(actor, "create teams")
    _unknown_fields(fields, TEAM_FIELDS)
    if Team.objects.filter(slug=slug).exists():
        raise ConflictError(f"A team with slug {slug!r} exists already.", details={"slug": slug})
    team = Team(slug=slug, name=name, **fields)
    validate(team)
    _save_new(team, conflict=f"A team with slug {slug!r} exists already.")
    batch = AuditBatch(actor=actor)
    batch.add(action="team.create", target=team, before=None, team=team)
    for user in admins:
        membership = TeamMembership.objects.create(team=team, user=user, role=TeamRole.ADMIN)
        batch.add(action="team_membership.add", target=membership, before=None, team=team, user=user.get_username())
    batch.flush()
    return team


@transaction.atomic
def team_update(*, actor, team: Team, **changes) -> Team:
    """Governance admins change a team's clearances (data classes, regions, regulated); policy reads them."""
    permissions.require_governance_admin(actor, "change a team's settings")
    _unknown_fields(changes, TEAM_FIELDS)
    team = Team.objects.select_for_update().get(pk=team.pk)
    before = snapshot(team)
    for name, value in changes.items():
        setattr(team, name, value)
    validate(team)
    team.save()
    batch = AuditBatch(actor=actor)
    batch.add(action="team.update", target=team, before=before, team=team, fields=sorted(changes))
    batch.flush()
    return team


def _require_manager(actor, team: Team, what: str) -> None:
    permissions.require(
        permissions.can_manage_team(actor, team), f"Only an admin of team {team.slug} or a governance admin may {what}."
    )


@transaction.atomic
def membership_add(*, actor, team: Team, user, role: str = TeamRole.MEMBER) -> TeamMembership:
    _require_manager(actor, team, "add members")
    if TeamMembership.objects.filter(team=team, user=user).exists():
        raise ConflictError(f"{user.get_username()} is already in team {team.slug}.")
    membership = TeamMembership(team=team, user=user, role=role)
    validate(membership, exclude=["team", "user"])
    _save_new(membership, conflict=f"{user.get_username()} is already in team {team.slug}.")
    batch = AuditBatch(actor=actor)
    batch.add(action="team_membership.add", target=membership, before=None, team=team, user=user.get_username())
    batch.flush()
    return membership


def _lock_membership(team: Team, user) -> TeamMembership:
    try:
        return TeamMembership.objects.select_for_update().get(team=team, user=user)
    except TeamMembership.DoesNotExist as exc:
        raise ConflictError(f"{user.get_username()} is not in team {team.slug}.") from exc


@transaction.atomic
def membership_remove(*, actor, team: Team, user) -> None:
    _require_manager(actor, team, "remove members")
    membership = _lock_membership(team, user)
    before = snapshot(membership)
    batch = AuditBatch(actor=actor)
    batch.add(
        action="team_membership.remove",
        target=membership,
        before=before,
        team=team,
        user=user.get_username(),
        deleted=True,
    )
    membership.delete()
    batch.flush()


@transaction.atomic
def membership_change_role(*, actor, team: Team, user, role: str) -> TeamMembership:
    _require_manager(actor, team, "change roles")
    membership = _lock_membership(team, user)
    if membership.role == role:
        raise ConflictError(f"{user.get_username()} is already {role} of team {team.slug}.")
    before = snapshot(membership)
    membership.role = role
    validate(membership, exclude=["team", "user"])
    membership.save(update_fields=["role", "updated_at"])
    batch = AuditBatch(actor=actor)
    batch.add(
        action="team_membership.change_role", target=membership, before=before, team=team, user=user.get_username()
    )
    batch.flush()
    return membership


@transaction.atomic
def use_case_create(*, actor, team: Team, slug: str, name: str, data_classification: str, **fields) -> UseCase:
    """Any member describes what the team uses models for; policy reads its risk tier and data class."""
    permissions.require(
        permissions.can_create_use_case(actor, team), f"Only members of team {team.slug} may add its use cases."
    )
    _unknown_fields(fields, USE_CASE_FIELDS)
    use_case = UseCase(team=team, slug=slug, name=name, data_classification=data_classification, **fields)
    if UseCase.objects.filter(team=team, slug=slug).exists():
        raise ConflictError(f"Team {team.slug} already has a use case {slug!r}.", details={"slug": slug})
    validate(use_case)
    _save_new(use_case, conflict=f"Team {team.slug} already has a use case {slug!r}.")
    batch = AuditBatch(actor=actor)
    batch.add(action="use_case.create", target=use_case, before=None, team=team)
    batch.flush()
    return use_case


@transaction.atomic
def use_case_update(*, actor, use_case: UseCase, **changes) -> UseCase:
    """Team admins (and governance admins) change a use case: its risk tier decides future reviews."""
    use_case = UseCase.objects.select_for_update(of=("self",)).select_related("team").get(pk=use_case.pk)
    _require_manager(actor, use_case.team, "change use cases")
    _unknown_fields(changes, USE_CASE_FIELDS)
    before = snapshot(use_case)
    for name, value in changes.items():
        setattr(use_case, name, value)
    validate(use_case)
    use_case.save()
    batch = AuditBatch(actor=actor)
    batch.add(action="use_case.update", target=use_case, before=before, team=use_case.team, fields=sorted(changes))
    batch.flush()
    return use_case


@transaction.atomic
def use_case_delete(*, actor, use_case: UseCase) -> None:
    """Team admins (and governance admins) delete a use case nothing refers to; one that requests or entitlements
    name stays, as the record of what they were granted for."""
    use_case = UseCase.objects.select_for_update(of=("self",)).select_related("team").get(pk=use_case.pk)
    _require_manager(actor, use_case.team, "delete its use cases")
    if use_case.requests.exists() or Entitlement.objects.filter(use_case=use_case).exists():
        raise ConflictError(
            f"Use case {use_case.slug} is named by requests or entitlements; it stays as their record.",
            details={"use_case": use_case.pk},
        )
    batch = AuditBatch(actor=actor)
    batch.add(action="use_case.delete", target=use_case, before=snapshot(use_case), team=use_case.team, deleted=True)
    use_case.delete()
    batch.flush()


@transaction.atomic
def org_role_grant(*, actor, user, role: str, stage: ReviewStage | None = None) -> OrgRole:
    """Make someone a reviewer of a stage, a governance admin or an auditor."""
    permissions.require_governance_admin(actor, "grant organisation roles")
    if role not in OrgRoleKind.values:
        raise ApplicationError(f"Unknown role {role!r}; use {', '.join(OrgRoleKind.values)}.", details={"role": role})
    if (role == OrgRoleKind.REVIEWER) != (stage is not None):
        raise ApplicationError("A reviewer role names exactly one stage; the other roles name none.")
    if OrgRole.objects.filter(user=user, role=role, stage=stage).exists():
        raise ConflictError(f"{user.get_username()} already holds that role.")
    org_role = OrgRole(user=user, role=role, stage=stage)
    validate(org_role, exclude=["user"])
    _save_new(org_role, conflict=f"{user.get_username()} already holds that role.")
    batch = AuditBatch(actor=actor)
    batch.add(action="org_role.grant", target=org_role, before=None, user=user.get_username())
    batch.flush()
    return org_role


@transaction.atomic
def org_role_revoke(*, actor, org_role: OrgRole) -> None:
    permissions.require_governance_admin(actor, "revoke organisation roles")
    org_role = OrgRole.objects.select_for_update(of=("self",)).select_related("user").get(pk=org_role.pk)
    if org_role.user_id == getattr(actor, "pk", None) and org_role.role == OrgRoleKind.GOVERNANCE_ADMIN:
        # Locking oneself out is almost always a mistake; another governance admin can do it deliberately.
        raise ConflictError("You cannot revoke your own governance admin role; ask another governance admin.")
    before = snapshot(org_role)
    batch = AuditBatch(actor=actor)
    batch.add(action="org_role.revoke", target=org_role, before=before, user=org_role.user.get_username(), deleted=True)
    org_role.delete()
    batch.flush()


STAGE_FIELDS = frozenset({"name", "description", "sla_days", "position"})


@transaction.atomic
def review_stage_update(*, actor, stage: ReviewStage, **changes) -> ReviewStage:
    """Governance admins rename a stage or change its SLA (new reviews are due after the new SLA)."""
    permissions.require_governance_admin(actor, "change review stages")
    _unknown_fields(changes, STAGE_FIELDS)
    stage = ReviewStage.objects.select_for_update().get(pk=stage.pk)
    before = snapshot(stage)
    for name, value in changes.items():
        setattr(stage, name, value)
    validate(stage)
    stage.save()
    batch = AuditBatch(actor=actor)
    batch.add(action="review_stage.update", target=stage, before=before, fields=sorted(changes))
    batch.flush()
    return stage

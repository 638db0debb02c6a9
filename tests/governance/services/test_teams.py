"""Teams, memberships, use cases and organisation roles: who may change them, and the audit trail of each."""

from __future__ import annotations

import pytest

from core.exceptions import ApplicationError, ConflictError, PermissionDeniedError
from core.models import AuditEvent
from governance import permissions
from governance.choices import OrgRoleKind, TeamRole
from governance.models import OrgRole, Team, TeamMembership, UseCase
from governance.services.requests import request_create
from governance.services.teams import (
    membership_add,
    membership_change_role,
    membership_remove,
    org_role_grant,
    org_role_revoke,
    team_create,
    team_update,
    use_case_create,
    use_case_delete,
    use_case_update,
)
from tests.factories.governance import UserFactory, member, stage
from tests.governance.conftest import audit_actions

pytestmark = pytest.mark.django_db


def test_a_governance_admin_creates_a_team_with_its_first_admin(gov_admin):
    lead = UserFactory(username="lena")
    team = team_create(actor=gov_admin, slug="fraud", name="Fraud", regulated=True, admins=[lead])
    assert team.regulated and permissions.is_team_admin(lead, team)
    assert audit_actions() == ["team.create", "team_membership.add"]


def test_nobody_else_creates_teams_and_a_duplicate_slug_is_a_conflict(gov_admin, team_admin, team):
    with pytest.raises(PermissionDeniedError):
        team_create(actor=team_admin, slug="x", name="X")
    with pytest.raises(ConflictError):
        team_create(actor=gov_admin, slug=team.slug, name="Again")
    assert Team.objects.count() == 1 and not AuditEvent.objects.exists()


def test_team_settings_are_validated(gov_admin, team):
    with pytest.raises(ApplicationError, match="allowed_data_classifications"):
        team_update(actor=gov_admin, team=team, allowed_data_classifications=["top-secret"])
    team_update(actor=gov_admin, team=team, allowed_regions=["eu"])
    assert AuditEvent.objects.get(action="team.update").after["allowed_regions"] == ["eu"]


def test_team_admins_manage_members_and_plain_members_do_not(team, team_admin, requester):
    newcomer = UserFactory(username="nina")
    with pytest.raises(PermissionDeniedError):
        membership_add(actor=requester, team=team, user=newcomer)

    membership_add(actor=team_admin, team=team, user=newcomer)
    membership_change_role(actor=team_admin, team=team, user=newcomer, role=TeamRole.ADMIN)
    membership_remove(actor=team_admin, team=team, user=newcomer)

    assert not TeamMembership.objects.filter(user=newcomer).exists()
    assert audit_actions(action__startswith="team_membership.") == [
        "team_membership.add",
        "team_membership.change_role",
        "team_membership.remove",
    ]
    removal = AuditEvent.objects.get(action="team_membership.remove")
    assert removal.before["role"] == "admin" and removal.after is None


def test_membership_conflicts_are_409(team, team_admin, requester):
    with pytest.raises(ConflictError):
        membership_add(actor=team_admin, team=team, user=requester)
    with pytest.raises(ConflictError):
        membership_remove(actor=team_admin, team=team, user=UserFactory())
    with pytest.raises(ConflictError):
        membership_change_role(actor=team_admin, team=team, user=requester, role=TeamRole.MEMBER)


def test_members_add_use_cases_but_only_admins_change_them(team, requester, team_admin):
    use_case = use_case_create(
        actor=requester, team=team, slug="chatbot", name="Support chatbot", data_classification="internal"
    )
    with pytest.raises(PermissionDeniedError):
        use_case_update(actor=requester, use_case=use_case, risk_tier="minimal")
    use_case_update(actor=team_admin, use_case=use_case, risk_tier="high", user_facing=True)
    use_case.refresh_from_db()
    assert use_case.risk_tier == "high" and use_case.user_facing
    with pytest.raises(ConflictError):
        use_case_create(actor=requester, team=team, slug="chatbot", name="Dup", data_classification="internal")
    with pytest.raises(ApplicationError, match="risk_tier"):
        use_case_update(actor=team_admin, use_case=use_case, risk_tier="catastrophic")
    assert UseCase.objects.count() == 1


def test_admins_delete_an_unused_use_case_and_one_a_request_names_stays(team, requester, team_admin, model):
    unused = use_case_create(actor=requester, team=team, slug="draft", name="Draft idea", data_classification="public")
    named = use_case_create(actor=requester, team=team, slug="docs", name="Docs search", data_classification="public")
    request_create(
        actor=requester, team=team, model=model, use_case=named, data_classification="public", justification="Docs."
    )
    with pytest.raises(PermissionDeniedError):
        use_case_delete(actor=requester, use_case=unused)
    with pytest.raises(ConflictError, match="stays as their record"):
        use_case_delete(actor=team_admin, use_case=named)
    assert audit_actions(action="use_case.delete") == []

    use_case_delete(actor=team_admin, use_case=unused)

    assert list(UseCase.objects.values_list("slug", flat=True)) == ["docs"]
    event = AuditEvent.objects.get(action="use_case.delete")
    assert event.actor_id == team_admin.pk and event.target_id == str(unused.pk) and event.before["slug"] == "draft"


def test_org_roles_are_granted_and_revoked_by_governance_admins_only(gov_admin, requester):
    with pytest.raises(PermissionDeniedError):
        org_role_grant(actor=requester, user=requester, role=OrgRoleKind.GOVERNANCE_ADMIN)
    role = org_role_grant(actor=gov_admin, user=requester, role=OrgRoleKind.REVIEWER, stage=stage("legal"))
    assert permissions.is_reviewer(requester, stage("legal").pk)
    with pytest.raises(ConflictError):
        org_role_grant(actor=gov_admin, user=requester, role=OrgRoleKind.REVIEWER, stage=stage("legal"))
    with pytest.raises(ApplicationError, match="exactly one stage"):
        org_role_grant(actor=gov_admin, user=requester, role=OrgRoleKind.AUDITOR, stage=stage("legal"))
    org_role_revoke(actor=gov_admin, org_role=role)
    assert not permissions.is_reviewer(requester) and not OrgRole.objects.filter(user=requester).exists()
    assert audit_actions(action__startswith="org_role.") == ["org_role.grant", "org_role.revoke"]


def test_a_governance_admin_cannot_revoke_their_own_admin_role(gov_admin):
    own = OrgRole.objects.get(user=gov_admin, role=OrgRoleKind.GOVERNANCE_ADMIN)
    with pytest.raises(ConflictError):
        org_role_revoke(actor=gov_admin, org_role=own)


def test_a_plain_member_is_no_reviewer_and_no_admin(team):
    user = member(team)
    assert not permissions.is_governance_admin(user) and not permissions.is_reviewer(user)

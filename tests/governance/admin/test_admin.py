"""The governance admin: every model is listed, state is read-only, and changes go through audited services."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse

from core.models import AuditEvent
from governance.choices import EntitlementStatus
from governance.models import Entitlement, Team
from tests.factories.governance import EntitlementFactory, TeamFactory, UserFactory, member

pytestmark = pytest.mark.django_db

GOVERNANCE_MODELS = [m for m in admin.site._registry if m._meta.app_label == "governance"]


@pytest.fixture
def superuser_client(client):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_every_governance_model_has_an_admin_whose_list_loads(superuser_client, model):
    EntitlementFactory(model=model)
    names = {m._meta.model_name for m in GOVERNANCE_MODELS}
    assert {"approvalrequest", "entitlement", "approvalpacket", "webhookdelivery", "policyevaluation"} <= names
    for model_class in GOVERNANCE_MODELS:
        url = reverse(f"admin:governance_{model_class._meta.model_name}_changelist")
        assert superuser_client.get(url).status_code == 200, url


def test_the_revoke_action_goes_through_the_service_and_is_audited(superuser_client, model):
    entitlement = EntitlementFactory(model=model)
    response = superuser_client.post(
        reverse("admin:governance_entitlement_changelist"),
        {"action": "revoke", "_selected_action": [entitlement.pk]},
        follow=True,
    )
    assert response.status_code == 200
    entitlement.refresh_from_db()
    assert entitlement.status == EntitlementStatus.REVOKED and "root" in entitlement.revoke_reason
    assert AuditEvent.objects.get(action="entitlement.revoke").actor_username == "root"


def test_entitlements_cannot_be_edited_in_the_admin(superuser_client, model):
    entitlement = EntitlementFactory(model=model)
    url = reverse("admin:governance_entitlement_change", args=[entitlement.pk])
    superuser_client.post(url, {"status": "active", "expires_at_0": "2099-01-01", "expires_at_1": "00:00:00"})
    assert Entitlement.objects.get(pk=entitlement.pk).expires_at == entitlement.expires_at


def test_editing_a_team_in_the_admin_is_audited_and_a_refusal_is_shown(client, superuser_client):
    team = TeamFactory(slug="ops", name="Ops")
    url = reverse("admin:governance_team_change", args=[team.pk])
    superuser_client.post(url, {"name": "Operations", "allowed_data_classifications": "public", "allowed_regions": "",
                                "business_unit": "", "cost_centre": "", "memberships-TOTAL_FORMS": 0,
                                "memberships-INITIAL_FORMS": 0})  # fmt: skip
    assert Team.objects.get(pk=team.pk).name == "Operations"
    assert AuditEvent.objects.get(action="team.update").before["name"] == "Ops"

    # A staff user who is no governance admin: the service refuses, nothing changes, the message says why.
    staff = member(team, username="staffer", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["change_team", "view_team"]))
    client.force_login(staff)
    response = client.post(url, {"name": "Hijacked", "allowed_data_classifications": "", "allowed_regions": "",
                                 "business_unit": "", "cost_centre": "", "memberships-TOTAL_FORMS": 0,
                                 "memberships-INITIAL_FORMS": 0}, follow=True)  # fmt: skip
    assert Team.objects.get(pk=team.pk).name == "Operations"
    assert "Only a governance admin" in response.content.decode()

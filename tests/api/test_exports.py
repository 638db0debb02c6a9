"""Gateway configuration exports: LiteLLM teams with their model names, an Azure Policy parameter file; both built
from the live entitlements on every call, so a revoke shows in the very next download."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from django.utils import timezone

from catalog.choices import Channel, Lifecycle
from catalog.models import Offering
from governance.choices import EntitlementStatus
from tests.api.conftest import catalog_model
from tests.factories.governance import EntitlementFactory

pytestmark = pytest.mark.django_db

LITELLM = "/api/v1/exports/litellm/"
AZURE = "/api/v1/exports/azure-policy/"


def team_entry(document: dict, slug: str) -> dict:
    return next(team for team in document["teams"] if team["team_alias"] == slug)


def test_the_litellm_export_lists_each_teams_model_names_and_conditions(world):
    document = world.client("gateway").get(LITELLM).json()

    search = team_entry(document, "search")
    assert search["models"] == ["acme/embed-2", "embed-2"] and search["blocked"] is False
    assert search["metadata"]["entitlements"] == [
        {
            "id": world.entitlement_a.pk,
            "model": "acme/embed-2",
            "offering": None,
            "region": "",
            "status": "active",
            "expires_at": world.entitlement_a.expires_at.isoformat(),
            "allowed_data_classifications": ["public", "internal"],
            "allowed_regions": [],
            "monthly_budget_usd": None,
        }
    ]


def test_the_litellm_export_in_yaml_is_the_same_document(world):
    client = world.client("gateway")
    as_json = client.get(LITELLM).json()
    response = client.get(LITELLM, {"format": "yaml"})

    assert response["Content-Type"].startswith("application/yaml")
    as_yaml = yaml.safe_load(response.content)
    assert as_yaml["teams"] == as_json["teams"]


def test_an_unknown_format_is_a_400_in_the_error_shape(world):
    response = world.client("gateway").get(LITELLM, {"format": "xml"})

    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"format": ["json or yaml."]}


def test_a_revoke_shows_in_the_next_download_and_the_team_is_blocked(world):
    admin = world.client("admin")
    admin.post(f"/api/v1/entitlements/{world.entitlement_a.pk}/revoke/", {"reason": "Ended."}, format="json")

    search = team_entry(world.client("gateway").get(LITELLM).json(), "search")

    assert search["models"] == [] and search["blocked"] is True
    assert world.client("gateway").get(AZURE).json()["parameters"]["allowedModels"]["value"] == ["embed-2"]  # B's


def test_only_entitlements_that_can_allow_are_exported(world):
    now = timezone.now()
    expired = EntitlementFactory(team=world.team_a, model=catalog_model("acme/old-1"))
    expired.__class__.objects.filter(pk=expired.pk).update(
        granted_at=now - dt.timedelta(days=400), expires_at=now - dt.timedelta(days=1)
    )
    EntitlementFactory(
        team=world.team_a, model=catalog_model("acme/retired-1", azure=False)
    ).model.__class__.objects.filter(slug="acme/retired-1").update(lifecycle=Lifecycle.RETIRED)
    EntitlementFactory(team=world.team_a, model=catalog_model("acme/flagged-1"), status=EntitlementStatus.NEEDS_REVIEW)
    EntitlementFactory(team=world.team_a, model=catalog_model("acme/suspended-1"), status=EntitlementStatus.SUSPENDED)

    search = team_entry(world.client("admin").get(LITELLM).json(), "search")

    assert search["models"] == ["acme/embed-2", "acme/flagged-1", "embed-2", "flagged-1"]


def test_an_entitlement_pinned_to_one_offering_exports_that_routing_name_only(world):
    azure = Offering.objects.get(model=world.model, channel=Channel.AZURE)
    EntitlementFactory(team=world.team_a, model=world.model, offering=azure)

    search = team_entry(world.client("admin").get(LITELLM, {"team": "search"}).json(), "search")
    azure_names = world.client("admin").get(AZURE, {"team": "search"}).json()["parameters"]["allowedModels"]["value"]

    assert search["models"] == ["acme/embed-2", "azure/chat-1", "embed-2"]
    assert azure_names == ["chat-1", "embed-2"]


def test_an_offering_pinned_outside_azure_is_not_allowed_in_azure(world):
    vendor = Offering.objects.get(model=world.model, channel=Channel.VENDOR_API)
    EntitlementFactory(team=world.team_a, model=world.model, offering=vendor)

    azure_names = world.client("admin").get(AZURE, {"team": "search"}).json()["parameters"]["allowedModels"]["value"]

    assert azure_names == ["embed-2"]


def test_the_azure_file_is_an_arm_parameter_file(world):
    document = world.client("team_token").get(AZURE).json()

    assert document == {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"allowedModels": {"value": ["embed-2"]}},
    }


def test_a_team_outside_the_callers_scope_is_a_404(world):
    assert world.client("member").get(LITELLM, {"team": "billing"}).status_code == 404
    assert world.client("team_token").get(AZURE, {"team": "billing"}).status_code == 404

"""Gateway configurations built from the live entitlements: read from the database on every call, so a revoke or
an expiry shows in the next download.

"Live" here is what can make the decision endpoint allow: an entitlement that is active or needs_review, has not
expired, for a model that is not retired. Finer conditions (data classes, regions, use cases, policy re-checks)
are not expressible in these files: the gateway still asks ``POST /api/v1/decisions/`` per call, and these files
are its coarse allow-list.

LiteLLM (``GET /api/v1/exports/litellm/``)::

    generated_at: "2026-03-01T12:00:00+00:00"
    teams:
    - team_alias: search-platform        # the Modelgate team slug
      models: [acme/chat-1, chat-1, ...]  # every name the gateway may see for the team's entitled models:
                                          # model slug and every alias; for an entitlement pinned to one offering,
                                          # that offering's routing name only
      blocked: false                      # true when models is empty. LiteLLM reads an empty team model list
                                          # as "all models": block such a team, never push [] as is
      metadata:
        modelgate_team: search-platform
        entitlements: [{id, model, offering, region, status, expires_at, allowed_data_classifications,
                        allowed_regions, monthly_budget_usd}]

``team_alias`` and ``models`` are the fields of LiteLLM's ``POST /team/new`` and ``/team/update``; push one entry
per team.

Azure Policy (``GET /api/v1/exports/azure-policy/``): an ARM parameter file for a policy that restricts
``Microsoft.CognitiveServices/accounts/deployments/model.name`` to ``parameters('allowedModels')``::

    {"$schema": ".../deploymentParameters.json#", "contentVersion": "1.0.0.0",
     "parameters": {"allowedModels": {"value": ["gpt-4o", "gpt-4o-mini"]}}}

The values are the model names Azure deployments use: the last segment of the routing name of each Azure offering
('azure/gpt-4o' -> 'gpt-4o') of an entitled model (or the pinned offering only, when it is an Azure one).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Prefetch, QuerySet

from catalog.choices import Channel, Lifecycle, OfferingStatus
from catalog.models import ModelAlias, Offering
from governance.choices import ALLOWING_ENTITLEMENT_STATUSES
from governance.models import Entitlement, Team

ARM_PARAMETERS_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"


def live_entitlements(entitlements: QuerySet[Entitlement], *, now: dt.datetime) -> QuerySet[Entitlement]:
    azure_offerings = Offering.objects.filter(channel=Channel.AZURE).exclude(status=OfferingStatus.RETIRED)
    return (
        entitlements.filter(status__in=ALLOWING_ENTITLEMENT_STATUSES, expires_at__gt=now)
        .exclude(model__lifecycle=Lifecycle.RETIRED)
        .exclude(model__retirement_date__lte=now.date())
        .select_related("team", "model", "offering")
        .prefetch_related(
            Prefetch("model__aliases", queryset=ModelAlias.objects.order_by("name")),
            Prefetch("model__offerings", queryset=azure_offerings, to_attr="azure_offerings"),
        )
        .order_by("team__slug", "model__slug", "pk")
    )


def gateway_names(entitlement: Entitlement) -> list[str]:
    if entitlement.offering_id is not None:
        return [entitlement.offering.external_id]
    return [entitlement.model.slug, *(alias.name for alias in entitlement.model.aliases.all())]


def _entitlement_entry(e: Entitlement) -> dict:
    return {
        "id": e.pk,
        "model": e.model.slug,
        "offering": e.offering.external_id if e.offering_id else None,
        "region": e.region,
        "status": e.status,
        "expires_at": e.expires_at.isoformat(),
        "allowed_data_classifications": list(e.allowed_data_classifications),
        "allowed_regions": list(e.allowed_regions),
        "monthly_budget_usd": None if e.monthly_budget_usd is None else str(e.monthly_budget_usd),
    }


def _team_entry(team: Team, entitlements: list[Entitlement]) -> dict:
    models = sorted({name for e in entitlements for name in gateway_names(e)})
    return {
        "team_alias": team.slug,
        "models": models,
        "blocked": not models,
        "metadata": {
            "modelgate_team": team.slug,
            "team_name": team.name,
            "entitlements": [_entitlement_entry(e) for e in entitlements],
        },
    }


def litellm_config(teams: QuerySet[Team], entitlements: QuerySet[Entitlement], *, now: dt.datetime) -> dict:
    by_team: dict[int, list[Entitlement]] = defaultdict(list)
    for entitlement in live_entitlements(entitlements.filter(team__in=teams), now=now):
        by_team[entitlement.team_id].append(entitlement)
    return {
        "generated_at": now.isoformat(),
        "teams": [_team_entry(team, by_team[team.pk]) for team in teams.order_by("slug")],
    }


def azure_model_name(external_id: str) -> str:
    return external_id.rstrip("/").rsplit("/", 1)[-1]


def azure_allowed_models(entitlements: QuerySet[Entitlement], *, now: dt.datetime) -> dict:
    names: set[str] = set()
    for entitlement in live_entitlements(entitlements, now=now):
        if entitlement.offering_id is not None:
            offerings = [entitlement.offering] if entitlement.offering.channel == Channel.AZURE else []
        else:
            offerings = entitlement.model.azure_offerings
        names.update(azure_model_name(o.external_id) for o in offerings if o.status != OfferingStatus.RETIRED)
    return {
        "$schema": ARM_PARAMETERS_SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": {"allowedModels": {"value": sorted(names)}},
    }

"""Gateway configuration exports (shapes documented in governance.api.exports).

Scope: a team token sees its own team; a gateway token (``decisions``, no team) every team; a person the teams
and entitlements they may see. Read live on every call, so a revoke shows in the next download.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import NotFoundError
from governance.api import exports
from governance.api.permissions import DECISIONS, GOVERNANCE_READ, api_token, is_gateway_token
from governance.api.renderers import YAMLRenderer
from governance.api.views.base import GovernanceView, JSONErrorsMixin, field_error
from governance.models import Entitlement, Team
from governance.selectors.scoping import entitlements_visible_to, teams_visible_to

EXPORT_SCOPES = {"GET": (DECISIONS, *GOVERNANCE_READ)}
TEAM_PARAMETER = OpenApiParameter("team", OpenApiTypes.STR, description="Only this team (slug).")


def export_scope(request) -> tuple:
    """(teams, entitlements) the caller's export covers, narrowed to ``?team=`` when given."""
    token = api_token(request)
    if token is not None and token.team_id is not None:
        teams, entitlements = Team.objects.filter(pk=token.team_id), Entitlement.objects.filter(team_id=token.team_id)
    elif is_gateway_token(request):
        # A gateway configures every team: its token is the organisation's, not a person's view of it.
        teams, entitlements = Team.objects.all(), Entitlement.objects.all()
    else:
        teams, entitlements = teams_visible_to(request.user), entitlements_visible_to(request.user)
    slug = request.query_params.get("team")
    if slug:
        teams = teams.filter(slug=slug)
        if not teams.exists():
            raise NotFoundError(f"Team {slug!r} was not found.")
    return teams, entitlements.filter(team__in=teams)


class ExportView(JSONErrorsMixin, GovernanceView, APIView):
    required_scopes = EXPORT_SCOPES


@extend_schema(
    tags=["exports"],
    parameters=[
        TEAM_PARAMETER,
        OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "yaml"], description="Default json."),
    ],
    responses={
        (200, "application/json"): OpenApiResponse(
            OpenApiTypes.OBJECT, description="{generated_at, teams: [{team_alias, models, blocked, metadata}]}"
        ),
        # The same document as the JSON one, serialized as YAML: an object, not a string.
        (200, "application/yaml"): OpenApiResponse(OpenApiTypes.OBJECT, description="The same document in YAML."),
    },
)
class LiteLLMExportView(ExportView):
    """The live entitlements as LiteLLM proxy teams: each team with ``models``, every name (slug and alias) of
    every model it may use. A team with none is ``blocked: true`` (LiteLLM reads an empty list as all models)."""

    renderer_classes = [JSONRenderer, YAMLRenderer]

    def get(self, request):
        if request.query_params.get("format", "json") not in ("json", "yaml"):
            raise field_error("format", "json or yaml.")
        teams, entitlements = export_scope(request)
        return Response(exports.litellm_config(teams, entitlements, now=timezone.now()))


@extend_schema(
    tags=["exports"],
    parameters=[TEAM_PARAMETER],
    responses={
        200: OpenApiResponse(
            OpenApiTypes.OBJECT,
            description='ARM parameter file: {"$schema", "contentVersion", "parameters": {"allowedModels": '
            '{"value": [model names]}}}',
        )
    },
)
class AzurePolicyExportView(ExportView):
    """An Azure Policy parameter file allowing the Azure deployment names of the models the scope's teams may use,
    for a policy on ``Microsoft.CognitiveServices/accounts/deployments/model.name``."""

    renderer_classes = [JSONRenderer]

    def get(self, request):
        _teams, entitlements = export_scope(request)
        return Response(exports.azure_allowed_models(entitlements, now=timezone.now()))

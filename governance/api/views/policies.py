"""Policy as code over the API: versions (governance admins write, auditors read), their diff, and dry runs."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.pagination import StableCursorPagination
from governance import permissions
from governance.api.permissions import ADMIN, GOVERNANCE_READ
from governance.api.serializers import policies as s
from governance.api.views.base import (
    GovernanceView,
    catalog_model,
    model_offering,
    team_use_case,
    validated,
    visible_team,
)
from governance.models import PolicyVersion
from governance.policy import policy_evaluate, policy_version_create, policy_version_get, policy_versions_diff


def require_policy_reader(user) -> None:
    permissions.require(
        permissions.sees_everything(user), "Only governance admins and auditors read the policy versions."
    )


class NewestFirstPagination(StableCursorPagination):
    ordering = "-version"


@extend_schema(tags=["policy"])
class PolicyVersionListView(GovernanceView, generics.ListAPIView):
    """Every version of the rule set, newest first; exactly one is active."""

    required_scopes = {"GET": GOVERNANCE_READ, "POST": ADMIN}
    serializer_class = s.PolicyVersionSerializer
    pagination_class = NewestFirstPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller
            return PolicyVersion.objects.none()
        require_policy_reader(self.request.user)
        # Unscoped on purpose: the role check above is the whole rule (policy_versions() returns a list, and a
        # cursor page needs a queryset).
        return PolicyVersion.objects.select_related("created_by")

    @extend_schema(request=s.PolicyVersionCreateInput, responses={201: s.PolicyVersionDetailSerializer})
    def post(self, request):
        """Validate a rule set and make it the active version (governance admins). Invalid rules store nothing;
        the 400 names every rule and field at fault."""
        data = validated(s.PolicyVersionCreateInput, request.data)
        version = policy_version_create(rules_yaml=data["rules_yaml"], note=data.get("note", ""), actor=request.user)
        return Response(s.PolicyVersionDetailSerializer(version).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["policy"])
class PolicyVersionDetailView(GovernanceView, generics.RetrieveAPIView):
    """One version with its YAML."""

    required_scopes = {"GET": GOVERNANCE_READ}
    serializer_class = s.PolicyVersionDetailSerializer

    def get_object(self):
        require_policy_reader(self.request.user)
        return policy_version_get(self.kwargs["version"])


@extend_schema(tags=["policy"], parameters=[s.PolicyDiffQuery], responses={200: s.PolicyDiffSerializer})
class PolicyDiffView(GovernanceView, APIView):
    """What changed from version a to version b, as a unified diff of their YAML."""

    required_scopes = {"GET": GOVERNANCE_READ}

    def get(self, request):
        require_policy_reader(request.user)
        query = validated(s.PolicyDiffQuery, request.query_params)
        diff = policy_versions_diff(query["a"], query["b"])
        return Response({"a": query["a"], "b": query["b"], "diff": diff})


@extend_schema(tags=["policy"], request=s.DryRunInput, responses={200: s.EvaluationSerializer})
class PolicyDryRunView(GovernanceView, APIView):
    """What the active policy would decide for a new request: deny, review by which stages, or allow, with every
    rule that matched and the facts it read. Nothing is stored. For a team you belong to (any team for governance
    admins and auditors)."""

    required_scopes = {"POST": GOVERNANCE_READ}

    def post(self, request):
        data = validated(s.DryRunInput, request.data)
        team = visible_team(request.user, data["team"])
        model = catalog_model(data["model"])
        evaluation = policy_evaluate(
            team=team,
            model=model,
            use_case=team_use_case(team, data["use_case"]) if data.get("use_case") else None,
            data_classification=data.get("data_classification"),
            region=data.get("region") or None,
            offering=model_offering(model, data["offering"]) if data.get("offering") else None,
            persist=False,
        )
        return Response(s.EvaluationSerializer(evaluation).data)

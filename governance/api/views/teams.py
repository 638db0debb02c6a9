"""Teams (read; governance admins create) and their use cases (members create, team admins change and delete)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from core.api.pagination import SlugCursorPagination, StableCursorPagination
from core.exceptions import NotFoundError
from governance.api.filtersets import UseCaseFilterSet
from governance.api.permissions import ADMIN, GOVERNANCE_READ, REQUESTS_WRITE
from governance.api.serializers.teams import (
    TeamCreateInput,
    TeamDetailSerializer,
    TeamSerializer,
    UseCaseCreateInput,
    UseCaseSerializer,
    UseCaseUpdateInput,
)
from governance.api.views.base import GovernanceView, field_error, validated, visible_team
from governance.selectors import team_get_for, team_list_for, use_case_list_for
from governance.services.teams import team_create, use_case_create, use_case_delete, use_case_update


def _users(usernames: list[str]):
    User = get_user_model()
    found = {u.get_username(): u for u in User.objects.filter(username__in=usernames, is_active=True)}
    missing = sorted(set(usernames) - set(found))
    if missing:
        raise field_error("admins", f"No active user(s) named {', '.join(missing)}.")
    return [found[name] for name in usernames]


@extend_schema(tags=["teams"])
class TeamListView(GovernanceView, generics.ListAPIView):
    """Teams you belong to (every team for governance admins and auditors)."""

    required_scopes = {"GET": GOVERNANCE_READ, "POST": ADMIN}
    serializer_class = TeamSerializer
    pagination_class = SlugCursorPagination

    def get_queryset(self):
        return team_list_for(self.request.user)

    @extend_schema(request=TeamCreateInput, responses={201: TeamDetailSerializer})
    def post(self, request):
        """Create a team (governance admins), optionally with its first admins."""
        data = validated(TeamCreateInput, request.data)
        admins = _users(data.pop("admins", []))
        team = team_create(actor=request.user, admins=admins, **data)
        return Response(
            TeamDetailSerializer(team_get_for(request.user, team.slug)).data, status=status.HTTP_201_CREATED
        )


@extend_schema(tags=["teams"])
class TeamDetailView(GovernanceView, generics.RetrieveAPIView):
    """One team with its members and their roles."""

    required_scopes = {"GET": GOVERNANCE_READ}
    serializer_class = TeamDetailSerializer

    def get_object(self):
        return team_get_for(self.request.user, self.kwargs["slug"])


@extend_schema(tags=["teams"])
class UseCaseListView(GovernanceView, generics.ListAPIView):
    """Use cases of your teams (and of requests you review); every team's for governance admins and auditors."""

    required_scopes = {"GET": GOVERNANCE_READ, "POST": REQUESTS_WRITE}
    serializer_class = UseCaseSerializer
    pagination_class = StableCursorPagination
    filterset_class = UseCaseFilterSet

    def get_queryset(self):
        return use_case_list_for(self.request.user)

    @extend_schema(request=UseCaseCreateInput, responses={201: UseCaseSerializer})
    def post(self, request):
        """Describe what a team uses models for (members of the team)."""
        data = validated(UseCaseCreateInput, request.data)
        team = visible_team(request.user, data.pop("team"))
        use_case = use_case_create(actor=request.user, team=team, **data)
        return Response(UseCaseSerializer(use_case).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["teams"])
class UseCaseDetailView(GovernanceView, generics.RetrieveAPIView):
    """One use case. Team admins change it (its risk tier decides future reviews) or delete it while nothing
    refers to it."""

    required_scopes = {"GET": GOVERNANCE_READ, "PATCH": REQUESTS_WRITE, "DELETE": REQUESTS_WRITE}
    serializer_class = UseCaseSerializer

    def get_object(self):
        use_case = use_case_list_for(self.request.user).filter(pk=self.kwargs["pk"]).first()
        if use_case is None:
            raise NotFoundError(f"Use case #{self.kwargs['pk']} was not found.")
        return use_case

    @extend_schema(request=UseCaseUpdateInput, responses={200: UseCaseSerializer})
    def patch(self, request, pk):
        changes = validated(UseCaseUpdateInput, request.data)
        if not changes:
            raise field_error("non_field_errors", "Send at least one field to change.")
        use_case = use_case_update(actor=request.user, use_case=self.get_object(), **changes)
        return Response(UseCaseSerializer(use_case).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        use_case_delete(actor=request.user, use_case=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

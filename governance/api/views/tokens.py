"""API tokens over the API. Creating one is rate-limited per person with an atomic count (governance.api.throttling);
the token string is in the create response and nowhere else, ever."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.pagination import StableCursorPagination
from core.exceptions import NotFoundError
from governance.api import throttling
from governance.api.permissions import ADMIN
from governance.api.serializers.base import NoInput
from governance.api.serializers.tokens import TokenCreatedSerializer, TokenCreateInput, TokenSerializer
from governance.api.views.base import GovernanceView, validated, visible_team
from governance.models import ApiToken
from governance.selectors import token_list_for
from governance.services.tokens import api_token_create, api_token_revoke

# Minting credentials with a credential needs the token's owner to have trusted it with everything.
TOKEN_SCOPES = {"GET": ADMIN, "POST": ADMIN}


@extend_schema(tags=["tokens"])
class TokenListView(GovernanceView, generics.ListAPIView):
    """Your tokens, those you issued, and your admin teams' service-account tokens (all for governance admins)."""

    required_scopes = TOKEN_SCOPES
    serializer_class = TokenSerializer
    pagination_class = StableCursorPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller
            return ApiToken.objects.none()
        return token_list_for(self.request.user)

    @extend_schema(request=TokenCreateInput, responses={201: TokenCreatedSerializer})
    def post(self, request):
        """Issue a token for yourself, or with ``team`` for the team's service account (team admins). The response
        carries the token string this once; only an HMAC of its secret is stored. At most 20 per hour per person
        (429 with Retry-After beyond)."""
        data = validated(TokenCreateInput, request.data)
        team = visible_team(request.user, data["team"]) if data.get("team") else None
        rule = throttling.configured(*throttling.TOKEN_CREATE)
        mine = ApiToken.objects.filter(created_by=request.user)
        with throttling.throttled_write(rule, caller_key=f"user:{request.user.pk}", created=mine):
            token, full = api_token_create(
                actor=request.user,
                name=data["name"],
                scopes=data["scopes"],
                team=team,
                expires_at=data.get("expires_at"),
            )
        body = TokenCreatedSerializer(token).data | {"token": full}
        return Response(body, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"})


@extend_schema(tags=["tokens"], request=None, responses={200: TokenSerializer})
class TokenRevokeView(GovernanceView, APIView):
    """Revoke a token now: every process refuses it from its next request (within a second)."""

    required_scopes = TOKEN_SCOPES

    def post(self, request, pk: int):
        validated(NoInput, request.data)
        token = token_list_for(request.user).filter(pk=pk).first()
        if token is None:
            raise NotFoundError(f"Token #{pk} was not found.")
        api_token_revoke(actor=request.user, token=token)
        return Response(TokenSerializer(token_list_for(request.user).get(pk=pk)).data)

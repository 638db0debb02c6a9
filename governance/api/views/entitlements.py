"""Entitlements: read (scoped to the caller), revoke, reconfirm after a re-review."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.pagination import StableCursorPagination
from governance.api.filtersets import EntitlementFilterSet
from governance.api.permissions import GOVERNANCE_READ, REQUESTS_WRITE, REVIEWS_WRITE
from governance.api.serializers.entitlements import (
    EntitlementReconfirmInput,
    EntitlementRevokeInput,
    EntitlementSerializer,
)
from governance.api.views.base import GovernanceView, validated
from governance.selectors import entitlement_get_for, entitlement_list_for
from governance.services.entitlements import entitlement_reconfirm, entitlement_revoke


@extend_schema(tags=["entitlements"])
class EntitlementListView(GovernanceView, generics.ListAPIView):
    """Entitlements of your teams (and of requests you reviewed); every one for governance admins and auditors."""

    required_scopes = {"GET": GOVERNANCE_READ}
    serializer_class = EntitlementSerializer
    pagination_class = StableCursorPagination
    filterset_class = EntitlementFilterSet

    def get_queryset(self):
        return entitlement_list_for(self.request.user).select_related("revoked_by")


@extend_schema(tags=["entitlements"])
class EntitlementDetailView(GovernanceView, generics.RetrieveAPIView):
    required_scopes = {"GET": GOVERNANCE_READ}
    serializer_class = EntitlementSerializer

    def get_object(self):
        return entitlement_get_for(self.request.user, self.kwargs["pk"])


@extend_schema(tags=["entitlements"], request=EntitlementRevokeInput, responses={200: EntitlementSerializer})
class EntitlementRevokeView(GovernanceView, APIView):
    """Take the entitlement away now (governance admins, or an admin of its team); the decision endpoint denies
    from the next call on, in every process within a second."""

    required_scopes = {"POST": REQUESTS_WRITE}

    def post(self, request, pk: int):
        entitlement = entitlement_get_for(request.user, pk)
        data = validated(EntitlementRevokeInput, request.data)
        entitlement_revoke(entitlement=entitlement, actor=request.user, reason=data["reason"])
        return Response(EntitlementSerializer(entitlement_get_for(request.user, pk)).data)


@extend_schema(tags=["entitlements"], request=EntitlementReconfirmInput, responses={200: EntitlementSerializer})
class EntitlementReconfirmView(GovernanceView, APIView):
    """Keep an entitlement that was flagged for re-review (a reviewer of its stages, or a governance admin)."""

    required_scopes = {"POST": REVIEWS_WRITE}

    def post(self, request, pk: int):
        entitlement = entitlement_get_for(request.user, pk)
        data = validated(EntitlementReconfirmInput, request.data)
        entitlement_reconfirm(entitlement=entitlement, actor=request.user, comment=data.get("comment", ""))
        return Response(EntitlementSerializer(entitlement_get_for(request.user, pk)).data)

"""Webhook subscriptions: a team's admins manage its own, governance admins the organisation-wide ones."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from core.api.pagination import StableCursorPagination
from core.exceptions import NotFoundError
from governance.api import throttling
from governance.api.filtersets import WebhookFilterSet
from governance.api.permissions import GOVERNANCE_READ, REQUESTS_WRITE
from governance.api.serializers.webhooks import (
    WebhookCreatedSerializer,
    WebhookCreateInput,
    WebhookSerializer,
    WebhookUpdateInput,
)
from governance.api.views.base import GovernanceView, field_error, validated, visible_team
from governance.models import WebhookSubscription
from governance.selectors import webhook_list_for
from governance.services.webhooks import (
    webhook_subscription_create,
    webhook_subscription_deactivate,
    webhook_subscription_update,
)


@extend_schema(tags=["webhooks"])
class WebhookListView(GovernanceView, generics.ListAPIView):
    """Subscriptions of your teams (organisation-wide ones for governance admins and auditors)."""

    required_scopes = {"GET": GOVERNANCE_READ, "POST": REQUESTS_WRITE}
    serializer_class = WebhookSerializer
    pagination_class = StableCursorPagination
    filterset_class = WebhookFilterSet

    def get_queryset(self):
        return webhook_list_for(self.request.user).select_related("created_by")

    @extend_schema(request=WebhookCreateInput, responses={201: WebhookCreatedSerializer})
    def post(self, request):
        """Subscribe an https URL to events. The response carries the signing secret, this once only."""
        data = validated(WebhookCreateInput, request.data)
        team = visible_team(request.user, data["team"]) if data.get("team") else None
        rule = throttling.configured(*throttling.WEBHOOK_CREATE)
        mine = WebhookSubscription.objects.filter(created_by=request.user)
        with throttling.throttled_write(rule, caller_key=f"user:{request.user.pk}", created=mine):
            subscription, secret = webhook_subscription_create(
                actor=request.user, team=team, url=data["url"], events=data["events"]
            )
        body = WebhookCreatedSerializer(subscription).data | {"secret": secret}
        return Response(body, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"})


@extend_schema(tags=["webhooks"])
class WebhookDetailView(GovernanceView, generics.RetrieveAPIView):
    """One subscription (never its secret). DELETE deactivates it: its delivery log stays."""

    required_scopes = {"GET": GOVERNANCE_READ, "PATCH": REQUESTS_WRITE, "DELETE": REQUESTS_WRITE}
    serializer_class = WebhookSerializer

    def get_object(self):
        subscription = webhook_list_for(self.request.user).filter(pk=self.kwargs["pk"]).first()
        if subscription is None:
            raise NotFoundError(f"Webhook #{self.kwargs['pk']} was not found.")
        return subscription

    @extend_schema(request=WebhookUpdateInput, responses={200: WebhookSerializer})
    def patch(self, request, pk: int):
        subscription = self.get_object()
        changes = validated(WebhookUpdateInput, request.data)
        if not changes:
            raise field_error("non_field_errors", "Send at least one field to change.")
        subscription = webhook_subscription_update(actor=request.user, subscription=subscription, **changes)
        return Response(WebhookSerializer(subscription).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        webhook_subscription_deactivate(actor=request.user, subscription=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

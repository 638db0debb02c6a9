"""Webhook subscriptions. The signing secret is returned once, by create."""

from __future__ import annotations

from rest_framework import serializers

from governance.api.serializers.base import InputSerializer, SlugRef, UsernameField
from governance.choices import WebhookEvent
from governance.models import WebhookSubscription


class WebhookSerializer(serializers.ModelSerializer):
    team = SlugRef(allow_null=True)
    created_by = UsernameField(allow_null=True)

    class Meta:
        model = WebhookSubscription
        fields = ["id", "team", "url", "events", "is_active", "created_by", "created_at", "updated_at"]
        read_only_fields = fields


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="Signs every delivery (X-Modelgate-Signature: sha256=HMAC of the body). Shown this once only.",
    )

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookUpdateInput(InputSerializer):
    url = serializers.URLField(max_length=500, required=False)
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices), required=False)


class WebhookCreateInput(InputSerializer):
    team = serializers.SlugField(
        max_length=100, required=False, allow_null=True, help_text="Omit for an organisation-wide webhook."
    )
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices))

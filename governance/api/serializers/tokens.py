"""API tokens. The token string is returned once, by create; only a keyed hash of its secret is stored."""

from __future__ import annotations

from rest_framework import serializers

from governance.api.serializers.base import InputSerializer, SlugRef, UsernameField
from governance.models import ApiToken, TokenScope


class TokenSerializer(serializers.ModelSerializer):
    prefix = serializers.CharField(read_only=True, help_text="The public part, 'mg_<key_id>': how to recognise it.")
    user = UsernameField(help_text="Whom the token acts as (a team's service account for team tokens).")
    team = SlugRef(allow_null=True)
    created_by = UsernameField(allow_null=True)

    class Meta:
        model = ApiToken
        fields = [
            "id", "prefix", "name", "user", "team", "scopes", "expires_at", "revoked_at", "last_used_at",
            "created_by", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class TokenCreatedSerializer(TokenSerializer):
    token = serializers.CharField(
        read_only=True, help_text="'mg_<key_id>.<secret>' for 'Authorization: Bearer ...'. Shown this once only."
    )

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "token"]
        read_only_fields = fields


class TokenCreateInput(InputSerializer):
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=TokenScope.choices), min_length=1)
    team = serializers.SlugField(
        max_length=100, required=False, allow_null=True, help_text="Issue a team's service-account token (team admins)."
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True)

"""Entitlements: what a team may use, under which conditions, until when."""

from __future__ import annotations

from rest_framework import serializers

from governance.api.serializers.base import InputSerializer, SlugRef, UsernameField, choice_output, money
from governance.api.serializers.requests import OfferingRef
from governance.choices import EntitlementStatus
from governance.models import Entitlement


class EntitlementSerializer(serializers.ModelSerializer):
    team = SlugRef()
    model = SlugRef()
    offering = OfferingRef(read_only=True)
    use_case = SlugRef(allow_null=True)
    request = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    monthly_budget_usd = money(read_only=True, allow_null=True)
    revoked_by = UsernameField(allow_null=True)
    status = choice_output(EntitlementStatus)

    class Meta:
        model = Entitlement
        fields = [
            "id", "team", "model", "offering", "region", "request", "use_case", "status",
            "allowed_data_classifications", "allowed_regions", "monthly_budget_usd", "notes", "granted_at",
            "expires_at", "needs_review_reason", "revoked_at", "revoked_by", "revoke_reason", "version",
        ]  # fmt: skip
        read_only_fields = fields


class EntitlementRevokeInput(InputSerializer):
    reason = serializers.CharField(help_text="Why the entitlement is taken away; the team reads it.")


class EntitlementReconfirmInput(InputSerializer):
    comment = serializers.CharField(required=False, allow_blank=True)

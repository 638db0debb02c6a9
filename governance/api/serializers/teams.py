"""Teams and use cases."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.api.serializers.base import InputSerializer, SlugRef, username
from governance.choices import DataClassification, RiskTier, TeamRole
from governance.models import Team, UseCase


class TeamSerializer(serializers.ModelSerializer):
    member_count = serializers.IntegerField(read_only=True, help_text="People (and service accounts) in the team.")

    class Meta:
        model = Team
        fields = [
            "slug", "name", "business_unit", "cost_centre", "regulated", "allowed_data_classifications",
            "allowed_regions", "member_count", "created_at",
        ]  # fmt: skip


class MemberSerializer(serializers.Serializer):
    username = serializers.CharField()
    role = serializers.ChoiceField(choices=TeamRole.choices)


class TeamDetailSerializer(TeamSerializer):
    member_count = serializers.SerializerMethodField()
    members = serializers.SerializerMethodField()

    class Meta(TeamSerializer.Meta):
        fields = [*TeamSerializer.Meta.fields, "members"]

    def get_member_count(self, team) -> int:
        return len(team.memberships.all())

    @extend_schema_field(MemberSerializer(many=True))
    def get_members(self, team):
        memberships = sorted(team.memberships.all(), key=lambda m: m.user.get_username())
        return [{"username": username(m.user), "role": m.role} for m in memberships]


class TeamCreateInput(InputSerializer):
    slug = serializers.SlugField(max_length=100)
    name = serializers.CharField(max_length=200)
    business_unit = serializers.CharField(max_length=200, required=False, allow_blank=True)
    cost_centre = serializers.CharField(max_length=50, required=False, allow_blank=True)
    regulated = serializers.BooleanField(required=False)
    allowed_data_classifications = serializers.ListField(
        child=serializers.ChoiceField(choices=DataClassification.choices), required=False
    )
    allowed_regions = serializers.ListField(child=serializers.CharField(max_length=50), required=False)
    admins = serializers.ListField(
        child=serializers.CharField(max_length=150), required=False, help_text="Usernames of the team's first admins."
    )


class UseCaseSerializer(serializers.ModelSerializer):
    team = SlugRef()

    class Meta:
        model = UseCase
        fields = [
            "id", "team", "slug", "name", "description", "data_classification", "risk_tier", "user_facing",
            "production", "created_at", "updated_at",
        ]  # fmt: skip


class UseCaseUpdateInput(InputSerializer):
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    data_classification = serializers.ChoiceField(choices=DataClassification.choices, required=False)
    risk_tier = serializers.ChoiceField(choices=RiskTier.choices, required=False)
    user_facing = serializers.BooleanField(required=False)
    production = serializers.BooleanField(required=False)


class UseCaseCreateInput(UseCaseUpdateInput):
    team = serializers.SlugField(max_length=100, help_text="Slug of the team the use case belongs to.")
    slug = serializers.SlugField(max_length=100)
    name = serializers.CharField(max_length=200)
    data_classification = serializers.ChoiceField(choices=DataClassification.choices)

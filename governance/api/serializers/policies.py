"""Policy versions, their diff, and dry runs."""

from __future__ import annotations

from rest_framework import serializers

from governance.api.serializers.base import InputSerializer, UsernameField
from governance.choices import DataClassification, PolicyOutcome
from governance.models import PolicyVersion


class PolicyVersionSerializer(serializers.ModelSerializer):
    created_by = UsernameField(allow_null=True)

    class Meta:
        model = PolicyVersion
        fields = ["version", "sha256", "note", "is_active", "created_at", "created_by"]
        read_only_fields = fields


class PolicyVersionDetailSerializer(PolicyVersionSerializer):
    class Meta(PolicyVersionSerializer.Meta):
        fields = [*PolicyVersionSerializer.Meta.fields, "rules_yaml"]
        read_only_fields = fields


class PolicyVersionCreateInput(InputSerializer):
    rules_yaml = serializers.CharField(trim_whitespace=False, help_text="The whole rule set, in YAML.")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, help_text="What changed and why.")


class PolicyDiffQuery(serializers.Serializer):
    a = serializers.IntegerField(min_value=1, help_text="The older version.")
    b = serializers.IntegerField(min_value=1, help_text="The newer version.")


class PolicyDiffSerializer(serializers.Serializer):
    a = serializers.IntegerField()
    b = serializers.IntegerField()
    diff = serializers.CharField(help_text="Unified diff of the YAML of a to b; empty when the texts are equal.")


class DryRunInput(InputSerializer):
    team = serializers.SlugField(max_length=100)
    model = serializers.CharField(max_length=300, help_text="The model's slug or any of its aliases.")
    use_case = serializers.SlugField(max_length=100, required=False, help_text="Slug of one of the team's use cases.")
    data_classification = serializers.ChoiceField(choices=DataClassification.choices, required=False)
    region = serializers.CharField(max_length=50, required=False, allow_blank=True)
    offering = serializers.CharField(max_length=300, required=False, help_text="The offering's external id.")


class MatchedRuleSerializer(serializers.Serializer):
    rule = serializers.CharField()
    effect = serializers.CharField()
    stages = serializers.ListField(child=serializers.CharField())
    message = serializers.CharField()
    facts = serializers.DictField(help_text="The facts the rule's condition read, with their values.")


class EvaluationSerializer(serializers.Serializer):
    """What the active policy would say about a new request for this question. Nothing is stored."""

    outcome = serializers.ChoiceField(choices=PolicyOutcome.choices)
    policy_version = serializers.IntegerField(source="policy_version.version")
    required_stages = serializers.ListField(child=serializers.CharField())
    matched_rules = MatchedRuleSerializer(many=True)
    warnings = serializers.ListField(child=serializers.CharField())
    explanation = serializers.CharField()
    facts = serializers.DictField()

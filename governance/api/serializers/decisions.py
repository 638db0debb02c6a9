"""The decision endpoint's documented shapes. The view validates by hand (``governance.api.views.decisions``):
it is the hot path, and a serializer per call costs more than the decision itself on a cache hit."""

from __future__ import annotations

from rest_framework import serializers

from governance.choices import DataClassification

MAX_BATCH = 100


class DecisionQuestionSerializer(serializers.Serializer):
    team = serializers.SlugField(
        required=False, help_text="The team's slug; optional with a team token (its own team, and only that)."
    )
    model = serializers.CharField(max_length=300, help_text="The model's slug or any alias, case-insensitive.")
    use_case = serializers.SlugField(required=False, allow_null=True, help_text="One of the team's use cases.")
    data_classification = serializers.ChoiceField(
        choices=DataClassification.choices, required=False, allow_null=True, help_text="The data sent to the model."
    )
    region = serializers.CharField(max_length=50, required=False, allow_null=True)


class DecisionSerializer(serializers.Serializer):
    allow = serializers.BooleanField(help_text="Let the call through. Anything but an explicit true is a deny.")
    decision = serializers.CharField(help_text="'allow' or 'deny', the same answer as ``allow`` in words.")
    reasons = serializers.ListField(child=serializers.CharField(), help_text="Why, for a person.")
    obligations = serializers.DictField(
        help_text="What the gateway must enforce when allowed: allowed data classes and regions, monthly budget "
        "(USD, a decimal string), offering, reviewers' conditions, needs_review."
    )
    entitlement = serializers.IntegerField(allow_null=True, help_text="The entitlement that allows the call.")
    expires_at = serializers.DateTimeField(allow_null=True, help_text="The allow holds at most until then.")
    policy_version = serializers.IntegerField(allow_null=True)
    team = serializers.CharField(allow_null=True)
    model = serializers.CharField(allow_null=True, help_text="The canonical slug of the model asked about.")
    warnings = serializers.ListField(child=serializers.CharField())


class DecisionBatchInput(serializers.Serializer):
    items = DecisionQuestionSerializer(many=True, help_text=f"1 to {MAX_BATCH} questions.")


class DecisionBatchSerializer(serializers.Serializer):
    results = DecisionSerializer(many=True, help_text="One answer per item, in the same order.")

"""Approval requests, their reviews and comments, and the inputs of each transition."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.api.serializers.base import InputSerializer, SlugRef, UsernameField, choice_output, money
from governance.choices import DataClassification, RequestStatus, StageDecision
from governance.models import ApprovalRequest, RequestComment, StageReview


@extend_schema_field({"type": "string", "nullable": True})
class OfferingRef(serializers.Field):
    """An offering shown by the source's id for it (e.g. a litellm routing name)."""

    def to_representation(self, offering):
        return offering.external_id

    def to_internal_value(self, data):
        raise NotImplementedError


class RequestSerializer(serializers.ModelSerializer):
    team = SlugRef()
    model = SlugRef()
    offering = OfferingRef(read_only=True)
    use_case = SlugRef()
    requested_by = UsernameField()
    expected_monthly_spend_usd = money(read_only=True, allow_null=True)
    status = choice_output(RequestStatus)

    class Meta:
        model = ApprovalRequest
        fields = [
            "id", "team", "model", "offering", "region", "model_version", "use_case", "data_classification",
            "expected_monthly_tokens", "expected_monthly_spend_usd", "justification", "requested_by", "status",
            "round", "version", "submitted_at", "decided_at", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class ReviewSerializer(serializers.ModelSerializer):
    stage = SlugRef()
    stage_name = serializers.CharField(source="stage.name", read_only=True)
    decided_by = UsernameField(allow_null=True)
    decision = choice_output(StageDecision)

    class Meta:
        model = StageReview
        fields = [
            "id", "stage", "stage_name", "round", "decision", "decided_by", "decided_at", "comment", "due_at",
            "conditions",
        ]  # fmt: skip
        read_only_fields = fields


class PolicyEvaluationSummarySerializer(serializers.Serializer):
    outcome = serializers.CharField()
    policy_version = serializers.IntegerField(source="policy_version.version")
    required_stages = serializers.ListField(child=serializers.CharField())
    warnings = serializers.ListField(child=serializers.CharField())
    explanation = serializers.CharField()
    evaluated_at = serializers.DateTimeField()


class RequestDetailSerializer(RequestSerializer):
    policy_evaluation = PolicyEvaluationSummarySerializer(read_only=True, allow_null=True)
    reviews = ReviewSerializer(many=True, read_only=True)

    class Meta(RequestSerializer.Meta):
        fields = [*RequestSerializer.Meta.fields, "policy_evaluation", "reviews"]
        read_only_fields = fields


class RequestSummarySerializer(serializers.ModelSerializer):
    team = SlugRef()
    model = SlugRef()
    use_case = SlugRef()
    requested_by = UsernameField()
    status = choice_output(RequestStatus)

    class Meta:
        model = ApprovalRequest
        fields = ["id", "team", "model", "use_case", "data_classification", "requested_by", "status", "submitted_at"]
        read_only_fields = fields


class InboxReviewSerializer(ReviewSerializer):
    request = RequestSummarySerializer(read_only=True)

    class Meta(ReviewSerializer.Meta):
        fields = [*ReviewSerializer.Meta.fields, "request"]
        read_only_fields = fields


class CommentSerializer(serializers.ModelSerializer):
    author = UsernameField()

    class Meta:
        model = RequestComment
        fields = ["id", "author", "body", "created_at"]
        read_only_fields = fields


# --- inputs ------------------------------------------------------------------------------------------------


class RequestUpdateInput(InputSerializer):
    """What the requester may change while the request is a draft or sent back with changes requested."""

    offering = serializers.CharField(
        max_length=300, required=False, allow_null=True, help_text="The offering's external id, e.g. 'azure/gpt-4o'."
    )
    region = serializers.CharField(max_length=50, required=False, allow_blank=True)
    model_version = serializers.CharField(max_length=100, required=False, allow_blank=True)
    use_case = serializers.SlugField(max_length=100, required=False, help_text="Slug of one of the team's use cases.")
    data_classification = serializers.ChoiceField(choices=DataClassification.choices, required=False)
    expected_monthly_tokens = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    expected_monthly_spend_usd = money(min_value=0, required=False, allow_null=True)
    justification = serializers.CharField(required=False)


class RequestCreateInput(RequestUpdateInput):
    team = serializers.SlugField(max_length=100, help_text="A team you are a member of.")
    model = serializers.CharField(max_length=300, help_text="The model's slug or any of its aliases.")
    use_case = serializers.SlugField(max_length=100, help_text="Slug of one of the team's use cases.")
    data_classification = serializers.ChoiceField(choices=DataClassification.choices)
    justification = serializers.CharField()


class StageChoiceInput(InputSerializer):
    stage = serializers.SlugField(
        max_length=50, required=False, help_text="The stage to decide, when you review several stages of it."
    )


class ApproveInput(StageChoiceInput):
    """Approve your stage's pending review; the conditions are merged (most restrictive wins) into the
    entitlement the last approval grants."""

    comment = serializers.CharField(required=False, allow_blank=True)
    allowed_data_classifications = serializers.ListField(
        child=serializers.ChoiceField(choices=DataClassification.choices), required=False
    )
    allowed_regions = serializers.ListField(child=serializers.CharField(max_length=50), required=False)
    monthly_budget_usd = money(min_value=0, required=False, allow_null=True)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class DecideWithCommentInput(StageChoiceInput):
    comment = serializers.CharField(help_text="Why; the requester reads it.")


class WithdrawInput(InputSerializer):
    reason = serializers.CharField(required=False, allow_blank=True)


class RevokeInput(InputSerializer):
    reason = serializers.CharField(help_text="Why the entitlement is taken away; the team reads it.")


class CommentInput(InputSerializer):
    body = serializers.CharField()

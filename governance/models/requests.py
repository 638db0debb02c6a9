from django.conf import settings
from django.db import models
from django.db.models import F, Q

from core.models import TimeStampedModel
from governance.choices import DataClassification, RequestStatus, StageDecision


class ApprovalRequest(TimeStampedModel):
    """A team asks to use a model (optionally pinned to an offering and region) for a use case.

    Moves only through the services in governance.services.requests, one per transition, each under
    select_for_update with its audit event. ``version`` increases on every change (ETag / If-Match)."""

    team = models.ForeignKey("governance.Team", on_delete=models.PROTECT, related_name="requests")
    model = models.ForeignKey("catalog.AIModel", on_delete=models.PROTECT, related_name="approval_requests")
    offering = models.ForeignKey(
        "catalog.Offering", null=True, blank=True, on_delete=models.PROTECT, related_name="approval_requests"
    )
    region = models.CharField(max_length=50, blank=True)
    model_version = models.CharField(max_length=100, blank=True, help_text="Pinned version, if any.")
    use_case = models.ForeignKey("governance.UseCase", on_delete=models.PROTECT, related_name="requests")
    data_classification = models.CharField(max_length=20, choices=DataClassification.choices)
    expected_monthly_tokens = models.BigIntegerField(null=True, blank=True)
    expected_monthly_spend_usd = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    justification = models.TextField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="requests")
    status = models.CharField(max_length=20, choices=RequestStatus.choices, default=RequestStatus.DRAFT, db_index=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    policy_evaluation = models.ForeignKey(
        "governance.PolicyEvaluation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    round = models.PositiveSmallIntegerField(default=0, help_text="Submission count; reviews belong to a round.")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["team", "status"], name="governance_request_team_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(expected_monthly_tokens__isnull=True) | Q(expected_monthly_tokens__gte=0),
                name="%(app_label)s_%(class)s_tokens_not_negative",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.team.slug} -> {self.model.slug} ({self.status})"


class StageReview(TimeStampedModel):
    """One review stage of one round of a request, and its decision. A reviewer may not decide their own
    request: ``requested_by`` is copied here so the database itself can refuse it (segregation of duties)."""

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="reviews")
    stage = models.ForeignKey("governance.ReviewStage", on_delete=models.PROTECT, related_name="reviews")
    round = models.PositiveSmallIntegerField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=20, choices=StageDecision.choices, default=StageDecision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="stage_decisions"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)
    due_at = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    # Conditions this reviewer attached when approving (merged into the entitlement).
    conditions = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["request", "round", "stage__position"]
        constraints = [
            models.UniqueConstraint(fields=["request", "stage", "round"], name="%(app_label)s_%(class)s_one_per_round"),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="%(app_label)s_%(class)s_not_own_request",
            ),
            models.CheckConstraint(
                condition=Q(decision="pending", decided_by__isnull=True)
                | Q(decision="superseded")
                | (~Q(decision__in=["pending", "superseded"]) & Q(decided_by__isnull=False)),
                name="%(app_label)s_%(class)s_decided_has_decider",
            ),
        ]

    def __str__(self):
        return f"{self.request_id}/{self.stage.slug}#{self.round}: {self.decision}"


class RequestComment(TimeStampedModel):
    """A comment on a request by the requester, a team member or a reviewer."""

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"comment on #{self.request_id} by {self.author}"


class ApprovalPacket(models.Model):
    """What was known when a request was approved, frozen: model facts, prices, licence, provenance, benchmarks
    with sources, the policy evaluation, reviews and comments, conditions. Written once, never changed."""

    request = models.OneToOneField(ApprovalRequest, on_delete=models.PROTECT, related_name="packet")
    created_at = models.DateTimeField()
    document = models.JSONField()
    sha256 = models.CharField(max_length=64)

    def __str__(self):
        return f"packet of #{self.request_id}"

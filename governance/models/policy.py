from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from governance.choices import DataClassification, PolicyOutcome


class PolicyVersion(models.Model):
    """One version of the policy rule set (YAML). Every version is kept; exactly one is active. Evaluations
    name the version they used, so an old decision can be explained after the rules change."""

    version = models.PositiveIntegerField(unique=True)
    rules_yaml = models.TextField()
    sha256 = models.CharField(max_length=64)
    note = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="%(app_label)s_%(class)s_one_active"
            ),
        ]

    def __str__(self):
        return f"policy v{self.version}{' (active)' if self.is_active else ''}"


class PolicyEvaluation(models.Model):
    """What the policy said about one question (team, model, use case, data, region), why, and on which facts."""

    policy_version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="evaluations")
    evaluated_at = models.DateTimeField(db_index=True)
    team = models.ForeignKey("governance.Team", on_delete=models.CASCADE, related_name="+")
    model = models.ForeignKey("catalog.AIModel", on_delete=models.CASCADE, related_name="+")
    use_case = models.ForeignKey(
        "governance.UseCase", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data_classification = models.CharField(max_length=20, choices=DataClassification.choices, blank=True)
    region = models.CharField(max_length=50, blank=True)
    outcome = models.CharField(max_length=20, choices=PolicyOutcome.choices)
    required_stages = ArrayField(models.SlugField(max_length=50), default=list, blank=True)
    # [{"rule": id, "effect": "deny|require_stage|allow|warn", "stage": slug?, "message": str}]
    matched_rules = models.JSONField(default=list)
    warnings = models.JSONField(default=list)
    explanation = models.TextField()
    facts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-evaluated_at"]

    def __str__(self):
        return f"{self.outcome} for {self.team_id}/{self.model_id} (v{self.policy_version_id})"

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from core.models import TimeStampedModel
from governance.choices import DataClassification, EntitlementStatus


class Entitlement(TimeStampedModel):
    """A team may use a model (optionally only through one offering or in one region), under conditions, until
    it expires or is revoked. Created by an approval; what the decision endpoint answers from."""

    team = models.ForeignKey("governance.Team", on_delete=models.PROTECT, related_name="entitlements")
    model = models.ForeignKey("catalog.AIModel", on_delete=models.PROTECT, related_name="entitlements")
    offering = models.ForeignKey(
        "catalog.Offering", null=True, blank=True, on_delete=models.PROTECT, related_name="entitlements"
    )
    region = models.CharField(max_length=50, blank=True, default="")
    request = models.ForeignKey(
        "governance.ApprovalRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="entitlements"
    )
    use_case = models.ForeignKey(
        "governance.UseCase", null=True, blank=True, on_delete=models.PROTECT, related_name="entitlements"
    )
    status = models.CharField(
        max_length=20, choices=EntitlementStatus.choices, default=EntitlementStatus.ACTIVE, db_index=True
    )
    # Conditions attached by the approvers.
    allowed_data_classifications = ArrayField(
        models.CharField(max_length=20, choices=DataClassification.choices), default=list, blank=True
    )
    allowed_regions = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    monthly_budget_usd = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    notes = models.TextField(blank=True)
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    expiry_reminded_at = models.DateTimeField(null=True, blank=True)
    needs_review_reason = models.TextField(blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoke_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["team", "model"]
        constraints = [
            # One live entitlement per team, model and scope.
            models.UniqueConstraint(
                fields=["team", "model", "offering", "region"],
                condition=Q(status__in=["active", "needs_review", "suspended"]),
                nulls_distinct=False,
                name="%(app_label)s_%(class)s_one_live_per_scope",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("granted_at")), name="%(app_label)s_%(class)s_expires_after_grant"
            ),
            models.CheckConstraint(
                condition=~Q(status="revoked") | Q(revoked_at__isnull=False),
                name="%(app_label)s_%(class)s_revoked_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.team.slug} may use {self.model.slug} ({self.status})"

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q

from catalog.choices import Channel, DeploymentType, OfferingStatus, PriceUnit, PriceVariant
from core.models import TimeStampedModel


class Offering(TimeStampedModel):
    """A model sold through one channel by one provider (vendor API, a cloud, a router, self-hosted), with the
    regions it runs in and how that channel handles data."""

    model = models.ForeignKey("catalog.AIModel", on_delete=models.CASCADE, related_name="offerings")
    provider = models.ForeignKey("catalog.Organization", on_delete=models.PROTECT, related_name="offerings")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    source = models.ForeignKey("catalog.Source", on_delete=models.PROTECT, related_name="offerings")
    external_id = models.CharField(max_length=300, help_text="The source's id, e.g. a litellm routing name.")
    deployment_type = models.CharField(max_length=20, choices=DeploymentType.choices, default=DeploymentType.UNKNOWN)
    regions = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    status = models.CharField(max_length=20, choices=OfferingStatus.choices, default=OfferingStatus.ACTIVE)
    data_retention_days = models.PositiveIntegerField(null=True, blank=True)
    trains_on_prompts = models.BooleanField(null=True, blank=True)
    zero_data_retention = models.BooleanField(null=True, blank=True)
    quantization = models.CharField(max_length=30, blank=True)
    context_window = models.PositiveIntegerField(null=True, blank=True)
    max_output_tokens = models.PositiveIntegerField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["model", "channel", "external_id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="%(app_label)s_%(class)s_natural_key"),
        ]

    def __str__(self):
        return f"{self.model} via {self.provider} ({self.external_id})"


class Price(models.Model):
    """The price of one unit of an offering over a period. A change closes the current row (effective_to) and
    opens a new one: history is never overwritten. Token units are USD per 1M tokens, others USD per unit."""

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="prices")
    unit = models.CharField(max_length=30, choices=PriceUnit.choices)
    tier = models.CharField(max_length=50, blank=True, default="", help_text="e.g. 'above_200k' context.")
    variant = models.CharField(max_length=20, choices=PriceVariant.choices, default=PriceVariant.STANDARD)
    usd = models.DecimalField(max_digits=20, decimal_places=10)
    effective_from = models.DateTimeField()
    effective_to = models.DateTimeField(null=True, blank=True)
    source = models.ForeignKey("catalog.Source", on_delete=models.PROTECT, related_name="prices")
    run = models.ForeignKey("catalog.SyncRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["offering", "unit", "tier", "variant", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["offering", "unit", "tier", "variant"],
                condition=Q(effective_to__isnull=True),
                name="%(app_label)s_%(class)s_one_current",
            ),
            models.CheckConstraint(condition=Q(usd__gte=0), name="%(app_label)s_%(class)s_not_negative"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gt=F("effective_from")),
                name="%(app_label)s_%(class)s_period_order",
            ),
        ]
        indexes = [
            models.Index(
                fields=["unit", "usd"], condition=Q(effective_to__isnull=True), name="catalog_price_current_idx"
            ),
        ]

    def __str__(self):
        return f"{self.offering.external_id} {self.unit} {self.usd} USD"

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from core.models import TimeStampedModel
from governance.choices import WebhookEvent


class WebhookSubscription(TimeStampedModel):
    """An HTTPS endpoint that receives signed events. Team-scoped (the team's own events) or, with no team,
    organisation-wide (governance admins only)."""

    team = models.ForeignKey(
        "governance.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="webhooks"
    )
    url = models.URLField(max_length=500)
    events = ArrayField(models.CharField(max_length=40, choices=WebhookEvent.choices), default=list)
    # The shared secret signs each body with HMAC-SHA256; it must be readable to sign, and is shown once.
    secret = models.CharField(max_length=128)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["url"]

    def __str__(self):
        return self.url


class WebhookDelivery(TimeStampedModel):
    """One event sent (or being sent) to one subscription: the delivery log. The key makes it idempotent."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    key = models.CharField(max_length=200, help_text="Idempotency key, sent as a header.")
    payload = models.JSONField()
    attempts = models.PositiveSmallIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["subscription", "key"], name="%(app_label)s_%(class)s_once"),
        ]

    def __str__(self):
        return f"{self.event} -> {self.subscription_id} ({'delivered' if self.delivered_at else 'pending'})"

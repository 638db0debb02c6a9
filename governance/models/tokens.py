from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.models import TimeStampedModel


class TokenScope(models.TextChoices):
    CATALOG_READ = "catalog:read", "Read the catalog"
    GOVERNANCE_READ = "governance:read", "Read requests, entitlements, policies and (auditors) the audit trail"
    REQUESTS_WRITE = "requests:write", "Create and manage approval requests"
    REVIEWS_WRITE = "reviews:write", "Decide reviews"
    DECISIONS = "decisions", "Ask for decisions (gateways)"
    ADMIN = "admin", "Everything the owner may do"


class ApiToken(TimeStampedModel):
    """A credential for integrations: ``mg_<key_id>.<secret>``. Only an HMAC-SHA256 of the secret (with a
    server-side pepper) is stored; the secret is shown once. Owned by a user, or by a team's service account
    (``team`` set: the token acts only for that team)."""

    key_id = models.CharField(max_length=32, unique=True, help_text="Public part, looked up on each request.")
    secret_hash = models.CharField(max_length=64, help_text="HMAC-SHA256(pepper, secret), hex.")
    name = models.CharField(max_length=100)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    team = models.ForeignKey(
        "governance.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="api_tokens"
    )
    scopes = ArrayField(models.CharField(max_length=30, choices=TokenScope.choices), default=list)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(scopes=[]), name="%(app_label)s_%(class)s_has_scopes"),
        ]

    def __str__(self):
        return f"mg_{self.key_id} ({self.name})"

    @property
    def prefix(self) -> str:
        return f"mg_{self.key_id}"

    def status_at(self, now) -> str:
        """'revoked', 'expired' or 'active': only an active token authenticates (its owner must be active too)."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())

"""Choice sets of governance. Values are stable identifiers used in the API, policy rules and audit events."""

from django.db import models


class DataClassification(models.TextChoices):
    PUBLIC = "public", "Public"
    INTERNAL = "internal", "Internal"
    CONFIDENTIAL = "confidential", "Confidential"
    RESTRICTED = "restricted", "Restricted"


class RiskTier(models.TextChoices):
    """EU AI Act risk tiers."""

    MINIMAL = "minimal", "Minimal"
    LIMITED = "limited", "Limited"
    HIGH = "high", "High"
    PROHIBITED = "prohibited", "Prohibited"


class TeamRole(models.TextChoices):
    MEMBER = "member", "Member (may request)"
    ADMIN = "admin", "Team admin (manages members)"


class OrgRoleKind(models.TextChoices):
    REVIEWER = "reviewer", "Reviewer for a stage"
    GOVERNANCE_ADMIN = "governance_admin", "Governance admin"
    AUDITOR = "auditor", "Auditor (read-only everything)"


class RequestStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    IN_REVIEW = "in_review", "In review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class StageDecision(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    SUPERSEDED = "superseded", "Superseded (request changed or closed)"


class EntitlementStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    NEEDS_REVIEW = "needs_review", "Needs review"
    SUSPENDED = "suspended", "Suspended"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


# Entitlements in these states still count as the team's one live entitlement for a scope.
LIVE_ENTITLEMENT_STATUSES = (EntitlementStatus.ACTIVE, EntitlementStatus.NEEDS_REVIEW, EntitlementStatus.SUSPENDED)
# Entitlements in these states let the decision endpoint answer allow.
ALLOWING_ENTITLEMENT_STATUSES = (EntitlementStatus.ACTIVE, EntitlementStatus.NEEDS_REVIEW)


class PolicyOutcome(models.TextChoices):
    DENY = "deny", "Deny"
    REVIEW = "review", "Review required"
    ALLOW = "allow", "Allow (auto-approve)"


class WebhookEvent(models.TextChoices):
    REQUEST_SUBMITTED = "request.submitted", "request.submitted"
    REQUEST_APPROVED = "request.approved", "request.approved"
    REQUEST_REJECTED = "request.rejected", "request.rejected"
    ENTITLEMENT_REVOKED = "entitlement.revoked", "entitlement.revoked"
    ENTITLEMENT_NEEDS_REVIEW = "entitlement.needs_review", "entitlement.needs_review"
    ENTITLEMENT_EXPIRING = "entitlement.expiring", "entitlement.expiring"
    CATALOG_PRICE_CHANGED = "catalog.price_changed", "catalog.price_changed"
    CATALOG_MODEL_DEPRECATED = "catalog.model_deprecated", "catalog.model_deprecated"

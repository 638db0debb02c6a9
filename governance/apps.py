from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    """Teams, approval requests, policy, entitlements and decisions. Builds on catalog."""

    name = "governance"
    verbose_name = "Governance"

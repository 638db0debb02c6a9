from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    """Teams, approval requests, policy, entitlements and decisions. Builds on catalog."""

    name = "governance"
    verbose_name = "Governance"

    def ready(self):
        # Every process that runs the outbox relay (the worker, tests) must know how to deliver our topics.
        from core.outbox import register_handler
        from governance.services.notifications import EMAIL_TOPIC, WEBHOOK_TOPIC, email_handle
        from governance.services.webhooks import webhook_handle

        register_handler(EMAIL_TOPIC, email_handle)
        register_handler(WEBHOOK_TOPIC, webhook_handle)

        # The catalog's "approved for my team" filter asks governance, which it may not import.
        from catalog.filtersets import register_team_approval_filter
        from governance.views.catalog_hooks import models_approved_for_team

        register_team_approval_filter(models_approved_for_team)

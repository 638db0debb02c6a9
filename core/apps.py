from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared kernel: base model, request context, audit, errors. Imports neither catalog nor governance."""

    name = "core"
    verbose_name = "Core"

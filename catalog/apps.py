from django.apps import AppConfig


class CatalogConfig(AppConfig):
    """Models, their provenance, prices, benchmarks and lifecycle, and the sync that keeps them current."""

    name = "catalog"
    verbose_name = "Catalog"

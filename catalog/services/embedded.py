"""The catalog a fresh installation starts with: every source from the snapshot its connector ships with the
project (no network), in precedence order, licences first."""

from __future__ import annotations

from django.db import connection

from catalog.connectors import ConnectorUnavailableError, connector_class, embedded_payload
from catalog.models import SyncRun
from catalog.services.sources import sources_ensure_all
from catalog.services.sync import SourceUnavailableError, source_sync


def catalog_load_embedded(*, trigger: str = "bootstrap") -> list[SyncRun]:
    """Sync every enabled source that ships an embedded snapshot; sources without one (a live API only) wait for
    their scheduled sync. Idempotent: a second load of the same snapshots writes nothing but its runs."""
    runs = []
    for source in sources_ensure_all():
        try:
            payload = embedded_payload(connector_class(source.connector or source.slug))
        except ConnectorUnavailableError:
            continue
        if payload is None:
            continue
        try:
            runs.append(source_sync(source_slug=source.slug, payload=payload, trigger=trigger))
        except SourceUnavailableError as exc:
            runs.append(exc.run)
    catalog_analyze()
    return runs


def catalog_analyze() -> None:
    """Refresh the planner's statistics after a bulk load: right after thousands of inserts PostgreSQL still plans
    for empty tables (the model list then takes seconds instead of milliseconds) until autovacuum gets to them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE catalog_aimodel, catalog_offering, catalog_price, catalog_modelalias, catalog_organization,"
            " catalog_fieldobservation, catalog_license"
        )

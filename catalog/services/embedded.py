"""The catalog a fresh installation starts with: every source from the snapshot its connector ships with the
project (no network), in precedence order, licences first."""

from __future__ import annotations

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
    return runs

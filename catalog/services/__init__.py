"""Every write to the catalog. Reads are in catalog.selectors."""

from catalog.services.sources import source_ensure, sources_ensure_all
from catalog.services.sync import SourceUnavailableError, source_sync

__all__ = ["SourceUnavailableError", "source_ensure", "source_sync", "sources_ensure_all"]

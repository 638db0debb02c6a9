"""The catalog's connectors, by key.

``REGISTRY`` maps a connector key (``Source.connector``) to the dotted path of its class. Classes are imported
lazily, when a sync needs one, so a connector module that is missing or broken fails that source's sync with a
clear message instead of breaking every import of ``catalog``.

A ``Source.connector`` that is not a registry key but a dotted path (``package.module.Class``) names a connector
class directly: a deployment can plug in its own source without changing this file (like NetBox's pluggable data
backends), and the tests plug in stub sources the same way.
"""

from __future__ import annotations

from pathlib import Path

from django.utils import timezone
from django.utils.module_loading import import_string

from catalog.connectors.base import Connector, ConnectorError, Payload

REGISTRY: dict[str, str] = {
    "licenses": "catalog.connectors.licenses.LicenseConnector",
    "curated": "catalog.connectors.curated.CuratedConnector",
    "litellm": "catalog.connectors.litellm.LiteLLMConnector",
    "models-dev": "catalog.connectors.models_dev.ModelsDevConnector",
    "openrouter": "catalog.connectors.openrouter.OpenRouterConnector",
    "huggingface": "catalog.connectors.huggingface.HuggingFaceConnector",
}


class ConnectorUnavailableError(ConnectorError):
    """No connector class can be loaded for the key (unknown key, module missing or failing to import)."""


def connector_class(key: str) -> type[Connector]:
    """The connector class for a registry key or a dotted path; raises ConnectorUnavailableError naming why."""
    path = REGISTRY.get(key) or (key if "." in key else None)
    if path is None:
        raise ConnectorUnavailableError(f"unknown connector {key!r}; known: {', '.join(sorted(REGISTRY))}")
    try:
        cls = import_string(path)
    except ImportError as exc:
        raise ConnectorUnavailableError(f"connector {key!r} cannot be loaded from {path}: {exc}") from exc
    if not (callable(getattr(cls, "fetch", None)) and callable(getattr(cls, "parse", None))):
        raise ConnectorUnavailableError(f"{path} is not a connector: it needs fetch() and parse()")
    return cls


def available_connectors() -> dict[str, type[Connector]]:
    """Registry keys whose class loads, in registry order."""
    found = {}
    for key in REGISTRY:
        try:
            found[key] = connector_class(key)
        except ConnectorUnavailableError:
            continue
    return found


def payload_from_file(cls: type[Connector], path: str | Path) -> Payload:
    """A payload read from a local file, for ``sync_catalog --from-file``.

    A connector that knows better (several documents in one archive, metadata of a pinned snapshot) offers
    ``payload_from_file(path)`` itself; any other gets the file's bytes as the body."""
    own = getattr(cls, "payload_from_file", None) or getattr(cls, "from_file", None)
    if callable(own):
        return own(path)
    path = Path(path)
    return Payload(body=path.read_bytes(), origin=str(path), fetched_at=timezone.now())


def embedded_payload(cls: type[Connector]) -> Payload | None:
    """The snapshot shipped with the project for the connector, when it has one (first start, offline use)."""
    own = getattr(cls, "embedded_payload", None)
    return own() if callable(own) else None


__all__ = [
    "REGISTRY",
    "ConnectorUnavailableError",
    "available_connectors",
    "connector_class",
    "embedded_payload",
    "payload_from_file",
]

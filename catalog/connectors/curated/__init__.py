"""The curated provenance file: facts governance admins maintain by hand, each with its public source.

A YAML document (``catalog/data/curated/provenance.yaml``; its schema is in the README beside it) with
organisations, models, lineage, provenance claims, benchmark definitions and vendor benchmark claims. An admin
upload reuses ``parse``. Validation is strict, because a typo in a hand-written file must not become a silent
wrong fact: an unknown field, a value outside Modelgate's choices, a missing source or date rejects that entry,
naming it and the field; the other entries are kept. A file that is not YAML, or not shaped like the schema, is a
ConnectorError and nothing is read.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, ClassVar

import yaml
from django.utils import timezone

from catalog.connectors._common import organization_record, with_parents
from catalog.connectors.base import ConnectorError, OrganizationRecord, Payload, Rejection, Snapshot
from catalog.connectors.curated.entries import READERS
from catalog.connectors.curated.fields import Invalid

__all__ = ["SECTIONS", "SHIPPED_FILE", "CuratedConnector"]

SHIPPED_FILE = Path(__file__).resolve().parents[2] / "data" / "curated" / "provenance.yaml"
SCHEMA_VERSION = 1
SECTIONS = tuple(READERS)


class CuratedConnector:
    slug: ClassVar[str] = "curated"
    name: ClassVar[str] = "Curated provenance file"
    url: ClassVar[str] = ""  # a file maintained in the repository, not a URL
    license_notice: ClassVar[str] = (
        "Facts curated by Modelgate's governance admins from public statements; each entry names its source."
    )

    def __init__(self, *, path: str | Path | None = None):
        self.path = Path(path) if path else SHIPPED_FILE

    def fetch(self) -> Payload:
        return self.payload_from_file(self.path)

    @classmethod
    def embedded_payload(cls) -> Payload:
        return cls.payload_from_file(SHIPPED_FILE)

    @classmethod
    def payload_from_file(cls, path: str | Path) -> Payload:
        try:
            body = Path(path).read_bytes()
        except OSError as error:
            raise ConnectorError(f"cannot read the curated file {path}: {error.strerror or error}") from error
        meta = {"sha256": hashlib.sha256(body).hexdigest(), "file": Path(path).name}
        return Payload(body=body, origin=str(path), fetched_at=timezone.now(), meta=meta)

    def parse(self, payload: Payload) -> Snapshot:
        document = _load(payload.body, payload.origin)
        snapshot = Snapshot(complete=True)
        for section, reader in READERS.items():
            seen: set[str] = set()
            for position, entry in enumerate(document.get(section) or []):
                label = f"{section}[{position}]" + (f" {_key(entry)}" if _key(entry) else "")
                try:
                    record, key = reader(entry)
                    if key in seen:
                        raise Invalid(f"duplicate {key!r} in {section}")
                except Invalid as error:
                    snapshot.rejected.append(Rejection(record=label, error=str(error)))
                    continue
                seen.add(key)
                getattr(snapshot, section).append(record)
        snapshot.organizations = _with_publishers(snapshot)
        return snapshot


def _with_publishers(snapshot: Snapshot) -> list[OrganizationRecord]:
    """The file's organisations, plus what Modelgate knows of each publisher the models name but the file omits."""
    records = {record.slug: record for record in snapshot.organizations}
    for model in snapshot.models:
        if model.publisher not in records:
            records[model.publisher] = organization_record(model.publisher, publisher=True)
    return with_parents(records)


def _load(body: bytes, origin: str) -> dict:
    try:
        document = yaml.safe_load(body.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ConnectorError(f"{origin}: the curated file is not UTF-8 text") from error
    except yaml.YAMLError as error:
        raise ConnectorError(f"{origin}: the curated file is not valid YAML: {error}") from error
    except (ValueError, TypeError, RecursionError, OverflowError) as error:  # e.g. a timestamp like 2025-02-30
        raise ConnectorError(f"{origin}: the curated file cannot be read: {error}") from error
    if not isinstance(document, dict):
        raise ConnectorError(f"{origin}: the curated file must be a mapping of sections ({', '.join(SECTIONS)})")
    unknown = sorted(str(key) for key in document if key not in (*SECTIONS, "schema_version"))
    if unknown:
        raise ConnectorError(f"{origin}: unknown section(s) {', '.join(unknown)}; known: {', '.join(SECTIONS)}")
    if type(document.get("schema_version")) is not int or document["schema_version"] != SCHEMA_VERSION:
        raise ConnectorError(f"{origin}: schema_version must be {SCHEMA_VERSION}")
    for section in SECTIONS:
        if not isinstance(document.get(section) or [], list):
            raise ConnectorError(f"{origin}: section {section!r} must be a list of entries")
    return document


def _key(entry: Any) -> str:
    """What a person calls an entry: its id, else its slug, else its model."""
    if isinstance(entry, dict):
        for field in ("id", "slug", "model"):
            if isinstance(entry.get(field), str):
                return entry[field][:200]
    return ""

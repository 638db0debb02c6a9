"""What every connector returns: plain records, no ORM.

A connector has two halves. ``fetch()`` does the I/O (an HTTP call in production, a file shipped with the
project for the embedded default) and returns a ``Payload``; ``parse(payload)`` is pure and turns it into a
``Snapshot`` of records. The sync service (catalog.services.sync) reconciles a snapshot with the database in one
transaction. A record that cannot be parsed becomes a ``Rejection`` naming it; it never stops the others.

Units at this boundary are already Modelgate's: ``Decimal`` USD per 1M tokens for token units, per unit
otherwise (convert at the edge, in the connector).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar, Protocol


class ConnectorError(Exception):
    """The whole payload is unusable (malformed JSON, wrong top-level shape, an HTTP failure)."""

    transient = False


class TransientFetchError(ConnectorError):
    """The source answered 429 or 5xx, timed out, or the network failed: worth retrying later (the sync task does,
    with backoff). Anything else (404, malformed JSON) is permanent until someone fixes the source or the config."""

    transient = True


@dataclass(frozen=True)
class Payload:
    """The raw bytes a source returned, with where and when they came from."""

    body: bytes
    origin: str  # URL, file path or "package==version:path"
    fetched_at: dt.datetime
    # Extra documents of the same fetch, by name (OpenRouter's per-model /endpoints, a model card README).
    parts: dict[str, bytes] = field(default_factory=dict)
    # Provenance of a pinned snapshot: package version, file sha256, date, licence notice.
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        digest = hashlib.sha256(self.body)
        for name in sorted(self.parts):
            digest.update(name.encode())
            digest.update(self.parts[name])
        return digest.hexdigest()


@dataclass
class PriceRecord:
    unit: str  # catalog.choices.PriceUnit value
    usd: Decimal  # per 1M tokens for token units, per unit otherwise
    tier: str = ""
    variant: str = "standard"


@dataclass
class OfferingRecord:
    external_id: str  # the source's own id for this listing (a routing name), unique within the source
    model_ref: str  # external_id of the ModelRecord it offers, within the same snapshot
    provider: str  # organization slug
    channel: str  # catalog.choices.Channel value
    deployment_type: str = "unknown"
    regions: list[str] = field(default_factory=list)
    status: str = "active"
    data_retention_days: int | None = None
    trains_on_prompts: bool | None = None
    zero_data_retention: bool | None = None
    quantization: str = ""
    context_window: int | None = None
    max_output_tokens: int | None = None
    prices: list[PriceRecord] = field(default_factory=list)


@dataclass
class ModelRecord:
    """What a source says about a model. ``None`` means "this source does not say", never "empty"."""

    external_id: str  # unique within the snapshot
    names: list[str]  # every name this source uses for it (the first is the preferred one), for identity resolution
    publisher: str | None = None  # organization slug
    slug: str | None = None  # canonical 'publisher/name' when the source knows it
    display_name: str | None = None
    family: str | None = None
    version: str | None = None
    description: str | None = None
    release_date: dt.date | None = None
    knowledge_cutoff: dt.date | None = None
    lifecycle: str | None = None
    deprecation_date: dt.date | None = None
    retirement_date: dt.date | None = None
    successor: str | None = None  # a name, resolved like any alias
    input_modalities: list[str] | None = None
    output_modalities: list[str] | None = None
    task_types: list[str] | None = None
    capabilities: list[str] | None = None
    architecture: str | None = None
    total_parameters: int | None = None
    active_parameters: int | None = None
    context_window: int | None = None
    max_output_tokens: int | None = None
    open_weights: bool | None = None
    license: str | None = None  # licence key (ScanCode) or SPDX id


@dataclass
class OrganizationRecord:
    slug: str
    name: str
    is_publisher: bool = False
    is_provider: bool = False
    country: str = ""
    jurisdiction: str = ""
    parent: str | None = None
    website: str = ""


@dataclass
class LicenseRecord:
    key: str
    name: str
    category: str  # catalog.choices.LicenseCategory value
    spdx_id: str = ""
    scancode_category: str = ""
    is_osi_approved: bool | None = None
    url: str = ""


@dataclass
class LineageRecord:
    model_ref: str  # a name of the derived model
    base_ref: str  # a name of the base model
    relation: str  # catalog.choices.LineageRelation value
    evidence_url: str = ""


@dataclass
class BenchmarkRecord:
    slug: str
    name: str
    version: str = ""
    metric: str = "accuracy"
    unit: str = "%"
    higher_is_better: bool = True
    url: str = ""


@dataclass
class BenchmarkResultRecord:
    external_id: str
    model_ref: str  # a name of the model
    benchmark: str  # benchmark slug (defined in the same snapshot or already known)
    score: Decimal
    source_tier: str  # catalog.choices.SourceTier value
    source_name: str
    source_url: str = ""
    measured_on: dt.date | None = None
    settings_notes: str = ""
    verified: bool = False


@dataclass
class ProvenanceClaimRecord:
    external_id: str
    model_ref: str
    topic: str  # catalog.choices.ProvenanceTopic value
    values: list[str]
    statement: str
    source_kind: str  # catalog.choices.ClaimSourceKind value
    source_url: str
    stated_on: dt.date
    teachers: list[str] = field(default_factory=list)
    evidence: str = ""
    status: str = "claimed"
    next_review_on: dt.date | None = None


@dataclass
class Rejection:
    record: str  # the offending record's id or position, as the source names it
    error: str


@dataclass
class Snapshot:
    """Everything one fetch of one source says, parsed."""

    models: list[ModelRecord] = field(default_factory=list)
    offerings: list[OfferingRecord] = field(default_factory=list)
    organizations: list[OrganizationRecord] = field(default_factory=list)
    licenses: list[LicenseRecord] = field(default_factory=list)
    lineage: list[LineageRecord] = field(default_factory=list)
    benchmarks: list[BenchmarkRecord] = field(default_factory=list)
    benchmark_results: list[BenchmarkResultRecord] = field(default_factory=list)
    claims: list[ProvenanceClaimRecord] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    # True when the source lists everything it offers, so an absent record means it was removed (retired).
    complete: bool = True


class Connector(Protocol):
    slug: ClassVar[str]  # the Source.connector key
    name: ClassVar[str]
    url: ClassVar[str]  # where production fetches from
    license_notice: ClassVar[str]

    def fetch(self) -> Payload: ...

    def parse(self, payload: Payload) -> Snapshot: ...

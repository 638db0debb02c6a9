"""The curated provenance file: facts governance admins maintain by hand, each with its public source.

A YAML document (``catalog/data/curated/provenance.yaml``; its schema is in the README beside it) with
organisations, models, lineage, provenance claims, benchmark definitions and vendor benchmark claims. An admin
upload reuses ``parse``. Validation is strict, because a typo in a hand-written file must not become a silent
wrong fact: an unknown field, a value outside Modelgate's choices, a missing source or date rejects that entry,
naming it and the field; the other entries are kept. A file that is not YAML, or not shaped like the schema, is a
ConnectorError and nothing is read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, ClassVar

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone

from catalog.choices import (
    Architecture,
    Capability,
    ClaimSourceKind,
    ClaimStatus,
    Distillation,
    Lifecycle,
    LineageRelation,
    Modality,
    Origin,
    ProvenanceTopic,
    SourceTier,
    TaskType,
    TrainingDataCategory,
)
from catalog.connectors._common import organization_record, with_parents
from catalog.connectors.base import (
    BenchmarkRecord,
    BenchmarkResultRecord,
    ConnectorError,
    LineageRecord,
    ModelRecord,
    OrganizationRecord,
    Payload,
    ProvenanceClaimRecord,
    Rejection,
    Snapshot,
)

SHIPPED_FILE = Path(__file__).resolve().parent.parent / "data" / "curated" / "provenance.yaml"
SCHEMA_VERSION = 1
SECTIONS = ("organizations", "models", "lineage", "claims", "benchmarks", "benchmark_results")
MAX_SCORE = Decimal("1e8")  # BenchmarkResult.score: 12 digits, 4 after the point
MAX_PARAMETERS = 10**15  # a quadrillion: anything larger is a unit mistake
TOPIC_VALUES = {
    ProvenanceTopic.TRAINING_DATA: TrainingDataCategory,
    ProvenanceTopic.ORIGIN: Origin,
    ProvenanceTopic.DISTILLATION: Distillation,
}
_url = URLValidator(schemes=["https", "http"])


class Invalid(ValueError):
    """One entry breaks the schema; it becomes a Rejection naming the entry and the field."""


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
        for section, reader in _READERS.items():
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
    if document.get("schema_version") != SCHEMA_VERSION:
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


class _Entry:
    """One mapping read strictly: unknown fields are refused, and every error names its field."""

    def __init__(self, entry: Any, *, required: set[str], optional: set[str] = frozenset()):
        if not isinstance(entry, dict):
            raise Invalid(f"an entry must be a mapping, got {type(entry).__name__}")
        unknown = sorted(str(key) for key in entry if key not in required | optional)
        if unknown:
            raise Invalid(f"unknown field(s) {', '.join(unknown)}")
        missing = sorted(key for key in required if entry.get(key) in (None, "", []))
        if missing:
            raise Invalid(f"missing required field(s) {', '.join(missing)}")
        self.entry = entry

    def text(self, field: str, *, max_length: int = 300) -> str | None:
        value = self.entry.get(field)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise Invalid(f"{field}: expected text, got {value!r}")
        if len(value.strip()) > max_length:
            raise Invalid(f"{field}: longer than {max_length} characters")
        return value.strip()

    def texts(self, field: str, *, max_length: int = 300) -> list[str]:
        value = self.entry.get(field) or []
        if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
            raise Invalid(f"{field}: expected a list of names")
        if any(len(item) > max_length for item in value):
            raise Invalid(f"{field}: a name is longer than {max_length} characters")
        return [item.strip() for item in value]

    def choice(self, field: str, choices, *, default: str | None = None) -> str | None:
        value = self.entry.get(field, default)
        if value is not None and value not in choices.values:
            raise Invalid(f"{field}: {value!r} is not one of {', '.join(choices.values)}")
        return value

    def choices(self, field: str, choices) -> list[str] | None:
        if field not in self.entry:
            return None
        values = self.texts(field)
        wrong = [value for value in values if value not in choices.values]
        if wrong:
            raise Invalid(f"{field}: {', '.join(wrong)} not among {', '.join(choices.values)}")
        return values

    def integer(self, field: str, *, maximum: int = 2**31 - 1) -> int | None:
        value = self.entry.get(field)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= maximum):
            raise Invalid(f"{field}: expected a whole number from 1 to {maximum}, got {value!r}")
        return value

    def boolean(self, field: str, *, default: bool | None = None) -> bool | None:
        value = self.entry.get(field, default)
        if value is not None and not isinstance(value, bool):
            raise Invalid(f"{field}: expected true or false, got {value!r}")
        return value

    def date(self, field: str) -> dt.date | None:
        value = self.entry.get(field)
        if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
            return value  # YAML reads an unquoted 2025-05-22 as a date already
        if isinstance(value, str) and len(value) == 10:
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise Invalid(f"{field}: expected a date YYYY-MM-DD, got {value!r}")

    def url(self, field: str) -> str | None:
        value = self.text(field, max_length=500)
        if value is not None:
            try:
                _url(value)
            except ValidationError:
                raise Invalid(f"{field}: {value!r} is not an http(s) URL") from None
        return value

    def score(self, field: str) -> Decimal:
        value = self.entry.get(field)
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise Invalid(f"{field}: expected a number, got {value!r}")
        try:
            score = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
        except InvalidOperation:
            raise Invalid(f"{field}: {value!r} is not a number") from None
        if not score.is_finite() or abs(score) >= MAX_SCORE:
            raise Invalid(f"{field}: {value!r} is not a usable score")
        return score


def _slug(value: str | None, field: str, *, with_publisher: bool = False) -> str | None:
    """Slugs users see: lower-case letters, digits, '-', '_', '.', and one '/' after the publisher of a model."""
    if value is None:
        return None
    parts = value.split("/")
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789-_.")
    if len(parts) != (2 if with_publisher else 1) or not all(part and set(part) <= allowed for part in parts):
        shape = "'publisher/name' in lower case" if with_publisher else "lower-case letters, digits and '-'"
        raise Invalid(f"{field}: {value!r} must be {shape}")
    return value


def _organization(entry: Any) -> tuple[OrganizationRecord, str]:
    fields = _Entry(
        entry,
        required={"slug", "name"},
        optional={"country", "jurisdiction", "parent", "website", "publisher", "provider"},
    )
    country = fields.text("country") or ""
    if country and (len(country) != 2 or not country.isalpha() or not country.isupper()):
        raise Invalid(f"country: {country!r} must be an ISO 3166-1 alpha-2 code such as 'FR'")
    record = OrganizationRecord(
        slug=_slug(fields.text("slug", max_length=100), "slug"),
        name=fields.text("name", max_length=200),
        is_publisher=fields.boolean("publisher", default=False),
        is_provider=fields.boolean("provider", default=False),
        country=country,
        jurisdiction=fields.text("jurisdiction", max_length=100) or "",
        parent=_slug(fields.text("parent", max_length=100), "parent"),
        website=fields.url("website") or "",
    )
    return record, record.slug


MODEL_FIELDS = {
    "names", "display_name", "publisher", "family", "version", "description", "release_date", "knowledge_cutoff",
    "lifecycle", "deprecation_date", "retirement_date", "successor", "input_modalities", "output_modalities",
    "task_types", "capabilities", "architecture", "total_parameters", "active_parameters", "context_window",
    "max_output_tokens", "open_weights", "license",
}  # fmt: skip


def _model(entry: Any) -> tuple[ModelRecord, str]:
    fields = _Entry(entry, required={"slug", "sources"}, optional=MODEL_FIELDS)
    slug = _slug(fields.text("slug", max_length=200), "slug", with_publisher=True)
    _sources(entry["sources"])
    total = fields.integer("total_parameters", maximum=MAX_PARAMETERS)
    active = fields.integer("active_parameters", maximum=MAX_PARAMETERS)
    if total and active and active > total:
        raise Invalid(f"active_parameters ({active}) cannot exceed total_parameters ({total})")
    record = ModelRecord(
        external_id=slug,
        names=list(dict.fromkeys([slug, *fields.texts("names")])),
        publisher=_slug(fields.text("publisher", max_length=100), "publisher") or slug.split("/", 1)[0],
        slug=slug,
        display_name=fields.text("display_name"),
        family=fields.text("family", max_length=100),
        version=fields.text("version", max_length=100),
        description=fields.text("description", max_length=5000),
        release_date=fields.date("release_date"),
        knowledge_cutoff=fields.date("knowledge_cutoff"),
        lifecycle=fields.choice("lifecycle", Lifecycle),
        deprecation_date=fields.date("deprecation_date"),
        retirement_date=fields.date("retirement_date"),
        successor=fields.text("successor"),
        input_modalities=fields.choices("input_modalities", Modality),
        output_modalities=fields.choices("output_modalities", Modality),
        task_types=fields.choices("task_types", TaskType),
        capabilities=fields.choices("capabilities", Capability),
        architecture=fields.choice("architecture", Architecture),
        total_parameters=total,
        active_parameters=active,
        context_window=fields.integer("context_window"),
        max_output_tokens=fields.integer("max_output_tokens"),
        open_weights=fields.boolean("open_weights"),
        license=_license(fields.text("license", max_length=150)),
    )
    return record, slug


def _sources(value: Any) -> None:
    """Every model entry says where its facts come from: a URL, the date it was stated, and which fields."""
    if not isinstance(value, list) or not value:
        raise Invalid("sources: expected a list of {url, stated_on, supports}")
    for position, source in enumerate(value):
        try:
            fields = _Entry(source, required={"url", "stated_on", "supports"})
            fields.url("url")
            fields.date("stated_on")
            unknown = [name for name in fields.texts("supports") if name not in MODEL_FIELDS]
        except Invalid as error:
            raise Invalid(f"sources[{position}]: {error}") from None
        if unknown:
            raise Invalid(f"sources[{position}].supports: {', '.join(unknown)} are not model fields")


def _license(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        from catalog.connectors.licenses import license_key_for
    except ImportError:  # licences are then taken as written, already a key
        return value.lower()
    return license_key_for(value) or value.lower()


def _lineage(entry: Any) -> tuple[LineageRecord, str]:
    fields = _Entry(entry, required={"model", "base", "relation"}, optional={"evidence_url"})
    record = LineageRecord(
        model_ref=fields.text("model"),
        base_ref=fields.text("base"),
        relation=fields.choice("relation", LineageRelation),
        evidence_url=fields.url("evidence_url") or "",
    )
    if record.model_ref.lower() == record.base_ref.lower():
        raise Invalid("a model cannot be its own base")
    return record, f"{record.model_ref} {record.relation} {record.base_ref}"


def _claim(entry: Any) -> tuple[ProvenanceClaimRecord, str]:
    fields = _Entry(
        entry,
        required={"id", "model", "topic", "values", "statement", "source_kind", "source_url", "stated_on"},
        optional={"teachers", "evidence", "status", "next_review_on"},
    )
    topic = fields.choice("topic", ProvenanceTopic)
    values = fields.choices("values", TOPIC_VALUES[topic])
    if topic != ProvenanceTopic.TRAINING_DATA and len(values) != 1:
        raise Invalid(f"values: a {topic} claim takes exactly one value")
    teachers = fields.texts("teachers", max_length=200)
    if (values == [Distillation.DECLARED_TEACHERS]) != bool(teachers):
        raise Invalid("teachers: name the teacher models exactly when the claim is declared_teachers")
    record = ProvenanceClaimRecord(
        external_id=fields.text("id"),
        model_ref=fields.text("model"),
        topic=topic,
        values=values,
        statement=fields.text("statement", max_length=5000),
        source_kind=fields.choice("source_kind", ClaimSourceKind),
        source_url=fields.url("source_url"),
        stated_on=fields.date("stated_on"),
        teachers=teachers,
        evidence=fields.text("evidence", max_length=5000) or "",
        status=fields.choice("status", ClaimStatus, default=ClaimStatus.CLAIMED.value),
        next_review_on=fields.date("next_review_on"),
    )
    if record.next_review_on and record.next_review_on < record.stated_on:
        raise Invalid("next_review_on comes before stated_on")
    return record, record.external_id


def _benchmark(entry: Any) -> tuple[BenchmarkRecord, str]:
    fields = _Entry(entry, required={"slug", "name"}, optional={"version", "metric", "unit", "higher_is_better", "url"})
    record = BenchmarkRecord(
        slug=_slug(fields.text("slug", max_length=100), "slug"),
        name=fields.text("name", max_length=200),
        version=fields.text("version", max_length=50) or "",
        metric=fields.text("metric", max_length=100) or "accuracy",
        unit=fields.text("unit", max_length=20) or "",
        higher_is_better=fields.boolean("higher_is_better", default=True),
        url=fields.url("url") or "",
    )
    return record, record.slug


def _benchmark_result(entry: Any) -> tuple[BenchmarkResultRecord, str]:
    fields = _Entry(
        entry,
        required={"id", "model", "benchmark", "score", "source_name", "source_url", "measured_on"},
        optional={"source_tier", "settings_notes", "verified"},
    )
    record = BenchmarkResultRecord(
        external_id=fields.text("id"),
        model_ref=fields.text("model"),
        benchmark=_slug(fields.text("benchmark", max_length=100), "benchmark"),
        score=fields.score("score"),
        source_tier=fields.choice("source_tier", SourceTier, default=SourceTier.VENDOR_CLAIMED.value),
        source_name=fields.text("source_name", max_length=200),
        source_url=fields.url("source_url"),
        measured_on=fields.date("measured_on"),
        settings_notes=fields.text("settings_notes", max_length=2000) or "",
        verified=fields.boolean("verified", default=False),
    )
    return record, record.external_id


_READERS = {
    "organizations": _organization,
    "models": _model,
    "lineage": _lineage,
    "claims": _claim,
    "benchmarks": _benchmark,
    "benchmark_results": _benchmark_result,
}

"""The curated file's entries, section by section: each reader returns a record and the key it is unique by."""

from __future__ import annotations

from typing import Any

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
from catalog.connectors.base import (
    BenchmarkRecord,
    BenchmarkResultRecord,
    LineageRecord,
    ModelRecord,
    OrganizationRecord,
    ProvenanceClaimRecord,
)
from catalog.connectors.curated.fields import Fields, Invalid, slug_of
from catalog.connectors.licenses import license_key_for

MAX_PARAMETERS = 10**15  # a quadrillion: anything larger is a unit mistake
TOPIC_VALUES = {
    ProvenanceTopic.TRAINING_DATA: TrainingDataCategory,
    ProvenanceTopic.ORIGIN: Origin,
    ProvenanceTopic.DISTILLATION: Distillation,
}


def _organization(entry: Any) -> tuple[OrganizationRecord, str]:
    fields = Fields(
        entry,
        required={"slug", "name"},
        optional={"country", "jurisdiction", "parent", "website", "publisher", "provider"},
    )
    country = fields.text("country") or ""
    if country and (len(country) != 2 or not country.isalpha() or not country.isupper()):
        raise Invalid(f"country: {country!r} must be an ISO 3166-1 alpha-2 code such as 'FR'")
    record = OrganizationRecord(
        slug=slug_of(fields.text("slug", max_length=100), "slug"),
        name=fields.text("name", max_length=200),
        is_publisher=fields.boolean("publisher", default=False),
        is_provider=fields.boolean("provider", default=False),
        country=country,
        jurisdiction=fields.text("jurisdiction", max_length=100) or "",
        parent=slug_of(fields.text("parent", max_length=100), "parent"),
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
    fields = Fields(entry, required={"slug", "sources"}, optional=MODEL_FIELDS)
    slug = slug_of(fields.text("slug", max_length=200), "slug", with_publisher=True)
    _sources(entry["sources"])
    total = fields.integer("total_parameters", maximum=MAX_PARAMETERS)
    active = fields.integer("active_parameters", maximum=MAX_PARAMETERS)
    if total and active and active > total:
        raise Invalid(f"active_parameters ({active}) cannot exceed total_parameters ({total})")
    record = ModelRecord(
        external_id=slug,
        names=list(dict.fromkeys([slug, *fields.texts("names")])),
        publisher=slug_of(fields.text("publisher", max_length=100), "publisher") or slug.split("/", 1)[0],
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
            fields = Fields(source, required={"url", "stated_on", "supports"})
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
    key = license_key_for(value)
    if key is None:
        raise Invalid(f"license: {value!r} is not a licence Modelgate knows (a ScanCode key or SPDX id)")
    return key


def _lineage(entry: Any) -> tuple[LineageRecord, str]:
    fields = Fields(entry, required={"model", "base", "relation"}, optional={"evidence_url"})
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
    fields = Fields(
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
    fields = Fields(entry, required={"slug", "name"}, optional={"version", "metric", "unit", "higher_is_better", "url"})
    record = BenchmarkRecord(
        slug=slug_of(fields.text("slug", max_length=100), "slug"),
        name=fields.text("name", max_length=200),
        version=fields.text("version", max_length=50) or "",
        metric=fields.text("metric", max_length=100) or "accuracy",
        unit=fields.text("unit", max_length=20) or "",
        higher_is_better=fields.boolean("higher_is_better", default=True),
        url=fields.url("url") or "",
    )
    return record, record.slug


def _benchmark_result(entry: Any) -> tuple[BenchmarkResultRecord, str]:
    fields = Fields(
        entry,
        required={"id", "model", "benchmark", "score", "source_name", "source_url", "measured_on"},
        optional={"source_tier", "settings_notes", "verified"},
    )
    record = BenchmarkResultRecord(
        external_id=fields.text("id"),
        model_ref=fields.text("model"),
        benchmark=slug_of(fields.text("benchmark", max_length=100), "benchmark"),
        score=fields.score("score"),
        source_tier=fields.choice("source_tier", SourceTier, default=SourceTier.VENDOR_CLAIMED.value),
        source_name=fields.text("source_name", max_length=200),
        source_url=fields.url("source_url"),
        measured_on=fields.date("measured_on"),
        settings_notes=fields.text("settings_notes", max_length=2000) or "",
        verified=fields.boolean("verified", default=False),
    )
    return record, record.external_id


READERS = {
    "organizations": _organization,
    "models": _model,
    "lineage": _lineage,
    "claims": _claim,
    "benchmarks": _benchmark,
    "benchmark_results": _benchmark_result,
}

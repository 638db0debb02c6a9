"""One repository's model record and model card, read into a model, its lineage and its provenance claims.

The card's YAML front matter is the authors' word (licence, ``base_model``, ``base_model_relation``, ``datasets``);
the record is the Hub's (``createdAt``, parameter counts from the weight files, and ``base_model:<relation>:<repo>``
tags the Hub computes from the repository's files).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import yaml

from catalog.choices import (
    Architecture,
    ClaimSourceKind,
    LineageRelation,
    Modality,
    Origin,
    ProvenanceTopic,
    TaskType,
    TrainingDataCategory,
)
from catalog.connectors._common import identify, org_slug
from catalog.connectors.base import LineageRecord, ModelRecord, ProvenanceClaimRecord
from catalog.connectors.licenses import license_key_for

HUB = "https://huggingface.co"
RELATIONS = {relation.value for relation in LineageRelation}
QUANTIZED_TAGS = {"gguf", "awq", "gptq", "exl2"}
ADAPTER_TAGS = {"lora", "peft", "adapter"}
MERGE_TAGS = {"merge", "mergekit"}
MOE_MODEL_TYPES = {"mixtral", "deepseek_v2", "deepseek_v3", "dbrx", "qwen2_moe", "qwen3_moe", "olmoe", "llama4"}
MAX_PARAMETERS = 10**15  # a quadrillion: a larger count is a broken record, and would overflow the column
# pipeline_tag -> (task, input modalities, output modalities)
PIPELINES = {
    "text-generation": (TaskType.COMPLETION, [Modality.TEXT], [Modality.TEXT]),
    "image-text-to-text": (TaskType.CHAT, [Modality.TEXT, Modality.IMAGE], [Modality.TEXT]),
    "feature-extraction": (TaskType.EMBEDDING, [Modality.TEXT], []),
    "sentence-similarity": (TaskType.EMBEDDING, [Modality.TEXT], []),
    "automatic-speech-recognition": (TaskType.TRANSCRIPTION, [Modality.AUDIO], [Modality.TEXT]),
    "text-to-speech": (TaskType.SPEECH, [Modality.TEXT], [Modality.AUDIO]),
    "text-to-image": (TaskType.IMAGE_GENERATION, [Modality.TEXT], [Modality.IMAGE]),
}


class BadRepo(ValueError):
    """A repository's record or card (or one of its results) is unusable; it becomes a Rejection naming it."""


def record_of(document: bytes | None) -> dict:
    if document is None:
        return {}
    try:
        record = json.loads(document)
    except (ValueError, RecursionError) as error:
        raise BadRepo(f"the model record is not valid JSON: {error}") from error
    if not isinstance(record, dict):
        raise BadRepo("the model record is not a JSON object")
    return record


def front_matter(document: bytes) -> dict:
    """The YAML block between the first two ``---`` lines of a model card ({} when it has none)."""
    try:
        lines = document.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError as error:
        raise BadRepo("the model card is not UTF-8 text") from error
    if not lines or lines[0].strip() != "---":
        return {}
    end = next((index for index, line in enumerate(lines[1:], 1) if line.strip() == "---"), None)
    if end is None:
        raise BadRepo("the model card's YAML front matter is not closed by a '---' line")
    try:
        data = yaml.safe_load("\n".join(lines[1:end]))
    except (yaml.YAMLError, ValueError, TypeError, RecursionError, OverflowError) as error:
        raise BadRepo(f"the model card's YAML front matter is invalid: {error}") from error
    if data is not None and not isinstance(data, dict):
        raise BadRepo("the model card's YAML front matter is not a mapping")
    return data or {}


def model_of(repo_id: str, record: dict, card: dict, tags: list[str]) -> ModelRecord:
    author = text(record.get("author")) or repo_id.split("/", 1)[0]
    pipeline = text(record.get("pipeline_tag")) or text(card.get("pipeline_tag"))
    task, inputs, outputs = PIPELINES.get(pipeline, (None, None, None))
    if task == TaskType.COMPLETION and "conversational" in tags:
        task = TaskType.CHAT
    return ModelRecord(
        external_id=repo_id,
        names=[repo_id],
        publisher=org_slug(author),
        slug=identify(repo_id).slug,
        display_name=_display_name(repo_id, card),
        release_date=date(record.get("createdAt")),
        task_types=[task.value] if task else None,
        input_modalities=[modality.value for modality in inputs] if inputs is not None else None,
        output_modalities=[modality.value for modality in outputs] if outputs is not None else None,
        architecture=_architecture(record, tags),
        total_parameters=_parameters(record),
        # The Hub hosts the weights themselves; a card parsed without its record cannot tell.
        open_weights=True if record.get("siblings") or _parameters(record) else None,
        license=_license(card, tags),
    )


def _display_name(repo_id: str, card: dict) -> str:
    for entry in as_list(card.get("model-index")):
        if isinstance(entry, dict) and text(entry.get("name")):
            return text(entry["name"])[:300]
    return repo_id.split("/", 1)[-1]


def _architecture(record: dict, tags: list[str]) -> str | None:
    config = record.get("config") if isinstance(record.get("config"), dict) else {}
    model_type = text(config.get("model_type")) or ""
    if "moe" in tags or "moe" in model_type or model_type in MOE_MODEL_TYPES:
        return Architecture.MOE.value
    return None  # a config that does not say MoE does not prove a dense model


def _parameters(record: dict) -> int | None:
    for key in ("safetensors", "gguf"):
        section = record.get(key)
        total = section.get("total") if isinstance(section, dict) else None
        if isinstance(total, int) and not isinstance(total, bool) and 0 < total <= MAX_PARAMETERS:
            return total
    return None


def _license(card: dict, tags: list[str]) -> str | None:
    value = card.get("license")
    if isinstance(value, list):
        value = next((item for item in value if isinstance(item, str)), None)
    if value == "other" and text(card.get("license_name")):
        value = card["license_name"]  # the Hub's way to name a licence outside its list, e.g. "deepseek"
    if not text(value):
        value = next((tag.split(":", 1)[1] for tag in tags if tag.startswith("license:")), None)
    return license_key_for(value)  # None for "other" or a licence nobody can name: unknown, not guessed


def lineage_of(repo_id: str, card: dict, record: dict, tags: list[str]) -> list[LineageRecord]:
    """Edges to each declared base; the relation is the card's, else the Hub's tag, else inferred from tags."""
    bases = [base.strip() for base in as_list(card.get("base_model")) if isinstance(base, str) and base.strip()]
    hub_relations = {}
    for tag in tags:
        parts = tag.split(":", 2)
        if len(parts) == 3 and parts[0] == "base_model" and parts[1] in RELATIONS:
            hub_relations[parts[2]] = parts[1]
    declared = text(card.get("base_model_relation"))
    if declared is not None and declared not in RELATIONS:
        raise BadRepo(f"base_model_relation {declared!r} is not one of {', '.join(sorted(RELATIONS))}")
    records = []
    for base in dict.fromkeys(bases or hub_relations):
        if base.lower() == repo_id.lower():
            continue  # a card naming itself as its base says nothing about lineage
        relation = declared or hub_relations.get(base) or _inferred_relation(tags, record)
        records.append(LineageRecord(repo_id, base[:300], relation, evidence_url=f"{HUB}/{repo_id}"))
    return records


def _inferred_relation(tags: list[str], record: dict) -> str:
    lowered = {tag.lower() for tag in tags}
    if lowered & QUANTIZED_TAGS:
        return LineageRelation.QUANTIZED.value
    if lowered & ADAPTER_TAGS or record.get("library_name") == "peft":
        return LineageRelation.ADAPTER.value
    if lowered & MERGE_TAGS:
        return LineageRelation.MERGE.value
    return LineageRelation.FINETUNE.value


def claims_of(repo_id: str, card: dict, lineage: list[LineageRecord], stated_on: dt.date):
    """What the card says about training data (the datasets it names) and origin (its declared bases)."""
    claims = []
    datasets = [name.strip() for name in as_list(card.get("datasets")) if isinstance(name, str) and name.strip()]
    if datasets:
        # The card names datasets, not what kind of data they hold: the category stays unknown.
        statement = f"The model card lists these datasets: {', '.join(datasets)}."
        claims.append(
            _claim(
                repo_id, "datasets", ProvenanceTopic.TRAINING_DATA, TrainingDataCategory.UNKNOWN, statement, stated_on
            )
        )
    if lineage:
        bases = ", ".join(f"{edge.base_ref} ({edge.relation})" for edge in lineage)
        statement = f"The model card declares its base model: {bases}."
        claims.append(_claim(repo_id, "origin", ProvenanceTopic.ORIGIN, Origin.DERIVED, statement, stated_on))
    return claims


def _claim(repo_id: str, what: str, topic, value, statement: str, stated_on: dt.date) -> ProvenanceClaimRecord:
    return ProvenanceClaimRecord(
        external_id=f"{repo_id}#{what}",
        model_ref=repo_id,
        topic=topic.value,
        values=[value.value],
        statement=statement[:5000],
        source_kind=ClaimSourceKind.MODEL_CARD.value,
        source_url=f"{HUB}/{repo_id}",
        stated_on=stated_on,
    )


def date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value if not isinstance(value, dt.datetime) else value.date()
    try:
        return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else None
    except ValueError:
        return None


def mapping(value: Any, what: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRepo(f"{what}: expected a mapping, got {type(value).__name__}")
    return value


def as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None

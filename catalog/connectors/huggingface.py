"""Hugging Face Hub: chosen model repositories, their model cards, lineage and card-reported scores.

For each configured repository ``fetch()`` reads the Hub's model record (``/api/models/{repo}``) and the model
card (``/{repo}/raw/main/README.md``). ``parse()`` reads the card's YAML front matter: licence, ``base_model`` and
``base_model_relation`` (lineage), ``datasets`` and ``model-index`` (benchmark results). The repositories are a
selection, not the Hub, so the snapshot is never complete: a repository left out of the list is not retired.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, ClassVar

import httpx
import yaml
from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify

from catalog.choices import (
    Architecture,
    ClaimSourceKind,
    LineageRelation,
    Modality,
    Origin,
    ProvenanceTopic,
    SourceTier,
    TaskType,
    TrainingDataCategory,
)
from catalog.connectors._common import identify, org_slug, organization_record, with_parents
from catalog.connectors._common.fetching import HTTP_TIMEOUT
from catalog.connectors.base import (
    BenchmarkRecord,
    BenchmarkResultRecord,
    ConnectorError,
    LineageRecord,
    ModelRecord,
    Payload,
    ProvenanceClaimRecord,
    Rejection,
    Snapshot,
)
from catalog.connectors.openrouter import fetch_url

try:
    from catalog.connectors.licenses import license_key_for
except ImportError:  # TEMPORARY until licenses.py lands

    def license_key_for(text: str) -> str | None:
        return text.strip().lower() or None


HUB = "https://huggingface.co"
# Open-weight models whose cards and records are public without accepting terms (gated repos need a token).
DEFAULT_REPOS = (
    "mlabonne/NeuralBeagle14-7B",
    "Qwen/Qwen2.5-7B-Instruct",
    "deepseek-ai/DeepSeek-V3",
    "microsoft/phi-4",
    "allenai/OLMo-2-1124-7B-Instruct",
)
RELATIONS = {relation.value for relation in LineageRelation}
QUANTIZED_TAGS = {"gguf", "awq", "gptq", "exl2"}
ADAPTER_TAGS = {"lora", "peft", "adapter"}
MERGE_TAGS = {"merge", "mergekit"}
MOE_MODEL_TYPES = {"mixtral", "deepseek_v2", "deepseek_v3", "dbrx", "qwen2_moe", "qwen3_moe", "olmoe", "llama4"}
LOWER_IS_BETTER = {"wer", "cer", "perplexity", "loss", "ter", "mer"}
MAX_SCORE = Decimal("1e8")  # BenchmarkResult.score holds 12 digits, 4 after the point
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
    """One repository's record or card is unusable; it becomes a Rejection naming the repository."""


def configured_repos() -> list[str]:
    """``settings.MODELGATE_HF_REPOS`` (list or comma-separated), else the environment, else DEFAULT_REPOS.

    Set it to an empty value to read no repository at all (no network)."""
    value = getattr(settings, "MODELGATE_HF_REPOS", None)
    if value is None:
        value = os.environ.get("MODELGATE_HF_REPOS")
    if value is None:
        return list(DEFAULT_REPOS)
    items = value.split(",") if isinstance(value, str) else value
    return [repo.strip() for repo in items if repo and repo.strip()]


class HuggingFaceConnector:
    slug: ClassVar[str] = "huggingface"
    name: ClassVar[str] = "Hugging Face Hub"
    url: ClassVar[str] = f"{HUB}/api/models"
    license_notice: ClassVar[str] = (
        "Model records and model cards from the Hugging Face Hub (https://huggingface.co); each card is its "
        "authors' work under the repository's own licence."
    )

    def __init__(self, *, repos: list[str] | None = None, client: httpx.Client | None = None):
        self.repos = configured_repos() if repos is None else [repo.strip() for repo in repos if repo.strip()]
        self.client = client

    def fetch(self) -> Payload:
        parts: dict[str, bytes] = {}
        if self.repos:
            parts = self._fetch_repos()
        body = json.dumps({"repos": self.repos}).encode()
        return Payload(body=body, origin=self.url, fetched_at=timezone.now(), parts=parts)

    def _fetch_repos(self) -> dict[str, bytes]:
        headers = {"User-Agent": "modelgate-catalog"}
        if token := os.environ.get("HF_TOKEN"):
            headers["Authorization"] = f"Bearer {token}"  # only gated repositories need it
        client = self.client or httpx.Client(timeout=HTTP_TIMEOUT, headers=headers, follow_redirects=True)
        parts = {}
        try:
            for repo in self.repos:
                for name, url in (
                    (f"{repo}/record.json", f"{self.url}/{repo}"),
                    (f"{repo}/README.md", _card_url(repo)),
                ):
                    document = fetch_url(client, url, missing_ok=True)
                    if document is not None:
                        parts[name] = document
        finally:
            if self.client is None:
                client.close()
        return parts

    @classmethod
    def payload_from_files(
        cls, record_json_path: str | Path | None, readme_path: str | Path | None, *, repo: str | None = None
    ) -> Payload:
        """A payload from a saved model record and/or model card (``--from-file``).

        The repository id comes from the record's ``id``; a card alone does not name its owner, so pass ``repo``."""
        record = Path(record_json_path).read_bytes() if record_json_path else None
        card = Path(readme_path).read_bytes() if readme_path else None
        repo = repo or _repo_of(record)
        parts = {f"{repo}/record.json": record, f"{repo}/README.md": card}
        origin = ", ".join(str(path) for path in (record_json_path, readme_path) if path)
        return Payload(
            body=json.dumps({"repos": [repo]}).encode(),
            origin=origin,
            fetched_at=timezone.now(),
            parts={name: document for name, document in parts.items() if document is not None},
        )

    @classmethod
    def payload_from_file(cls, path: str | Path) -> Payload:
        """One saved file or a folder holding ``record.json`` and/or ``README.md`` (the registry's --from-file)."""
        path = Path(path)
        if path.is_dir():
            record, card = path / "record.json", path / "README.md"
            return cls.payload_from_files(record if record.exists() else None, card if card.exists() else None)
        if path.suffix.lower() == ".json":
            return cls.payload_from_files(path, None)
        raise ConnectorError(f"{path}: give the model record (.json) or a folder with record.json and README.md")

    def parse(self, payload: Payload) -> Snapshot:
        snapshot = Snapshot(complete=False)
        for repo in _listed_repos(payload.body):
            try:
                _parse_repo(repo, payload, snapshot)
            except BadRepo as error:
                snapshot.rejected.append(Rejection(record=repo, error=str(error)))
        publishers = {model.publisher: model.external_id.split("/", 1)[0] for model in snapshot.models}
        records = {slug: organization_record(slug, publisher=True, name=name) for slug, name in publishers.items()}
        snapshot.organizations = with_parents(records)
        return snapshot


def _card_url(repo: str) -> str:
    return f"{HUB}/{repo}/raw/main/README.md"


def _listed_repos(body: bytes) -> list[str]:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise ConnectorError(f"Hugging Face payload is not valid JSON: {error}") from error
    repos = document.get("repos") if isinstance(document, dict) else None
    if not isinstance(repos, list) or not all(isinstance(repo, str) and repo.strip() for repo in repos):
        raise ConnectorError("Hugging Face payload must be {'repos': [repository ids]}")
    return list(dict.fromkeys(repo.strip() for repo in repos))


def _repo_of(record: bytes | None) -> str:
    try:
        repo = json.loads(record).get("id") if record is not None else None
    except (ValueError, AttributeError, RecursionError) as error:
        raise ConnectorError(f"the model record is not a JSON object: {error}") from error
    if not isinstance(repo, str) or "/" not in repo:
        raise ConnectorError("cannot tell which repository this is: give the model record or the repository id")
    return repo


def _parse_repo(repo: str, payload: Payload, snapshot: Snapshot) -> None:
    record_bytes = payload.parts.get(f"{repo}/record.json")
    card_bytes = payload.parts.get(f"{repo}/README.md")
    if record_bytes is None and card_bytes is None:
        raise BadRepo("neither a model record nor a model card was fetched (not found, private or gated?)")
    record = _record(record_bytes)
    card = _front_matter(card_bytes, "model card") if card_bytes is not None else {}
    if not card and isinstance(record.get("cardData"), dict):
        card = record["cardData"]  # the Hub's own parse of the card's front matter
    repo_id = _text(record.get("id")) or repo
    stated_on = _date(record.get("lastModified")) or payload.fetched_at.date()
    tags = [tag for tag in [*_as_list(record.get("tags")), *_as_list(card.get("tags"))] if isinstance(tag, str)]
    lineage = _lineage(repo_id, card, record, tags)
    results, benchmarks = _benchmark_results(repo_id, card, snapshot.rejected)
    claims = _claims(repo_id, card, lineage, stated_on)
    snapshot.models.append(_model(repo_id, record, card, tags))
    snapshot.lineage.extend(lineage)
    snapshot.benchmark_results.extend(results)
    known = {benchmark.slug for benchmark in snapshot.benchmarks}
    snapshot.benchmarks.extend(benchmark for benchmark in benchmarks if benchmark.slug not in known)
    snapshot.claims.extend(claims)


def _record(document: bytes | None) -> dict:
    if document is None:
        return {}
    try:
        record = json.loads(document)
    except (ValueError, RecursionError) as error:
        raise BadRepo(f"the model record is not valid JSON: {error}") from error
    if not isinstance(record, dict):
        raise BadRepo("the model record is not a JSON object")
    return record


def _front_matter(document: bytes, what: str) -> dict:
    """The YAML block between the first two ``---`` lines of a model card ({} when it has none)."""
    try:
        text = document.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadRepo(f"the {what} is not UTF-8 text") from error
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return {}
    end = next((index for index, line in enumerate(lines[1:], 1) if line.strip() == "---"), None)
    if end is None:
        raise BadRepo(f"the {what}'s YAML front matter is not closed by a '---' line")
    try:
        data = yaml.safe_load("\n".join(lines[1:end]))
    except (yaml.YAMLError, ValueError, TypeError, RecursionError, OverflowError) as error:
        raise BadRepo(f"the {what}'s YAML front matter is invalid: {error}") from error
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise BadRepo(f"the {what}'s YAML front matter is not a mapping")
    return data


def _model(repo_id: str, record: dict, card: dict, tags: list[str]) -> ModelRecord:
    author = _text(record.get("author")) or repo_id.split("/", 1)[0]
    task, inputs, outputs = PIPELINES.get(
        _text(record.get("pipeline_tag")) or _text(card.get("pipeline_tag")), (None,) * 3
    )
    if task == TaskType.COMPLETION and "conversational" in tags:
        task = TaskType.CHAT
    return ModelRecord(
        external_id=repo_id,
        names=[repo_id],
        publisher=org_slug(author),
        slug=identify(repo_id).slug,
        display_name=_display_name(repo_id, card),
        release_date=_date(record.get("createdAt")),
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
    for entry in _as_list(card.get("model-index")):
        if isinstance(entry, dict) and _text(entry.get("name")):
            return _text(entry["name"])
    return repo_id.split("/", 1)[-1]


def _architecture(record: dict, tags: list[str]) -> str | None:
    config = record.get("config") if isinstance(record.get("config"), dict) else {}
    model_type = _text(config.get("model_type")) or ""
    if "moe" in tags or "moe" in model_type or model_type in MOE_MODEL_TYPES:
        return Architecture.MOE.value
    return None  # a config that does not say MoE does not prove a dense model


def _parameters(record: dict) -> int | None:
    for key in ("safetensors", "gguf"):
        section = record.get(key)
        total = section.get("total") if isinstance(section, dict) else None
        if isinstance(total, int) and not isinstance(total, bool) and total > 0:
            return total
    return None


def _license(card: dict, tags: list[str]) -> str | None:
    value = card.get("license")
    if isinstance(value, list):
        value = next((item for item in value if isinstance(item, str)), None)
    if value == "other" and _text(card.get("license_name")):
        value = card["license_name"]  # the Hub's way to name a licence outside its list, e.g. "deepseek"
    if not _text(value):
        value = next((tag.split(":", 1)[1] for tag in tags if tag.startswith("license:")), None)
    return license_key_for(value) if _text(value) else None


def _lineage(repo_id: str, card: dict, record: dict, tags: list[str]) -> list[LineageRecord]:
    bases = [base.strip() for base in _as_list(card.get("base_model")) if isinstance(base, str) and base.strip()]
    hub_relations = {}  # the Hub's own "base_model:<relation>:<repo>" tags, computed from the repository's files
    for tag in tags:
        parts = tag.split(":", 2)
        if len(parts) == 3 and parts[0] == "base_model" and parts[1] in RELATIONS:
            hub_relations[parts[2]] = parts[1]
    if not bases:
        bases = list(hub_relations)
    declared = _text(card.get("base_model_relation"))
    if declared is not None and declared not in RELATIONS:
        raise BadRepo(f"base_model_relation {declared!r} is not one of {sorted(RELATIONS)}")
    records = []
    for base in dict.fromkeys(bases):
        if base.lower() == repo_id.lower():
            continue  # a card naming itself as its base says nothing about lineage
        relation = declared or hub_relations.get(base) or _inferred_relation(tags, record)
        records.append(LineageRecord(repo_id, base, relation, evidence_url=f"{HUB}/{repo_id}"))
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


def _claims(repo_id: str, card: dict, lineage: list[LineageRecord], stated_on: dt.date) -> list[ProvenanceClaimRecord]:
    url = f"{HUB}/{repo_id}"
    claims = []
    datasets = [name for name in _as_list(card.get("datasets")) if isinstance(name, str) and name.strip()]
    if datasets:
        claims.append(
            ProvenanceClaimRecord(
                external_id=f"{repo_id}#datasets",
                model_ref=repo_id,
                topic=ProvenanceTopic.TRAINING_DATA.value,
                # The card names datasets, not what kind of data they hold: the category stays unknown.
                values=[TrainingDataCategory.UNKNOWN.value],
                statement=f"The model card lists these datasets: {', '.join(datasets)}.",
                source_kind=ClaimSourceKind.MODEL_CARD.value,
                source_url=url,
                stated_on=stated_on,
            )
        )
    if lineage:
        bases = ", ".join(f"{edge.base_ref} ({edge.relation})" for edge in lineage)
        claims.append(
            ProvenanceClaimRecord(
                external_id=f"{repo_id}#origin",
                model_ref=repo_id,
                topic=ProvenanceTopic.ORIGIN.value,
                values=[Origin.DERIVED.value],
                statement=f"The model card declares its base model: {bases}.",
                source_kind=ClaimSourceKind.MODEL_CARD.value,
                source_url=url,
                stated_on=stated_on,
            )
        )
    return claims


def _benchmark_results(repo_id: str, card: dict, rejected: list[Rejection]):
    """One result per model-index metric; a malformed one is rejected by name, the model and the rest are kept."""
    results, benchmarks, seen = [], {}, set()
    for entry in _as_list(card.get("model-index")):
        for position, result in enumerate(_as_list(entry.get("results") if isinstance(entry, dict) else None)):
            for index, metric in enumerate(_as_list(result.get("metrics") if isinstance(result, dict) else result)):
                try:
                    dataset = _mapping(result.get("dataset"), "dataset")
                    source = _mapping(result.get("source"), "source")
                    benchmark = _benchmark(dataset, _mapping(metric, "metric"))
                    external_id = f"{repo_id}#{benchmark.slug}"
                    while external_id in seen:  # the same benchmark at other settings (split, shots)
                        external_id += "+"
                    record = _result(repo_id, external_id, benchmark, dataset, metric, source)
                except BadRepo as error:
                    label = f"{repo_id} model-index results[{position}].metrics[{index}]"
                    rejected.append(Rejection(record=label, error=str(error)))
                    continue
                seen.add(external_id)
                benchmarks.setdefault(benchmark.slug, benchmark)
                results.append(record)
    return results, list(benchmarks.values())


def _benchmark(dataset: dict, metric: dict) -> BenchmarkRecord:
    dataset_id = _text(dataset.get("type")) or _text(dataset.get("name"))
    metric_type = _text(metric.get("type"))
    if not dataset_id or not metric_type:
        raise BadRepo("every result needs a dataset type (or name) and a metric type")
    config = _text(dataset.get("config")) or ""
    slug = slugify(f"{dataset_id.replace('/', '-')} {config} {metric_type}")[:100].strip("-")
    if not slug:
        raise BadRepo(f"no usable benchmark id in {dataset_id!r} / {metric_type!r}")
    label = _text(metric.get("name")) or metric_type
    return BenchmarkRecord(
        slug=slug,
        name=f"{_text(dataset.get('name')) or dataset_id} ({label})"[:200],
        version=config[:50],
        metric=metric_type[:100],
        unit="",  # model-index does not say whether 72.95 is a percentage or a fraction
        higher_is_better=metric_type.lower() not in LOWER_IS_BETTER,
        url=f"{HUB}/datasets/{dataset_id}" if "/" in dataset_id else "",
    )


def _result(repo_id, external_id, benchmark, dataset, metric, source) -> BenchmarkResultRecord:
    # Only Hugging Face's evaluator signs a result (verifyToken); "verified: true" alone is the author's word.
    verified = metric.get("verified") is True and bool(_text(metric.get("verifyToken")))
    source_url = _text(source.get("url"))
    return BenchmarkResultRecord(
        external_id=external_id,
        model_ref=repo_id,
        benchmark=benchmark.slug,
        score=_score(metric.get("value"), benchmark.slug),
        source_tier=(SourceTier.INDEPENDENT if verified else SourceTier.VENDOR_CLAIMED).value,
        source_name=(_text(source.get("name")) or f"{repo_id} model card")[:200],
        source_url=source_url if source_url and source_url.startswith(("https://", "http://")) else f"{HUB}/{repo_id}",
        settings_notes=_settings_notes(dataset),
        verified=verified,
    )


def _settings_notes(dataset: dict) -> str:
    notes = [f"{key}={dataset[key]}" for key in ("config", "split", "revision") if _text(dataset.get(key))]
    args = dataset.get("args")
    if isinstance(args, dict):
        notes += [f"{key}={value}" for key, value in args.items() if isinstance(value, str | int | float)]
    return ", ".join(notes)


def _score(value: Any, slug: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BadRepo(f"{slug}: value {value!r} is not a number")
    try:
        # repr() of a float is its shortest exact spelling: 72.95 stays 72.95, not 72.9500000000000028...
        score = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation:
        raise BadRepo(f"{slug}: value {value!r} is not a number") from None
    if not score.is_finite() or abs(score) >= MAX_SCORE:
        raise BadRepo(f"{slug}: value {value!r} is not a usable score")
    return score


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value if not isinstance(value, dt.datetime) else value.date()
    try:
        return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else None
    except ValueError:
        return None


def _mapping(value: Any, what: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRepo(f"{what}: expected a mapping, got {type(value).__name__}")
    return value


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None

"""Hugging Face Hub: chosen model repositories, their model cards, lineage and card-reported scores.

For each configured repository ``fetch()`` reads the Hub's model record (``/api/models/{repo}``) and the model
card (``/{repo}/raw/main/README.md``) into ``Payload.parts`` (``{repo}/record.json``, ``{repo}/README.md``); the
body lists the repositories. ``parse()`` reads the card's YAML front matter (licence, ``base_model`` and
``base_model_relation``, ``datasets``: ``card``) and its ``model-index`` (``model_index``). The repositories are a
selection, not the Hub, so the snapshot is never complete: a repository left out of the list is not retired.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import ClassVar

import httpx
from django.conf import settings
from django.utils import timezone

from catalog.connectors._common import organization_record, with_parents
from catalog.connectors._common.fetching import HTTP_TIMEOUT
from catalog.connectors.base import ConnectorError, Payload, Rejection, Snapshot
from catalog.connectors.huggingface.card import (
    HUB,
    BadRepo,
    as_list,
    claims_of,
    date,
    front_matter,
    lineage_of,
    model_of,
    record_of,
    text,
)
from catalog.connectors.huggingface.model_index import benchmark_results
from catalog.connectors.openrouter import TransientFetchError, fetch_url

__all__ = ["DEFAULT_REPOS", "HUB", "HuggingFaceConnector", "TransientFetchError", "configured_repos"]

# Open-weight models whose records and cards are public without accepting terms (gated repos need HF_TOKEN).
DEFAULT_REPOS = (
    "mlabonne/NeuralBeagle14-7B",
    "Qwen/Qwen2.5-7B-Instruct",
    "deepseek-ai/DeepSeek-V3",
    "microsoft/phi-4",
    "allenai/OLMo-2-1124-7B-Instruct",
)


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
        parts = self._fetch_repos() if self.repos else {}
        body = json.dumps({"repos": self.repos}).encode()
        return Payload(body=body, origin=self.url, fetched_at=timezone.now(), parts=parts)

    @classmethod
    def embedded_payload(cls) -> Payload:
        """The offline default ships no Hub data: an empty selection, which parses to nothing and retires nothing."""
        return Payload(body=b'{"repos": []}', origin="embedded: no repositories", fetched_at=timezone.now())

    def _fetch_repos(self) -> dict[str, bytes]:
        headers = {"User-Agent": "modelgate-catalog"}
        if token := os.environ.get("HF_TOKEN"):
            headers["Authorization"] = f"Bearer {token}"  # only gated repositories need it
        client = self.client or httpx.Client(timeout=HTTP_TIMEOUT, headers=headers, follow_redirects=True)
        parts = {}
        try:
            for repo in self.repos:
                urls = {
                    f"{repo}/record.json": f"{self.url}/{repo}",
                    f"{repo}/README.md": f"{HUB}/{repo}/raw/main/README.md",
                }
                for name, url in urls.items():
                    # Gone (404) or gated (401/403): parse reads what was fetched and names what was not.
                    document = fetch_url(client, url, missing=(401, 403, 404))
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
        return Payload(
            body=json.dumps({"repos": [repo]}).encode(),
            origin=", ".join(str(path) for path in (record_json_path, readme_path) if path),
            fetched_at=timezone.now(),
            parts={name: document for name, document in parts.items() if document is not None},
        )

    @classmethod
    def payload_from_file(cls, path: str | Path) -> Payload:
        """One saved record (.json) or a folder holding ``record.json`` and/or ``README.md`` (the registry's hook)."""
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


def _listed_repos(body: bytes) -> list[str]:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise ConnectorError(f"Hugging Face payload is not valid JSON: {error}") from error
    repos = document.get("repos") if isinstance(document, dict) else None
    if not isinstance(repos, list) or not all(isinstance(repo, str) and repo.strip() for repo in repos):
        raise ConnectorError("Hugging Face payload must be {'repos': [repository ids]}")
    unique = {}  # repository ids are case-insensitive on the Hub, and so are Modelgate's aliases
    for repo in repos:
        unique.setdefault(repo.strip().lower(), repo.strip())
    return list(unique.values())


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
    record = record_of(record_bytes)
    card = front_matter(card_bytes) if card_bytes is not None else {}
    if not card and isinstance(record.get("cardData"), dict):
        card = record["cardData"]  # the Hub's own parse of the card's front matter
    # The record's spelling of the id is canonical, but only for this repository (never another one's id).
    repo_id = text(record.get("id")) if (text(record.get("id")) or "").lower() == repo.lower() else repo
    tags = [tag for tag in [*as_list(record.get("tags")), *as_list(card.get("tags"))] if isinstance(tag, str)]
    lineage = lineage_of(repo_id, card, record, tags)
    stated_on = date(record.get("lastModified")) or payload.fetched_at.date()
    claims = claims_of(repo_id, card, lineage, stated_on)
    model = model_of(repo_id, record, card, tags)
    results, benchmarks = benchmark_results(repo_id, card, snapshot.rejected)
    snapshot.models.append(model)
    snapshot.lineage.extend(lineage)
    snapshot.claims.extend(claims)
    snapshot.benchmark_results.extend(results)
    known = {benchmark.slug for benchmark in snapshot.benchmarks}
    snapshot.benchmarks.extend(benchmark for benchmark in benchmarks if benchmark.slug not in known)

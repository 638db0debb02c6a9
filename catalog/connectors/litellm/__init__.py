"""litellm's community price map (``model_prices_and_context_window.json``, MIT).

One JSON object keyed by *routing names* (``gpt-4o``, ``azure/eu/gpt-4o``, ``bedrock/us.anthropic.claude-…``,
``vertex_ai/claude-3-5-sonnet@20240620``): each key is how litellm routes to one model through one provider, so
each key becomes one offering, and a model record whose ``names`` and proposed slug let the sync service find the
one model behind many keys. Prices arrive as floats in USD per token and leave as exact ``Decimal`` per 1M tokens.

Not models, so skipped without a rejection: ``sample_spec`` (the format's documentation),
``fallback_generalizations`` (routing rules), floating ``alias_of`` entries (``claude-opus-latest`` points at
whatever is newest; pinning it to one model would be wrong tomorrow), size-class price rules
(``together-ai-4.1b-8b``) and entries for tools rather than models (modes ``search``, ``guardrail``,
``vector_store``).

``routes`` reads provider, channel, regions and deployment from a key; ``prices`` maps the price fields.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any, ClassVar

from django.utils import timezone

from catalog.choices import Capability, Channel, Modality, OfferingStatus, TaskType
from catalog.connectors._common import (
    Identity,
    identify,
    load_json,
    organization_record,
    parse_date,
    token_count,
    with_parents,
)
from catalog.connectors._common.fetching import SnapshotOrUrlConnector
from catalog.connectors.base import (
    ConnectorError,
    ModelRecord,
    OfferingRecord,
    OrganizationRecord,
    Payload,
    Rejection,
    Snapshot,
)
from catalog.connectors.litellm.prices import prices_of
from catalog.connectors.litellm.routes import channel_for, default_deployment, route

SNAPSHOT_DIR = Path(__file__).resolve().parents[2] / "data" / "litellm"
SNAPSHOT_FILE = SNAPSHOT_DIR / "model_prices_and_context_window.json"
URL_SETTING = "MODELGATE_LITELLM_URL"
UPSTREAM_URL = "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json"
MAX_KEY = 300  # Offering.external_id

SKIPPED_KEYS = frozenset({"sample_spec", "fallback_generalizations"})
PRICE_CLASS_KEY = re.compile(r"^(?:fireworks-ai|together-ai)-")
TOOL_MODES = frozenset({"search", "guardrail", "vector_store"})

# mode -> (task types, input modalities, output modalities); None where the mode does not say.
M = Modality
MODES: dict[str, tuple[list[str], list[str] | None, list[str] | None]] = {
    "chat": ([TaskType.CHAT], [M.TEXT], [M.TEXT]),
    "responses": ([TaskType.CHAT], [M.TEXT], [M.TEXT]),
    "realtime": ([TaskType.CHAT], [M.TEXT, M.AUDIO], [M.TEXT, M.AUDIO]),
    "completion": ([TaskType.COMPLETION], [M.TEXT], [M.TEXT]),
    "embedding": ([TaskType.EMBEDDING], [M.TEXT], None),
    "image_generation": ([TaskType.IMAGE_GENERATION], [M.TEXT], [M.IMAGE]),
    "image_edit": ([TaskType.IMAGE_GENERATION], [M.TEXT, M.IMAGE], [M.IMAGE]),
    "video_generation": ([TaskType.VIDEO_GENERATION], [M.TEXT], [M.VIDEO]),
    "audio_transcription": ([TaskType.TRANSCRIPTION], [M.AUDIO], [M.TEXT]),
    "audio_speech": ([TaskType.SPEECH], [M.TEXT], [M.AUDIO]),
    "rerank": ([TaskType.RERANK], [M.TEXT], None),
    "moderation": ([TaskType.MODERATION], [M.TEXT], None),
    "ocr": ([TaskType.OCR], [M.IMAGE, M.PDF], [M.TEXT]),
}
CAPABILITY_FLAGS = {
    "supports_function_calling": Capability.TOOLS,
    "supports_vision": Capability.VISION,
    "supports_image_input": Capability.VISION,
    "supports_reasoning": Capability.REASONING,
    "supports_response_schema": Capability.STRUCTURED_OUTPUT,
    "supports_native_structured_output": Capability.STRUCTURED_OUTPUT,
    "supports_prompt_caching": Capability.PROMPT_CACHING,
    "supports_web_search": Capability.WEB_SEARCH,
    "supports_audio_input": Capability.AUDIO_INPUT,
    "supports_audio_output": Capability.AUDIO_OUTPUT,
}
INPUT_FLAGS = {
    "supports_vision": M.IMAGE,
    "supports_image_input": M.IMAGE,
    "supports_pdf_input": M.PDF,
    "supports_video_input": M.VIDEO,
    "supports_audio_input": M.AUDIO,
}
OUTPUT_FLAGS = {"supports_audio_output": M.AUDIO}
MODALITY_NAMES = {"text": M.TEXT, "image": M.IMAGE, "audio": M.AUDIO, "video": M.VIDEO, "pdf": M.PDF}


class LiteLLMConnector(SnapshotOrUrlConnector):
    slug: ClassVar[str] = "litellm"
    name: ClassVar[str] = "litellm model price map"
    url: ClassVar[str] = UPSTREAM_URL
    license_notice: ClassVar[str] = (
        "litellm's model_prices_and_context_window.json, Copyright (c) 2023 Berri AI, MIT licence "
        "(https://github.com/BerriAI/litellm/blob/main/LICENSE)."
    )

    url_setting: ClassVar[str] = URL_SETTING

    def check_document(self, body: bytes, *, origin: str) -> None:
        _entries(body, origin=origin)

    @classmethod
    def embedded_payload(cls) -> Payload:
        origin = json.loads((SNAPSHOT_DIR / "ORIGIN.json").read_text())
        meta = {key: str(value) for key, value in origin.items()}
        meta["notice"] = "catalog/data/litellm/NOTICE"
        return Payload(
            body=SNAPSHOT_FILE.read_bytes(),
            origin=f"litellm=={origin['version']}:{origin['path_in_wheel']}",
            fetched_at=timezone.now(),
            meta=meta,
        )

    @classmethod
    def payload_from_file(cls, path: str | Path) -> Payload:
        path = Path(path)
        return Payload(body=path.read_bytes(), origin=str(path), fetched_at=timezone.now())

    def parse(self, payload: Payload) -> Snapshot:
        snapshot = Snapshot(complete=True)
        organizations: dict[str, OrganizationRecord] = {}
        fetched = payload.fetched_at
        seen_on = timezone.localdate(fetched) if timezone.is_aware(fetched) else fetched.date()
        for key, entry in sorted(_entries(payload.body, origin=payload.origin).items()):
            if _skipped(key, entry):
                continue
            try:
                model, offering = _records(key, entry, seen_on=seen_on, rejected=snapshot.rejected)
            except ValueError as exc:
                snapshot.rejected.append(Rejection(record=key, error=str(exc)))
                continue
            snapshot.models.append(model)
            snapshot.offerings.append(offering)
            _note(organizations, offering.provider, provider=True)
            if model.publisher:
                _note(organizations, model.publisher, publisher=True)
        snapshot.organizations = with_parents(organizations)
        return snapshot


def _entries(body: bytes, *, origin: str) -> dict[str, Any]:
    data = load_json(body, what=f"litellm price map from {origin}")
    if not isinstance(data, dict):
        raise ConnectorError(f"litellm price map from {origin} is a JSON {type(data).__name__}, not an object")
    return data


def _skipped(key: str, entry: Any) -> bool:
    if key in SKIPPED_KEYS or PRICE_CLASS_KEY.match(key):
        return True
    if not isinstance(entry, dict):
        return False
    mode = entry.get("mode")
    return "alias_of" in entry or (isinstance(mode, str) and mode in TOOL_MODES)


def _note(organizations: dict[str, OrganizationRecord], slug: str, **roles: bool) -> None:
    record = organizations.setdefault(slug, organization_record(slug, **roles))
    record.is_provider |= roles.get("provider", False)
    record.is_publisher |= roles.get("publisher", False)


def _records(
    key: str, entry: Any, *, seen_on: dt.date, rejected: list[Rejection]
) -> tuple[ModelRecord, OfferingRecord]:
    """The model and offering one key describes; ValueError names the first thing wrong with the entry. An
    impossible deprecation date only empties that field and is reported as ``<key>#deprecation_date``."""
    if not key.strip() or len(key) > MAX_KEY:
        raise ValueError(f"key must be 1 to {MAX_KEY} characters")
    if not isinstance(entry, dict):
        raise ValueError(f"entry is a JSON {type(entry).__name__}, not an object")
    provider_name = _text(entry, "litellm_provider", required=True)
    mode = _text(entry, "mode")
    provider, channel = channel_for(provider_name)
    path, regions, deployment = route(key, provider_name, channel)
    identity = identify(path, host=provider)
    context, max_output = (token_count(entry.get(f), f) for f in ("max_input_tokens", "max_output_tokens"))
    deprecation = _deprecation(key, entry, rejected)
    model = _model(key, path, identity, entry, mode)
    model.context_window, model.max_output_tokens, model.deprecation_date = context, max_output, deprecation
    prices = prices_of(entry, mode)
    if identity.publisher == provider and channel == Channel.OTHER:
        channel = Channel.VENDOR_API  # bought straight from the lab that made it
    offering = OfferingRecord(
        external_id=key,
        model_ref=key,
        provider=provider,
        channel=channel,
        deployment_type=deployment or default_deployment(provider_name, prices),
        regions=sorted(set(regions) | set(_strings(entry, "supported_regions"))),
        status=OfferingStatus.DEPRECATED if deprecation and deprecation <= seen_on else OfferingStatus.ACTIVE,
        quantization=identity.quantization,
        context_window=context,
        max_output_tokens=max_output,
        prices=prices,
    )
    return model, offering


def _deprecation(key: str, entry: dict, rejected: list[Rejection]) -> dt.date | None:
    try:
        return parse_date(entry.get("deprecation_date"), "deprecation_date")
    except ValueError as exc:
        error = f"{exc}: deprecation_date left empty, the rest of the entry kept"
        rejected.append(Rejection(record=f"{key}#deprecation_date", error=error))
        return None


def _model(key: str, path: str, identity: Identity, entry: dict, mode: str | None) -> ModelRecord:
    tasks, inputs, outputs = MODES.get(mode or "", (None, None, None))
    inputs, outputs = _with_flags(entry, inputs, INPUT_FLAGS), _with_flags(entry, outputs, OUTPUT_FLAGS)
    inputs = _listed_modalities(entry, "supported_modalities", inputs)
    outputs = _listed_modalities(entry, "supported_output_modalities", outputs)
    return ModelRecord(
        external_id=key,
        names=_names(key, path, identity),
        publisher=identity.publisher,
        slug=identity.slug,
        successor=_text(entry, "successor_model"),
        input_modalities=inputs,
        output_modalities=outputs,
        task_types=list(tasks) if tasks else None,
        capabilities=_capabilities(entry),
    )


def _names(key: str, path: str, identity: Identity) -> list[str]:
    """The key first, then the model's own name as this route writes it and the canonical name, when specific
    enough to identify a model anywhere (a bare 'search' or 'auto' would merge unrelated products)."""
    names = [key]
    candidates = [path, identity.name] if identity.slug and identity.distinctive else []
    for name in candidates:
        if name and name.lower() not in {existing.lower() for existing in names}:
            names.append(name)
    return names


def _with_flags(entry: dict, modalities: list[str] | None, flags: dict[str, str]) -> list[str] | None:
    found = [modality for flag, modality in flags.items() if _flag(entry, flag)]
    if modalities is None and not found:
        return None
    return _unique([*(modalities or []), *found])


def _listed_modalities(entry: dict, field: str, modalities: list[str] | None) -> list[str] | None:
    listed = [MODALITY_NAMES[name] for name in _strings(entry, field) if name in MODALITY_NAMES]
    return _unique([*(modalities or []), *listed]) if listed else modalities


def _capabilities(entry: dict) -> list[str] | None:
    flags = [flag for flag in CAPABILITY_FLAGS if flag in entry]
    if not flags:
        return None
    return _unique(CAPABILITY_FLAGS[flag] for flag in flags if _flag(entry, flag))


def _text(entry: dict, field: str, *, required: bool = False) -> str | None:
    value = entry.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{field} {value!r} is not a name" if value is not None else f"{field} is missing")
    return value.strip()


def _strings(entry: dict, field: str) -> list[str]:
    value = entry.get(field) or []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{field} must be a list of strings")
    return value


def _flag(entry: dict, field: str) -> bool:
    value = entry.get(field, False)
    if not isinstance(value, bool):
        raise ValueError(f"{field} {value!r} is not true or false")
    return value


def _unique(items) -> list[str]:
    return list(dict.fromkeys(items))

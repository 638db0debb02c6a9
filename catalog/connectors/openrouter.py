"""OpenRouter: the public model list and, for chosen models, each provider endpoint behind it.

``GET /api/v1/models`` lists every model OpenRouter routes to (so the snapshot is complete: a model missing from
it was withdrawn). ``GET /api/v1/models/{author}/{slug}/endpoints`` adds, per model, each hosting provider with its
own context, quantization, prices and, where OpenRouter publishes it, its data policy; those documents travel in
``Payload.parts`` keyed by model id.

Parsing is deliberately lenient about fields: recorded real responses lack ``canonical_slug``, ``links``,
``default_parameters`` and others that today's OpenAPI spec marks required, so only ``id`` is required and every
other field is read when present. A field present but malformed rejects that one model, by id.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, ClassVar

import httpx
from django.utils import timezone

from catalog.choices import Capability, Channel, DeploymentType, Modality, OfferingStatus, PriceUnit, TaskType
from catalog.connectors._common import (
    checked,
    identify,
    org_slug,
    organization_record,
    parse_date,
    per_million,
    token_count,
    usd,
    with_parents,
)
from catalog.connectors._common.fetching import HTTP_TIMEOUT
from catalog.connectors.base import (
    ConnectorError,
    ModelRecord,
    OfferingRecord,
    OrganizationRecord,
    Payload,
    PriceRecord,
    Rejection,
    Snapshot,
)

API_ROOT = "https://openrouter.ai/api/v1"
PROVIDER = "openrouter"
SERVERLESS = DeploymentType.SERVERLESS.value

# OpenRouter pricing key -> (unit, tier). Token units arrive in USD per token and are stored per 1M tokens.
PRICE_KEYS: dict[str, tuple[str, str]] = {
    "prompt": (PriceUnit.INPUT_TOKEN.value, ""),
    "completion": (PriceUnit.OUTPUT_TOKEN.value, ""),
    "input_cache_read": (PriceUnit.CACHED_INPUT_TOKEN.value, ""),
    "input_cache_write": (PriceUnit.CACHE_WRITE_TOKEN.value, ""),
    "input_cache_write_1h": (PriceUnit.CACHE_WRITE_TOKEN.value, "1h_ttl"),
    "internal_reasoning": (PriceUnit.REASONING_TOKEN.value, ""),
    "audio": (PriceUnit.INPUT_AUDIO_TOKEN.value, ""),
    "audio_output": (PriceUnit.OUTPUT_AUDIO_TOKEN.value, ""),
    "image": (PriceUnit.IMAGE.value, ""),
    "request": (PriceUnit.REQUEST.value, ""),
    "web_search": (PriceUnit.WEB_SEARCH.value, ""),
}
TOKEN_PRICE_KEYS = frozenset(key for key, (unit, _) in PRICE_KEYS.items() if unit.endswith("_token"))
# A "0" prompt or completion price means free (the ":free" variants). On the other keys OpenRouter writes "0" for
# "not billed separately": Claude's internal_reasoning is "0" although its thinking tokens bill as output tokens,
# so storing it would show a free reasoning price that no one gets. Those zeros are skipped.
ZERO_IS_A_PRICE = frozenset({"prompt", "completion"})

# OpenRouter's "file" input is PDF documents; modalities Modelgate has no value for ("embeddings") are left out.
MODALITIES = {"text": "text", "image": "image", "audio": "audio", "video": "video", "file": Modality.PDF.value}
PARAMETER_CAPABILITIES = {
    "tools": Capability.TOOLS.value,
    "structured_outputs": Capability.STRUCTURED_OUTPUT.value,
    "reasoning": Capability.REASONING.value,
    "web_search_options": Capability.WEB_SEARCH.value,
}


class TransientFetchError(ConnectorError):
    """The source answered 429 or 5xx, or the network failed: worth retrying later (the sync task does)."""


class BadEntry(ValueError):
    """One model entry (or endpoint) is malformed; it becomes a Rejection, the others are kept."""


class OpenRouterConnector:
    slug: ClassVar[str] = "openrouter"
    name: ClassVar[str] = "OpenRouter"
    url: ClassVar[str] = f"{API_ROOT}/models"
    license_notice: ClassVar[str] = (
        "Model list and prices from OpenRouter's public API (https://openrouter.ai/api/v1/models), "
        "as published by OpenRouter, Inc. under its terms of service."
    )

    def __init__(self, *, endpoint_models: Iterable[str] | None = None, client: httpx.Client | None = None):
        # Each model's endpoints cost one request, so only chosen models get them (env: comma-separated ids).
        if endpoint_models is None:
            endpoint_models = os.environ.get("MODELGATE_OPENROUTER_ENDPOINT_MODELS", "").split(",")
        self.endpoint_models = [model_id.strip() for model_id in endpoint_models if model_id.strip()]
        self.client = client

    def fetch(self) -> Payload:
        client = self.client or httpx.Client(timeout=HTTP_TIMEOUT, headers={"User-Agent": "modelgate-catalog"})
        try:
            body = fetch_url(client, self.url)
            _load_json(body, what="model list")  # fail the fetch, not a later parse, on a broken body
            parts = {}
            for model_id in self.endpoint_models:
                endpoints = fetch_url(client, f"{API_ROOT}/models/{model_id}/endpoints", missing_ok=True)
                if endpoints is not None:
                    parts[model_id] = endpoints
        finally:
            if self.client is None:
                client.close()
        return Payload(body=body, origin=self.url, fetched_at=timezone.now(), parts=parts)

    def parse(self, payload: Payload) -> Snapshot:
        document = _load_json(payload.body, what="model list")
        entries = document.get("data") if isinstance(document, dict) else None
        if not isinstance(entries, list):
            raise ConnectorError(f"{payload.origin}: expected an object with a 'data' list of models")
        snapshot = Snapshot(complete=True)
        catalog = _Catalog()
        for position, entry in enumerate(entries):
            try:
                catalog.add(entry)
            except ValueError as error:  # BadEntry, or a _common parser refusing a value
                snapshot.rejected.append(Rejection(record=_label(entry, position), error=str(error)))
        for model_id, body in sorted(payload.parts.items()):
            catalog.add_endpoints(model_id, body, snapshot.rejected)
        snapshot.models = list(catalog.models.values())
        snapshot.offerings = catalog.offerings
        snapshot.organizations = with_parents(catalog.organizations)
        return snapshot


def fetch_url(client: httpx.Client, url: str, *, missing_ok: bool = False) -> bytes | None:
    """GET a document; 429, 5xx and network failures are transient, other failures are not."""
    try:
        response = client.get(url)
    except httpx.TransportError as error:
        raise TransientFetchError(f"GET {url} failed: {error.__class__.__name__}: {error}") from error
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientFetchError(f"GET {url} answered HTTP {response.status_code}; retry later")
    if missing_ok and response.status_code == 404:
        return None
    if response.status_code != 200:
        raise ConnectorError(f"GET {url} answered HTTP {response.status_code}")
    return response.content


def _load_json(body: bytes, *, what: str) -> Any:
    try:
        # parse_float keeps a JSON number exact (a price written as a number rather than a string).
        return json.loads(body, parse_float=Decimal)
    except (ValueError, RecursionError) as error:
        raise ConnectorError(f"OpenRouter {what} is not valid JSON: {error}") from error


def _label(entry: Any, position: int) -> str:
    if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"].strip():
        return entry["id"].strip()
    return f"data[{position}]"


class _Catalog:
    """Accumulates one snapshot: one model per base id, since ":free", ":beta"... variants are offerings of it."""

    def __init__(self):
        self.models: dict[str, ModelRecord] = {}
        self.from_variant: set[str] = set()
        self.offerings: list[OfferingRecord] = []
        self.offering_ids: set[str] = set()
        self.organizations: dict[str, OrganizationRecord] = {PROVIDER: organization_record(PROVIDER, provider=True)}

    def add(self, entry: Any) -> None:
        if not isinstance(entry, dict):
            raise BadEntry(f"a model entry must be an object, got {type(entry).__name__}")
        model_id = _text(entry.get("id"), "id", required=True)
        if model_id in self.offering_ids:
            raise BadEntry("duplicate id in the model list")
        model = _model(entry, model_id)
        offering = _offering(entry, model_id, model.external_id)
        self._keep_model(model, is_variant=model_id != model.external_id)
        self._keep_offering(offering)
        if model.publisher:
            self.organization(model.publisher, _publisher_name(entry.get("name")), publisher=True)

    def add_endpoints(self, model_id: str, body: bytes, rejected: list[Rejection]) -> None:
        label = f"{model_id} endpoints"
        try:
            document = _load_json(body, what=label)
        except ConnectorError as error:
            rejected.append(Rejection(record=label, error=str(error)))
            return
        data = document.get("data") if isinstance(document, dict) else None
        endpoints = data.get("endpoints") if isinstance(data, dict) else None
        if not isinstance(endpoints, list):
            rejected.append(Rejection(record=label, error="expected {'data': {'endpoints': [...]}}"))
        elif _base_id(model_id) not in self.models:
            rejected.append(Rejection(record=label, error="no such model in the model list"))
        else:
            for position, endpoint in enumerate(endpoints):
                try:
                    self._keep_offering(_endpoint_offering(endpoint, model_id, self))
                except ValueError as error:
                    rejected.append(Rejection(record=f"{label}[{position}]", error=str(error)))

    def organization(self, slug: str, name: str | None, *, publisher=False, provider=False) -> None:
        record = self.organizations.setdefault(slug, organization_record(slug, name=name or slug))
        record.is_publisher |= publisher
        record.is_provider |= provider

    def _keep_model(self, model: ModelRecord, *, is_variant: bool) -> None:
        known = self.models.get(model.external_id)
        if known is not None and (is_variant or model.external_id not in self.from_variant):
            known.names = _unique([*known.names, *model.names])
            return
        # The plain entry describes the model; a variant's entry only stands in until (unless) the plain one comes.
        if known is not None:
            model.names = _unique([*model.names, *known.names])
            self.from_variant.discard(model.external_id)
        if is_variant:
            self.from_variant.add(model.external_id)
        self.models[model.external_id] = model

    def _keep_offering(self, offering: OfferingRecord) -> None:
        if offering.external_id in self.offering_ids:
            raise BadEntry(f"duplicate offering {offering.external_id}")
        self.offering_ids.add(offering.external_id)
        self.offerings.append(offering)


def _model(entry: dict, model_id: str) -> ModelRecord:
    base_id = _base_id(model_id)
    author = base_id.split("/", 1)[0] if "/" in base_id else ""
    architecture = _object(entry.get("architecture"), "architecture")
    parameters = _strings(entry.get("supported_parameters"), "supported_parameters") or []
    inputs = _modalities(architecture.get("input_modalities"), "architecture.input_modalities")
    outputs = _modalities(architecture.get("output_modalities"), "architecture.output_modalities")
    hf_id = _text(entry.get("hugging_face_id"), "hugging_face_id")
    routed = [] if author == PROVIDER else [f"openrouter/{base_id}", f"openrouter/{model_id}"]
    return ModelRecord(
        external_id=base_id,
        names=_unique([base_id, model_id, _text(entry.get("canonical_slug"), "canonical_slug"), *routed, hf_id]),
        publisher=org_slug(author) if author else None,
        slug=identify(base_id).slug or base_id,
        display_name=_display_name(_text(entry.get("name"), "name"), is_variant=base_id != model_id),
        description=_text(entry.get("description"), "description"),
        release_date=_unix_date(entry.get("created")),
        knowledge_cutoff=parse_date(entry.get("knowledge_cutoff"), "knowledge_cutoff"),
        input_modalities=inputs,
        output_modalities=outputs,
        task_types=_task_types(outputs, parameters),
        capabilities=_capabilities(parameters, inputs, outputs, _object(entry.get("pricing"), "pricing")),
        context_window=token_count(entry.get("context_length"), "context_length"),
        max_output_tokens=_max_output(entry),
        # Only open-weight models have a Hugging Face repository; its absence proves nothing either way.
        open_weights=True if hf_id else None,
    )


def _offering(entry: dict, model_id: str, model_ref: str) -> OfferingRecord:
    # OpenRouter announces the date after which it may remove a listing: the offering is on its way out.
    expires = parse_date(entry.get("expiration_date"), "expiration_date")
    return OfferingRecord(
        external_id=model_id,
        model_ref=model_ref,
        provider=PROVIDER,
        channel=Channel.OPENROUTER.value,
        deployment_type=SERVERLESS,
        status=(OfferingStatus.DEPRECATED if expires else OfferingStatus.ACTIVE).value,
        context_window=token_count(entry.get("context_length"), "context_length"),
        max_output_tokens=_max_output(entry),
        prices=_prices(entry.get("pricing"), "pricing"),
    )


def _endpoint_offering(endpoint: Any, model_id: str, catalog: _Catalog) -> OfferingRecord:
    if not isinstance(endpoint, dict):
        raise BadEntry(f"an endpoint must be an object, got {type(endpoint).__name__}")
    provider_name = _text(endpoint.get("provider_name"), "provider_name", required=True)
    provider = org_slug(provider_name)
    offering = OfferingRecord(
        external_id=f"{model_id}@{_text(endpoint.get('tag'), 'tag') or provider}",
        model_ref=_base_id(model_id),
        provider=provider,
        channel=Channel.OPENROUTER.value,
        deployment_type=SERVERLESS,
        quantization=_text(endpoint.get("quantization"), "quantization") or "",
        context_window=token_count(endpoint.get("context_length"), "context_length"),
        max_output_tokens=token_count(endpoint.get("max_completion_tokens"), "max_completion_tokens"),
        prices=_prices(endpoint.get("pricing"), "pricing"),
        **_data_policy(endpoint),
    )
    catalog.organization(provider, provider_name, provider=True)
    return offering


def _data_policy(endpoint: dict) -> dict:
    """The endpoint's data policy where OpenRouter includes one (``provider_info.dataPolicy``); else unknown."""
    info = _object(endpoint.get("provider_info"), "provider_info")
    policy = _object(info.get("dataPolicy"), "provider_info.dataPolicy")
    training, retains, days = policy.get("training"), policy.get("retainsPrompts"), policy.get("retentionDays")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 36_500):
        raise BadEntry(f"provider_info.dataPolicy.retentionDays: expected a number of days, got {days!r}")
    return {
        "trains_on_prompts": training if isinstance(training, bool) else None,
        "zero_data_retention": (not retains) if isinstance(retains, bool) else None,
        "data_retention_days": 0 if retains is False else days,
    }


def _prices(pricing: Any, field: str) -> list[PriceRecord]:
    prices = []
    for key, value in sorted(_object(pricing, field).items()):
        if key not in PRICE_KEYS or _unknown(value):
            continue  # discount, overrides and units Modelgate does not price; "-1" and null are unknown
        try:
            amount = per_million(value) if key in TOKEN_PRICE_KEYS else checked(usd(value))
        except ValueError as error:
            raise BadEntry(f"{field}.{key}: {error}") from None
        if amount or key in ZERO_IS_A_PRICE:
            unit, tier = PRICE_KEYS[key]
            prices.append(PriceRecord(unit=unit, usd=amount, tier=tier))
    return prices


def _unknown(value: Any) -> bool:
    """Missing, null, or negative: OpenRouter writes "-1" where it cannot say (openrouter/auto's routed price)."""
    if isinstance(value, str):
        return not value.strip() or value.strip().startswith("-")
    return value is None or (isinstance(value, int | Decimal) and not isinstance(value, bool) and value < 0)


def _capabilities(parameters: list[str], inputs, outputs, pricing: dict) -> list[str]:
    found = {PARAMETER_CAPABILITIES[name] for name in parameters if name in PARAMETER_CAPABILITIES}
    inputs, outputs = inputs or [], outputs or []
    if "image" in inputs:
        found.add(Capability.VISION.value)
    if "audio" in inputs:
        found.add(Capability.AUDIO_INPUT.value)
    if "audio" in outputs:
        found.add(Capability.AUDIO_OUTPUT.value)
    cache_read = pricing.get("input_cache_read")
    if not _unknown(cache_read) and usd(cache_read) > 0:
        found.add(Capability.PROMPT_CACHING.value)
    return sorted(found)


def _task_types(outputs: list[str] | None, parameters: list[str]) -> list[str] | None:
    if outputs is None:
        return None
    tasks = [TaskType.CHAT.value] if "text" in outputs else []
    if "reasoning" in parameters:
        tasks.append(TaskType.REASONING.value)
    if "image" in outputs:
        tasks.append(TaskType.IMAGE_GENERATION.value)
    return tasks


def _modalities(value: Any, field: str) -> list[str] | None:
    names = _strings(value, field)
    return None if names is None else _unique(MODALITIES[name] for name in names if name in MODALITIES)


def _max_output(entry: dict) -> int | None:
    top = _object(entry.get("top_provider"), "top_provider")
    return token_count(top.get("max_completion_tokens"), "top_provider.max_completion_tokens")


def _base_id(model_id: str) -> str:
    """``meta-llama/llama-3.3-70b-instruct:free`` -> ``meta-llama/llama-3.3-70b-instruct``: same model, other deal."""
    return model_id.split(":", 1)[0]


def _display_name(name: str | None, *, is_variant: bool) -> str | None:
    if name and ": " in name:  # "Anthropic: Claude Opus 4": the publisher is recorded separately
        name = name.split(": ", 1)[1]
    if name and is_variant and name.endswith(")") and " (" in name:  # "Qwerky 72B (free)"
        name = name.rsplit(" (", 1)[0]
    return name.strip() if name and name.strip() else None


def _publisher_name(name: Any) -> str | None:
    if isinstance(name, str) and ": " in name:
        return name.split(": ", 1)[0].strip() or None
    return None


def _unix_date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise BadEntry(f"created: expected a Unix timestamp, got {value!r}")
    try:
        return dt.datetime.fromtimestamp(int(value), tz=dt.UTC).date()
    except (ValueError, OverflowError, OSError):
        raise BadEntry(f"created: {value!r} is not a valid Unix timestamp") from None


def _text(value: Any, field: str, *, required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise BadEntry(f"{field} is missing")
        return None
    if not isinstance(value, str):
        raise BadEntry(f"{field}: expected a string, got {value!r}")
    return value.strip()


def _strings(value: Any, field: str) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise BadEntry(f"{field}: expected a list of strings")
    return value


def _object(value: Any, field: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadEntry(f"{field}: expected an object, got {type(value).__name__}")
    return value


def _unique(names: Iterable[str | None]) -> list[str]:
    seen, kept = set(), []
    for name in names:
        if name and name.lower() not in seen:
            seen.add(name.lower())
            kept.append(name)
    return kept

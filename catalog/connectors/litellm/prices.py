"""litellm's price fields -> ``PriceRecord``: USD per token -> exact Decimal per 1M tokens, with variants
(``_batches``, ``_priority``, ``_flex``) and tiers (``_above_200k_tokens``, cache TTL ``_above_1hr``, image and video
resolutions, off-peak hours, ``tiered_pricing`` bands, web search by context size).

A zero price is kept only for plain input and output tokens (free models); elsewhere litellm writes 0 for "not
billed separately". Fields with no unit in ``PriceUnit`` (per character, pixel, page, Databricks DBU, session) are
not mapped.
"""

from __future__ import annotations

import re
from typing import Any

from catalog.choices import PriceUnit
from catalog.choices import PriceVariant as Variant
from catalog.connectors._common import per_million, usd
from catalog.connectors.base import PriceRecord

# Price field (after variant and tier qualifiers are removed) -> (unit, tier qualifier, priced per token).
# A unit of None is decided by the mode: seconds of video for video models, of audio otherwise.
U = PriceUnit
PRICE_FIELDS: dict[str, tuple[str | None, str, bool]] = {
    "input_cost_per_token": (U.INPUT_TOKEN, "", True),
    "output_cost_per_token": (U.OUTPUT_TOKEN, "", True),
    "cache_read_input_token_cost": (U.CACHED_INPUT_TOKEN, "", True),
    "input_cost_per_token_cache_hit": (U.CACHED_INPUT_TOKEN, "", True),
    "explicit_cache_read_input_token_cost": (U.CACHED_INPUT_TOKEN, "explicit", True),
    "cache_creation_input_token_cost": (U.CACHE_WRITE_TOKEN, "", True),
    "output_cost_per_reasoning_token": (U.REASONING_TOKEN, "", True),
    "input_cost_per_audio_token": (U.INPUT_AUDIO_TOKEN, "", True),
    "output_cost_per_audio_token": (U.OUTPUT_AUDIO_TOKEN, "", True),
    "cache_read_input_audio_token_cost": (U.CACHED_INPUT_TOKEN, "audio", True),
    "cache_creation_input_audio_token_cost": (U.CACHE_WRITE_TOKEN, "audio", True),
    "cache_read_input_image_token_cost": (U.CACHED_INPUT_TOKEN, "image", True),
    "input_cost_per_image_token": (U.INPUT_TOKEN, "image", True),
    "output_cost_per_image_token": (U.OUTPUT_TOKEN, "image", True),
    "input_cost_per_video_token": (U.INPUT_TOKEN, "video", True),
    "output_cost_per_video_token": (U.OUTPUT_TOKEN, "video", True),
    "citation_cost_per_token": (U.INPUT_TOKEN, "citation", True),
    "input_cost_per_image": (U.IMAGE, "input", False),
    "output_cost_per_image": (U.IMAGE, "", False),
    "input_cost_per_audio_per_second": (U.AUDIO_SECOND, "input", False),
    "input_cost_per_video_per_second": (U.VIDEO_SECOND, "input", False),
    "output_cost_per_video_per_second": (U.VIDEO_SECOND, "", False),
    "input_cost_per_second": (None, "input", False),
    "output_cost_per_second": (None, "", False),
    "input_cost_per_request": (U.REQUEST, "", False),
    "input_cost_per_query": (U.REQUEST, "query", False),
}
PRICE_VARIANTS = {"batches": Variant.BATCH, "priority": Variant.PRIORITY, "flex": Variant.FLEX}
VARIANT_SUFFIX = re.compile(r"_(batches|priority|flex|ultrafast|decisions|balanced)$")
TIER_PARTS = (  # qualifiers inside a field name, in the order they are written into the tier
    (re.compile(r"_above_(\d+)hr"), "{}h_ttl"),
    (re.compile(r"_above_(\d+k)_tokens"), "above_{}"),
    (re.compile(r"_above_(\d+s)_interval"), "above_{}"),
)
RESOLUTION_SUFFIX = re.compile(r"^(output_cost_per_(?:image|second))_([0-9.]+[kp]?|\d+)$", re.IGNORECASE)


def prices_of(entry: dict, mode: str | None) -> list[PriceRecord]:
    prices: dict[tuple[str, str, str], PriceRecord] = {}
    for field, value in sorted(entry.items()):
        price = _price(field, value, mode)
        if price is not None:
            prices.setdefault((price.unit, price.tier, price.variant), price)
    for price in _nested_prices(entry, mode):
        prices.setdefault((price.unit, price.tier, price.variant), price)
    return [prices[key] for key in sorted(prices)]


def _price(field: str, value: Any, mode: str | None, *qualifiers: str) -> PriceRecord | None:
    """The price one field states, None when the field is no price Modelgate has a unit for."""
    base, variant, parts = _parse_price_field(field)
    if base not in PRICE_FIELDS:
        return None
    unit, qualifier, per_token = PRICE_FIELDS[base]
    unit = unit or (U.VIDEO_SECOND if mode == "video_generation" else U.AUDIO_SECOND)
    try:
        amount = per_million(value) if per_token else usd(value)
    except ValueError as exc:
        raise ValueError(f"{field}: {exc}") from None
    tier = ",".join(part for part in (qualifier, *parts, *qualifiers) if part)
    if amount == 0 and (tier or variant != Variant.STANDARD or unit not in (U.INPUT_TOKEN, U.OUTPUT_TOKEN)):
        return None
    return PriceRecord(unit=unit, usd=amount, tier=tier, variant=variant)


def _parse_price_field(field: str) -> tuple[str, str, list[str]]:
    """'input_cost_per_token_above_200k_tokens_batches' -> ('input_cost_per_token', 'batch', ['above_200k'])."""
    variant, parts = Variant.STANDARD, []
    if match := VARIANT_SUFFIX.search(field):
        field = field[: match.start()]
        variant = PRICE_VARIANTS.get(match.group(1), Variant.STANDARD)
        parts.append("" if match.group(1) in PRICE_VARIANTS else match.group(1))
    tier_parts = []
    for pattern, template in TIER_PARTS:
        if match := pattern.search(field):
            tier_parts.append(template.format(match.group(1)))
            field = field[: match.start()] + field[match.end() :]
    if match := RESOLUTION_SUFFIX.match(field):
        field = match.group(1)
        tier_parts.insert(0, match.group(2).lower())
    return field, variant, [*tier_parts, *parts]


def _nested_prices(entry: dict, mode: str | None) -> list[PriceRecord]:
    """Prices litellm nests: web search per query by context size, context tiers, off-peak hours."""
    prices = []
    search = _mapping(entry, "search_context_cost_per_query")
    for size, value in sorted(search.items()):
        amount = _checked(f"search_context_cost_per_query.{size}", value)
        if amount:
            prices.append(PriceRecord(unit=U.WEB_SEARCH, usd=amount, tier=size.removeprefix("search_context_size_")))
    for band in _bands(entry):
        prices += [price for f, v in sorted(band["prices"].items()) if (price := _price(f, v, mode, band["tier"]))]
    off_peak = _mapping(entry, "off_peak_pricing")
    prices += [price for f, v in sorted(off_peak.items()) if (price := _price(f, v, mode, "off_peak"))]
    return prices


def _bands(entry: dict) -> list[dict]:
    """``tiered_pricing``: [{"range": [256000, 1000000], "input_cost_per_token": ...}]; the first band is the
    base price, written again outside the list, so only bands above it become tiers."""
    bands = entry.get("tiered_pricing") or []
    if not isinstance(bands, list) or not all(isinstance(band, dict) for band in bands):
        raise ValueError("tiered_pricing must be a list of objects")
    found = []
    for band in bands:
        bounds = band.get("range")
        if not (isinstance(bounds, list) and bounds and _number(bounds[0])):
            raise ValueError(f"tiered_pricing range {bounds!r} is not a [from, to] pair")
        if bounds[0] > 0:
            tier = f"above_{int(bounds[0]) // 1000}k"
            found.append({"tier": tier, "prices": {k: v for k, v in band.items() if k != "range"}})
    return found


def _checked(field: str, value: Any):
    try:
        return usd(value)
    except ValueError as exc:
        raise ValueError(f"{field}: {exc}") from None


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value and abs(value) < 1e18


def _mapping(entry: dict, field: str) -> dict:
    value = entry.get(field) or {}
    if not isinstance(value, dict):
        raise ValueError(f"{field} must be an object")
    return value

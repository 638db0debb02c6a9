"""The garbage guard: every record of a snapshot is checked before it may touch the catalog.

A record that fails is rejected alone, with a message naming the field, and the rest of the snapshot goes on.
Checks are those the database would otherwise enforce by failing the whole transaction (types, lengths, choices,
non-negative prices), plus plausibility: a token price above ``MAX_USD`` per 1M tokens is a unit error
(USD per token stored as per 1M, or a typo), not a price anyone charges.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_slug

from catalog import choices

MAX_USD = Decimal("10000")  # per 1M tokens (or per unit): the most expensive real price is ~100x below this
MAX_PRICE_JUMP = Decimal(10)  # a change by more than this factor is quarantined, not applied
MAX_INT = 2**31 - 1  # PositiveIntegerField
MAX_BIGINT = 2**63 - 1

Check = Callable[[object], str | None]


def _text(max_length: int | None = None, *, required: bool = False) -> Check:
    def check(value):
        if value is None:
            return "is required" if required else None
        if not isinstance(value, str):
            return f"must be text, got {type(value).__name__}"
        if required and not value.strip():
            return "must not be empty"
        if max_length and len(value) > max_length:
            return f"is longer than {max_length} characters"
        return None

    return check


def _integer(maximum: int, minimum: int = 0) -> Check:
    def check(value):
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            return f"must be a whole number, got {type(value).__name__}"
        if not minimum <= value <= maximum:
            return f"must be between {minimum} and {maximum}, got {value}"
        return None

    return check


def _boolean(value) -> str | None:
    return None if value is None or isinstance(value, bool) else f"must be true or false, got {type(value).__name__}"


def _date(value) -> str | None:
    return None if value is None or isinstance(value, dt.date) else f"must be a date, got {type(value).__name__}"


def _choice(choice_set) -> Check:
    allowed = set(choice_set.values)

    def check(value):
        if value is None or value in allowed:
            return None
        return f"{value!r} is not one of {', '.join(sorted(v for v in allowed if v))}"

    return check


def _choice_list(choice_set) -> Check:
    one = _choice(choice_set)

    def check(value):
        if value is None:
            return None
        if not isinstance(value, list):
            return f"must be a list, got {type(value).__name__}"
        return next((error for item in value if (error := one(item))), None)

    return check


def _text_list(max_length: int, *, required: bool = False) -> Check:
    one = _text(max_length, required=True)

    def check(value):
        if value is None or (required and not value):
            return "must name at least one" if required else None
        if not isinstance(value, list):
            return f"must be a list, got {type(value).__name__}"
        return next((error for item in value if (error := one(item))), None)

    return check


def _slug(max_length: int) -> Check:
    text = _text(max_length, required=True)

    def check(value):
        error = text(value)
        if error:
            return error
        try:
            validate_slug(value)
        except ValidationError:
            return f"{value!r} is not a slug (letters, digits, '-' and '_')"
        return None

    return check


def _url(required: bool = False) -> Check:
    text = _text(500, required=required)
    validator = URLValidator()

    def check(value):
        error = text(value)
        if error or not value:
            return error
        try:
            validator(value)
        except ValidationError:
            return f"{value!r} is not a URL"
        return None

    return check


def _decimal(max_digits: int, decimal_places: int, minimum: Decimal | None = None) -> Check:
    limit = Decimal(10) ** (max_digits - decimal_places)

    def check(value):
        if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
            # A float has already lost the price: 0.1 + 0.2 != 0.3. Connectors convert with Decimal(str).
            return f"must be a Decimal, got {type(value).__name__}"
        value = Decimal(value)
        if not value.is_finite():
            return f"must be a finite number, got {value}"
        if minimum is not None and value < minimum:
            return f"must not be below {minimum}, got {value}"
        if abs(value) >= limit:
            return f"is too large ({value})"
        return None

    return check


def _model_slug(value) -> str | None:
    error = _text(200)(value)
    if error or value is None:
        return error
    return None if value.count("/") >= 1 and all(value.split("/")) else f"{value!r} is not 'publisher/name'"


MODEL_CHECKS: dict[str, Check] = {
    "external_id": _text(300, required=True),
    "names": _text_list(300, required=True),
    "slug": _model_slug,
    "publisher": _text(100),
    "display_name": _text(300),
    "family": _text(100),
    "version": _text(100),
    "description": _text(),
    "release_date": _date,
    "knowledge_cutoff": _date,
    "lifecycle": _choice(choices.Lifecycle),
    "deprecation_date": _date,
    "retirement_date": _date,
    "successor": _text(300),
    "input_modalities": _choice_list(choices.Modality),
    "output_modalities": _choice_list(choices.Modality),
    "task_types": _choice_list(choices.TaskType),
    "capabilities": _choice_list(choices.Capability),
    "architecture": _choice(choices.Architecture),
    "total_parameters": _integer(MAX_BIGINT),
    "active_parameters": _integer(MAX_BIGINT),
    "context_window": _integer(MAX_INT, minimum=1),
    "max_output_tokens": _integer(MAX_INT, minimum=1),
    "open_weights": _boolean,
    "license": _text(150),
}
OFFERING_CHECKS: dict[str, Check] = {
    "external_id": _text(300, required=True),
    "model_ref": _text(300, required=True),
    "provider": _text(100, required=True),
    "channel": _choice(choices.Channel),
    "deployment_type": _choice(choices.DeploymentType),
    "regions": _text_list(50),
    "status": _choice(choices.OfferingStatus),
    "data_retention_days": _integer(MAX_INT),
    "trains_on_prompts": _boolean,
    "zero_data_retention": _boolean,
    "quantization": _text(30),
    "context_window": _integer(MAX_INT, minimum=1),
    "max_output_tokens": _integer(MAX_INT, minimum=1),
}
PRICE_CHECKS: dict[str, Check] = {
    "unit": _choice(choices.PriceUnit),
    "usd": _decimal(20, 10, minimum=Decimal(0)),
    "tier": _text(50),
    "variant": _choice(choices.PriceVariant),
}
ORGANIZATION_CHECKS: dict[str, Check] = {
    "slug": _slug(100),
    "name": _text(200, required=True),
    "is_publisher": _boolean,
    "is_provider": _boolean,
    "country": _text(2),
    "jurisdiction": _text(100),
    "parent": _text(100),
    "website": _url(),
}
LICENSE_CHECKS: dict[str, Check] = {
    "key": _text(150, required=True),
    "name": _text(300, required=True),
    "category": _choice(choices.LicenseCategory),
    "spdx_id": _text(150),
    "scancode_category": _text(60),
    "is_osi_approved": _boolean,
    "url": _url(),
}
LINEAGE_CHECKS: dict[str, Check] = {
    "model_ref": _text(300, required=True),
    "base_ref": _text(300, required=True),
    "relation": _choice(choices.LineageRelation),
    "evidence_url": _url(),
}
BENCHMARK_CHECKS: dict[str, Check] = {
    "slug": _slug(100),
    "name": _text(200, required=True),
    "version": _text(50),
    "metric": _text(100),
    "unit": _text(20),
    "higher_is_better": _boolean,
    "url": _url(),
}
RESULT_CHECKS: dict[str, Check] = {
    "external_id": _text(300, required=True),
    "model_ref": _text(300, required=True),
    "benchmark": _text(100, required=True),
    "score": _decimal(12, 4),
    "source_tier": _choice(choices.SourceTier),
    "source_name": _text(200, required=True),
    "source_url": _url(),
    "measured_on": _date,
    "settings_notes": _text(),
    "verified": _boolean,
}
CLAIM_CHECKS: dict[str, Check] = {
    "external_id": _text(300, required=True),
    "model_ref": _text(300, required=True),
    "topic": _choice(choices.ProvenanceTopic),
    "values": _text_list(40, required=True),
    "teachers": _text_list(200),
    "statement": _text(required=True),
    "source_kind": _choice(choices.ClaimSourceKind),
    "source_url": _url(required=True),
    "stated_on": _date,
    "evidence": _text(),
    "status": _choice(choices.ClaimStatus),
    "next_review_on": _date,
}
REQUIRED_FIELDS = {  # fields that may not be None in the records that have them
    "category", "relation", "channel", "unit", "source_tier", "topic", "source_kind", "stated_on", "score", "usd",
}  # fmt: skip


def record_errors(record, checks: dict[str, Check]) -> list[str]:
    """Every problem of one record, each naming its field; empty when the record may be written."""
    errors = []
    for field, check in checks.items():
        value = getattr(record, field, None)
        if value is None and field in REQUIRED_FIELDS:
            errors.append(f"{field} is required")
            continue
        error = check(value)
        if error:
            errors.append(f"{field} {error}")
    return errors


def model_record_errors(record) -> list[str]:
    errors = record_errors(record, MODEL_CHECKS)
    total, active = record.total_parameters, record.active_parameters
    if not errors and total is not None and active is not None and active > total:
        errors.append(f"active_parameters {active} exceeds total_parameters {total}")
    return errors


def price_errors(price) -> list[str]:
    errors = record_errors(price, PRICE_CHECKS)
    if not errors and price.usd > MAX_USD:
        unit = "per 1M tokens" if price.unit in choices.TOKEN_UNITS else "per unit"
        errors.append(f"usd {price.usd} {unit} is above the plausible maximum of {MAX_USD}: a unit error?")
    return errors


def price_jump_error(old: Decimal, new: Decimal) -> str | None:
    """A change by more than MAX_PRICE_JUMP either way is held back for a person to confirm."""
    if old > 0 and new > 0 and (new > old * MAX_PRICE_JUMP or old > new * MAX_PRICE_JUMP):
        old, new = plain(old), plain(new)
        return f"price changes from {old} to {new} (more than {MAX_PRICE_JUMP}x): quarantined, {old} kept"
    return None


def plain(amount: Decimal) -> str:
    """2.5000000000 -> '2.5', 3E+1 -> '30': a price as people write it."""
    return format(amount.normalize(), "f")

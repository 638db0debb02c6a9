"""Reading one entry of the curated file strictly: unknown fields refused, every error naming its field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

MAX_SCORE = Decimal("1e8")  # BenchmarkResult.score: 12 digits, 4 after the point
_url = URLValidator(schemes=["https", "http"])


class Invalid(ValueError):
    """One entry breaks the schema; it becomes a Rejection naming the entry and the field."""


class Fields:
    """One mapping read strictly: unknown fields are refused, and every error names its field."""

    def __init__(self, entry: Any, *, required: set[str], optional: set[str] = frozenset()):
        if not isinstance(entry, dict):
            raise Invalid(f"an entry must be a mapping, got {type(entry).__name__}")
        unknown = sorted(str(key) for key in entry if key not in required | optional)
        if unknown:
            raise Invalid(f"unknown field(s) {', '.join(unknown)}")
        missing = sorted(key for key in required if entry.get(key) in (None, "", []))
        if missing:
            raise Invalid(f"missing required field(s) {', '.join(missing)}")
        self.entry = entry

    def text(self, field: str, *, max_length: int = 300) -> str | None:
        value = self.entry.get(field)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise Invalid(f"{field}: expected text, got {value!r}")
        if len(value.strip()) > max_length:
            raise Invalid(f"{field}: longer than {max_length} characters")
        return value.strip()

    def texts(self, field: str, *, max_length: int = 300) -> list[str]:
        value = self.entry.get(field) or []
        if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
            raise Invalid(f"{field}: expected a list of names")
        if any(len(item) > max_length for item in value):
            raise Invalid(f"{field}: a name is longer than {max_length} characters")
        return [item.strip() for item in value]

    def choice(self, field: str, choices, *, default: str | None = None) -> str | None:
        value = self.entry.get(field, default)
        if value is not None and value not in choices.values:
            raise Invalid(f"{field}: {value!r} is not one of {', '.join(choices.values)}")
        return value

    def choices(self, field: str, choices) -> list[str] | None:
        if field not in self.entry:
            return None
        values = self.texts(field)
        wrong = [value for value in values if value not in choices.values]
        if wrong:
            raise Invalid(f"{field}: {', '.join(wrong)} not among {', '.join(choices.values)}")
        return values

    def integer(self, field: str, *, maximum: int = 2**31 - 1) -> int | None:
        value = self.entry.get(field)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= maximum):
            raise Invalid(f"{field}: expected a whole number from 1 to {maximum}, got {value!r}")
        return value

    def boolean(self, field: str, *, default: bool | None = None) -> bool | None:
        value = self.entry.get(field, default)
        if value is not None and not isinstance(value, bool):
            raise Invalid(f"{field}: expected true or false, got {value!r}")
        return value

    def date(self, field: str) -> dt.date | None:
        value = self.entry.get(field)
        if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
            return value  # YAML reads an unquoted 2025-05-22 as a date already
        if isinstance(value, str) and len(value) == 10:
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise Invalid(f"{field}: expected a date YYYY-MM-DD, got {value!r}")

    def url(self, field: str) -> str | None:
        value = self.text(field, max_length=500)
        if value is not None:
            try:
                _url(value)
            except ValidationError:
                raise Invalid(f"{field}: {value!r} is not an http(s) URL") from None
        return value

    def score(self, field: str) -> Decimal:
        value = self.entry.get(field)
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise Invalid(f"{field}: expected a number, got {value!r}")
        try:
            score = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
        except InvalidOperation:
            raise Invalid(f"{field}: {value!r} is not a number") from None
        if not score.is_finite() or abs(score) >= MAX_SCORE:
            raise Invalid(f"{field}: {value!r} is not a usable score")
        return score


def slug_of(value: str | None, field: str, *, with_publisher: bool = False) -> str | None:
    """Slugs users see: lower-case letters, digits, '-', '_', '.', and one '/' after the publisher of a model."""
    if value is None:
        return None
    parts = value.split("/")
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789-_.")
    if len(parts) != (2 if with_publisher else 1) or not all(part and set(part) <= allowed for part in parts):
        shape = "'publisher/name' in lower case" if with_publisher else "lower-case letters, digits and '-'"
        raise Invalid(f"{field}: {value!r} must be {shape}")
    return value

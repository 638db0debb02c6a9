"""Numbers and dates as sources write them, checked and converted to Modelgate's units."""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

# Upper bound of Price.usd (20 digits, 10 decimal places): anything above is a unit error, not a price.
MAX_USD = Decimal("1e9")
MAX_TOKENS = 2**31 - 1  # PositiveIntegerField
PER_MILLION = Decimal(1_000_000)


def usd(value: Any) -> Decimal:
    """A price as Decimal, exactly as the source wrote it. Raises ValueError naming what is wrong.

    Floats go through ``str()`` so 2.5e-06 becomes Decimal('0.0000025'), never the binary expansion
    0.00000249999999999999989...; booleans, NaN, infinities, negatives and absurd magnitudes are refused."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError(f"price {value!r} is not a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"price {value!r} is not finite")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"price {value!r} is not a number") from None
    if not amount.is_finite():
        raise ValueError(f"price {value!r} is not finite")
    if amount < 0:
        raise ValueError(f"price {value!r} is negative")
    return checked(amount)


def per_million(value: Any) -> Decimal:
    """USD per token -> Decimal USD per 1M tokens (``Decimal(str(value)) * 1_000_000``, no float arithmetic)."""
    return checked(usd(value) * PER_MILLION)


def checked(amount: Decimal) -> Decimal:
    """A converted price, refused when it cannot be a real price (it would overflow the Price column)."""
    if amount > MAX_USD:
        raise ValueError(f"price {amount:.6g} USD is out of range")
    return plain(amount)


def plain(amount: Decimal) -> Decimal:
    """Without trailing zeros and never in exponent form for whole numbers (2.5000000 -> 2.5, 1E+1 -> 10)."""
    if amount == 0:
        return Decimal(0)
    amount = amount.normalize()
    return amount.quantize(Decimal(1)) if amount.as_tuple().exponent > 0 else amount


def token_count(value: Any, field: str) -> int | None:
    """A context or output limit: a non-negative integer (an integral float is accepted), None if absent."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TOKENS:
        raise ValueError(f"{field} {value!r} is not a token count")
    return value or None


_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def parse_date(value: Any, field: str = "date") -> dt.date | None:
    """'2024-06-20' -> date; '2024-04' (a month, as models.dev writes knowledge cutoffs) -> its first day."""
    if value is None or value == "":
        return None
    match = _DATE.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"{field} {value!r} is not a date (YYYY-MM-DD or YYYY-MM)")
    year, month, day = (int(part) if part else 1 for part in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"{field} {value!r} is not a valid date") from None

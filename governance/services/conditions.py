"""Conditions reviewers attach to an approval, and how several reviewers' conditions merge: most restrictive wins.

An empty list means "no restriction from this reviewer". Data classes and regions intersect; the budget is the
lowest cap; the expiry the earliest date. Without any reviewer's expiry, an approval lasts 12 months.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from core.exceptions import ApplicationError
from governance.choices import DataClassification

DEFAULT_VALIDITY_MONTHS = 12
# From least to most sensitive: a request for confidential data also covers internal and public data.
DATA_CLASS_ORDER = list(DataClassification.values)


@dataclass(frozen=True)
class Conditions:
    allowed_data_classifications: tuple[str, ...] = ()
    allowed_regions: tuple[str, ...] = ()
    monthly_budget_usd: Decimal | None = None
    expires_at: dt.datetime | None = None

    def as_json(self) -> dict:
        return {
            "allowed_data_classifications": list(self.allowed_data_classifications),
            "allowed_regions": list(self.allowed_regions),
            "monthly_budget_usd": None if self.monthly_budget_usd is None else str(self.monthly_budget_usd),
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
        }

    @classmethod
    def from_json(cls, data: dict) -> Conditions:
        budget, expires = data.get("monthly_budget_usd"), data.get("expires_at")
        return cls(
            allowed_data_classifications=tuple(data.get("allowed_data_classifications") or ()),
            allowed_regions=tuple(data.get("allowed_regions") or ()),
            monthly_budget_usd=None if budget is None else Decimal(budget),
            expires_at=None if expires is None else dt.datetime.fromisoformat(expires),
        )


def conditions_build(
    *, allowed_data_classifications=None, allowed_regions=None, monthly_budget_usd=None, expires_at=None, now=None
) -> Conditions:
    """Validate a reviewer's conditions; each error names the field and what is wrong."""
    classes = tuple(dict.fromkeys(allowed_data_classifications or ()))
    unknown = [value for value in classes if value not in DATA_CLASS_ORDER]
    if unknown:
        raise ApplicationError(
            f"Unknown data classification {', '.join(unknown)}; use {', '.join(DATA_CLASS_ORDER)}.",
            details={"allowed_data_classifications": unknown},
        )
    regions = tuple(dict.fromkeys(region.strip() for region in (allowed_regions or ()) if region.strip()))
    budget = _budget(monthly_budget_usd)
    if expires_at is not None and expires_at <= (now or timezone.now()):
        raise ApplicationError("The expiry must be in the future.", details={"expires_at": expires_at.isoformat()})
    return Conditions(classes, regions, budget, expires_at)


def _budget(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        budget = Decimal(str(value))
    except InvalidOperation as exc:
        raise ApplicationError(
            f"Monthly budget {value!r} is not a number.", details={"monthly_budget_usd": value}
        ) from exc
    if not budget.is_finite() or budget <= 0:
        raise ApplicationError(
            "A monthly budget must be a positive amount of USD.", details={"monthly_budget_usd": value}
        )
    return budget.quantize(Decimal("0.01"))


def classes_up_to(data_classification: str) -> tuple[str, ...]:
    return tuple(DATA_CLASS_ORDER[: DATA_CLASS_ORDER.index(data_classification) + 1])


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """Same day and time ``months`` later, clamped to the month's last day (Feb 29 -> Feb 28)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _intersect(field: str, base: tuple[str, ...], restrictions: list[tuple[str, ...]], order=None) -> tuple[str, ...]:
    result = list(base)
    for restriction in restrictions:
        if not restriction:
            continue
        result = [value for value in result if value in restriction] if result else list(restriction)
        if not result:
            raise ApplicationError(
                f"The reviewers' conditions leave no {field.replace('_', ' ')}: "
                + " vs ".join(", ".join(r) for r in restrictions if r),
                details={field: [list(r) for r in restrictions]},
            )
    if order:
        result.sort(key=order.index)
    return tuple(result)


def conditions_merge(*, request, reviews: list[Conditions], now: dt.datetime) -> Conditions:
    """The entitlement's conditions: the request's own scope, narrowed by every reviewer."""
    classes = _intersect(
        "allowed_data_classifications",
        classes_up_to(request.data_classification),
        [c.allowed_data_classifications for c in reviews],
        order=DATA_CLASS_ORDER,
    )
    regions = _intersect(
        "allowed_regions", (request.region,) if request.region else (), [c.allowed_regions for c in reviews]
    )
    budgets = [c.monthly_budget_usd for c in reviews if c.monthly_budget_usd is not None]
    expiries = [c.expires_at for c in reviews if c.expires_at is not None]
    return Conditions(
        allowed_data_classifications=classes,
        allowed_regions=regions,
        monthly_budget_usd=min(budgets) if budgets else None,
        expires_at=min(expiries) if expiries else add_months(now, DEFAULT_VALIDITY_MONTHS),
    )

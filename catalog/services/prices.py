"""Prices: history is never overwritten.

Each (offering, unit, tier, variant) has at most one open row (effective_to is null, enforced by the index
catalog_price_one_current). A changed price closes the open row at the run's time and opens a new one; an
unchanged price writes nothing; a price the source no longer states is closed. A change by more than 10x is
quarantined: rejected with a message, the open price kept, for a person to confirm.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from catalog.choices import ChangeSignal
from catalog.models import Offering, Price
from catalog.services.bulk import copy_insert, copy_update
from catalog.services.context import SyncContext
from catalog.services.validation import price_errors, price_jump_error

PLACES = Decimal("1e-10")  # Price.usd decimal_places


def price_key(price) -> tuple[str, str, str]:
    return (price.unit, price.tier or "", price.variant or "standard")


def price_label(offering_external_id: str, key: tuple[str, str, str]) -> str:
    unit, tier, variant = key
    return " ".join(part for part in (offering_external_id, unit, tier, variant != "standard" and variant) if part)


@dataclass(slots=True)
class OpenPrice:
    """An open price row as the diff needs it (read as a tuple: tens of thousands per source)."""

    pk: int
    unit: str
    tier: str
    variant: str
    usd: Decimal


class PriceWrites:
    """Open prices of one source, and the closes and opens a run queues against them."""

    def __init__(self, ctx: SyncContext):
        self.ctx = ctx
        self.open: dict[int, dict[tuple, OpenPrice]] = {}
        rows = Price.objects.filter(source=ctx.source, effective_to__isnull=True).values_list(
            "offering_id", "id", "unit", "tier", "variant", "usd"
        )
        for offering_id, *values in rows.iterator(chunk_size=10000):
            price = OpenPrice(*values)
            self.open.setdefault(offering_id, {})[price_key(price)] = price
        self.closed: list[Price] = []
        self.opened: list[Price] = []
        self._mark = 0

    def diff(self, offering: Offering, records: list, *, model_id: int) -> bool:
        """Queue the price writes of one offering (new or existing); True when any price changes."""
        self._mark = len(self.opened)
        current = self.open.get(offering.pk, {}) if offering.pk else {}
        wanted, held = self._wanted(offering, records)
        changed = False
        for key, usd in wanted.items():
            changed |= self._apply(offering, key, usd, current.get(key), model_id)
        for key, price in current.items():
            if key not in wanted and key not in held:
                self._close(price, offering, model_id, reason="no longer priced")
                changed = True
        return changed

    def last_opened(self) -> dict[str, str]:
        """The prices the last diff() opened, by label: what a new offering's 'created' event lists."""
        return {price_label("", price_key(price)): str(price.usd) for price in self.opened[self._mark :]}

    def close_all(self, offering: Offering, model_id: int) -> None:
        for price in self.open.get(offering.pk, {}).values():
            self._close(price, offering, model_id, reason="offering retired")

    def _wanted(self, offering: Offering, records: list) -> tuple[dict, set]:
        """Valid prices by key; ``held`` are keys whose new price was rejected (their open price stays open)."""
        wanted, held = {}, set()
        for record in records:
            key = price_key(record)
            label = price_label(offering.external_id, key)
            errors = price_errors(record)
            if key in wanted:
                errors.append("duplicate price for this unit, tier and variant")
            if errors:
                self.ctx.reject("price", label, "; ".join(errors))
                held.add(key)
                continue
            wanted[key] = Decimal(record.usd).quantize(PLACES)
        return wanted, held

    def _apply(self, offering: Offering, key: tuple, usd: Decimal, open_price: OpenPrice | None, model_id: int) -> bool:
        if open_price is not None and open_price.usd == usd:
            return False
        if open_price is not None:
            error = price_jump_error(open_price.usd, usd)
            if error:
                self.ctx.reject("price", price_label(offering.external_id, key), error, depends_on_catalog=True)
                return False
            self.closed.append(Price(pk=open_price.pk, effective_to=self.ctx.now))
        unit, tier, variant = key
        price = Price(offering=offering, unit=unit, tier=tier, variant=variant, usd=usd, effective_from=self.ctx.now,
                      source=self.ctx.source, run=self.ctx.run)  # fmt: skip
        self.opened.append(price)
        label = price_label(offering.external_id, key)
        if open_price is None:
            if offering.pk:  # a new offering's opening prices are listed in its own 'created' event
                self.ctx.changes.created("price", price, model=model_id, new=usd)
        else:
            signal = ChangeSignal.PRICE_UP if usd > open_price.usd else ChangeSignal.PRICE_DOWN
            self.ctx.changes.add(kind="updated", object_type="price", obj=price, model=model_id, object_repr=label,
                                 field=unit, old=open_price.usd, new=usd, signal=signal)  # fmt: skip
        return True

    def _close(self, price: OpenPrice, offering: Offering, model_id: int, *, reason: str) -> None:
        self.closed.append(Price(pk=price.pk, effective_to=self.ctx.now))
        label = price_label(offering.external_id, price_key(price))
        self.ctx.changes.retired("price", price, model=model_id, old=price.usd, repr_=f"{label} ({reason})")

    def save(self) -> None:
        # Close first: the one-open-price index would refuse a new row next to the old open one.
        copy_update(Price, self.closed, ["effective_to"], batch_size=2000)
        copy_insert(Price, self.opened)

"""Offerings, keyed by (source, external_id), with their prices (catalog.services.prices).

An offering a complete snapshot no longer lists is retired (status) and its open prices closed; one whose
record was rejected this time is left exactly as it was.
"""

from __future__ import annotations

from catalog.choices import OfferingStatus
from catalog.models import Offering
from catalog.services.bulk import copy_insert
from catalog.services.context import SyncContext, org_key, save_changed
from catalog.services.prices import PriceWrites
from catalog.services.validation import OFFERING_CHECKS, record_errors

OFFERING_FIELDS = (
    "deployment_type", "status", "data_retention_days", "trains_on_prompts", "zero_data_retention",
    "quantization", "context_window", "max_output_tokens",
)  # fmt: skip


def offerings_reconcile(ctx: SyncContext, records: list, *, model_ids: dict[str, int], orgs: dict) -> None:
    """``model_ids``: the snapshot's model external_id -> AIModel id, for the records' ``model_ref``."""
    existing = {offering.external_id: offering for offering in Offering.objects.filter(source=ctx.source)}
    prices = PriceWrites(ctx)
    created, updates, seen = [], [], set()
    for record in _accepted(ctx, records, model_ids, orgs):
        seen.add(record.external_id)
        values = _values(record, model_ids, orgs)
        offering = existing.get(record.external_id)
        if offering is None:
            offering = Offering(source=ctx.source, external_id=record.external_id, last_seen_at=ctx.now, **values)
            created.append(offering)
            prices.diff(offering, record.prices, model_id=values["model_id"])
            # One event for the new offering, carrying its opening prices (not one more per price).
            ctx.changes.created("offering", offering, model=values["model_id"], new={"prices": prices.last_opened()})
            continue
        changed = ctx.set_fields(offering, values, object_type="offering", model=values["model_id"])
        price_changed = prices.diff(offering, record.prices, model_id=values["model_id"])
        if changed:
            offering.last_seen_at = ctx.now
            changed.append("last_seen_at")
        updates.append((offering, changed))
        ctx.tally.count("offering", "updated" if changed or price_changed else "unchanged")
    retired = _retire_absent(ctx, existing, seen, prices)
    copy_insert(Offering, created)
    save_changed(Offering, updates + retired, batch_size=1000)
    prices.save()
    ctx.tally.count("offering", "created", len(created))


def _accepted(ctx: SyncContext, records: list, model_ids: dict, orgs: dict) -> list:
    accepted, seen = [], set()
    for position, record in enumerate(records):
        label = getattr(record, "external_id", None) or f"#{position}"
        errors = record_errors(record, OFFERING_CHECKS)
        if not errors and record.model_ref not in model_ids:
            errors.append(f"model_ref {record.model_ref!r} names no accepted model of this snapshot")
        if not errors and org_key(record.provider) not in orgs:
            errors.append(f"provider {record.provider!r} is not a known organization")
        if not errors and record.external_id in seen:
            errors.append("duplicate external_id in the snapshot")
        if errors:
            ctx.reject("offering", label, "; ".join(errors))
            continue
        seen.add(record.external_id)
        accepted.append(record)
    return accepted


def _values(record, model_ids: dict, orgs: dict) -> dict:
    values = {name: getattr(record, name) for name in OFFERING_FIELDS}
    values["quantization"] = values["quantization"] or ""
    values["regions"] = list(record.regions or [])
    values["model_id"] = model_ids[record.model_ref]
    values["provider_id"] = orgs[org_key(record.provider)].pk
    values["channel"] = record.channel
    return values


def _retire_absent(ctx: SyncContext, existing: dict, seen: set, prices: PriceWrites) -> list:
    if not ctx.complete:
        return []
    retired = []
    for external_id, offering in existing.items():
        if external_id in seen or external_id in ctx.rejected_ids or offering.status == OfferingStatus.RETIRED:
            continue
        old = offering.status
        offering.status = OfferingStatus.RETIRED
        offering.updated_at = ctx.now
        ctx.changes.retired("offering", offering, model=offering.model_id, old={"status": old})
        prices.close_all(offering, offering.model_id)
        retired.append((offering, ["status"]))
        ctx.tally.count("offering", "retired")
    return retired

"""Reads of the catalog. The catalog is shared reference data that every signed-in user may read, so these take
no user; governance scopes what a team may *use*, not what it may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from catalog.choices import OfferingStatus
from catalog.models import AIModel, ChangeEvent, FieldObservation, Price, Source, SyncRun
from catalog.services.identity import name_key
from catalog.services.model_fields import CONFLICT_FIELDS, FK_ATTNAMES, MODEL_FIELDS


def model_get_by_name(name: str) -> AIModel | None:
    """The model a slug or any alias names, case-insensitively; None when no model goes by that name."""
    key = name_key(name)
    if not key:
        return None
    return (
        AIModel.objects.select_related("publisher", "license")
        .filter(Q(slug=key) | Q(aliases__name=key))
        .order_by("pk")
        .first()
    )


def price_history_for(model: AIModel) -> QuerySet[Price]:
    """Every price of every offering of the model, closed ones included, newest first per unit."""
    return (
        Price.objects.filter(offering__model=model)
        .select_related("offering__provider", "source")
        .order_by("offering__external_id", "unit", "tier", "variant", "-effective_from")
    )


def current_prices_for(model: AIModel) -> QuerySet[Price]:
    """The open prices of the model's offerings that are still sold (not retired)."""
    return price_history_for(model).filter(effective_to__isnull=True).exclude(offering__status=OfferingStatus.RETIRED)


@dataclass(frozen=True)
class Observation:
    source: Source
    value: object
    observed_at: dt.datetime


@dataclass(frozen=True)
class Conflict:
    """Sources disagree on a field: what is displayed (the best precedence) and what each source says."""

    field: str
    displayed: object
    observations: list[Observation]  # best precedence first


def model_conflicts(model: AIModel) -> list[Conflict]:
    """The fields of the model on which sources disagree (among those that matter to a decision)."""
    rows = (
        FieldObservation.objects.filter(model=model, field__in=CONFLICT_FIELDS)
        .select_related("source")
        .order_by("field", "source__precedence", "source_id")
    )
    by_field: dict[str, list[Observation]] = {}
    for row in rows:
        by_field.setdefault(row.field, []).append(Observation(row.source, row.value, row.observed_at))
    return [
        Conflict(field=name, displayed=_displayed(model, name), observations=observations)
        for name, observations in sorted(by_field.items())
        if len({repr(o.value) for o in observations}) > 1
    ]


def _displayed(model: AIModel, name: str):
    kind = MODEL_FIELDS[name]
    if kind == "organization":
        return model.publisher.slug if model.publisher_id else None
    if kind == "license":
        return model.license.key if model.license_id else None
    if kind in FK_ATTNAMES:
        return getattr(model, FK_ATTNAMES[kind])
    value = getattr(model, name)
    return value.isoformat() if isinstance(value, dt.date) else value


def catalog_changes(since: dt.datetime | None = None, signal: str | None = None) -> QuerySet[ChangeEvent]:
    """Change events, newest first; ``since`` (exclusive) and ``signal`` narrow them (governance re-review)."""
    events = ChangeEvent.objects.select_related("source", "model")
    if since is not None:
        events = events.filter(occurred_at__gt=since)
    if signal:
        events = events.filter(signal=signal)
    return events.order_by("-occurred_at", "-id")


def source_runs(source: Source, limit: int = 20) -> QuerySet[SyncRun]:
    return SyncRun.objects.filter(source=source).order_by("-started_at")[:limit]

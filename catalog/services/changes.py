"""What a sync changed: ChangeEvents collected in memory and written in one bulk insert, and the run's tallies."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from catalog.choices import ChangeKind, ChangeSignal, Lifecycle
from catalog.models import ChangeEvent
from catalog.services.bulk import copy_insert

DEPRECATED_LIFECYCLES = frozenset({Lifecycle.DEPRECATED, Lifecycle.RETIRED})


def jsonable(value):
    """The JSON form of a field value as ChangeEvent and FieldObservation store it (Decimal as a string)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    return value


def lifecycle_signal(field_name: str, old, new) -> str:
    """deprecation_announced when a model or offering moves towards its end, or an end date appears or moves."""
    if field_name in {"lifecycle", "status"} and new in DEPRECATED_LIFECYCLES and old != new:
        return ChangeSignal.DEPRECATION_ANNOUNCED
    if field_name in {"deprecation_date", "retirement_date"} and new is not None and old != new:
        return ChangeSignal.DEPRECATION_ANNOUNCED
    return ChangeSignal.NONE


def _repr(obj) -> str:
    """A row's name without touching the database (str() of an offering or edge would query its relations)."""
    for attr in ("external_id", "slug", "key"):
        value = getattr(obj, attr, None)
        if value:
            return str(value)
    return str(obj)


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    rejected: int = 0
    # per object type: {"model": {"created": 3, ...}}, for the run's summary message
    by_type: dict[str, dict[str, int]] = field(default_factory=dict)

    def count(self, object_type: str, outcome: str, n: int = 1) -> None:
        if n:
            setattr(self, outcome, getattr(self, outcome) + n)
            kinds = self.by_type.setdefault(object_type, {})
            kinds[outcome] = kinds.get(outcome, 0) + n

    def summary(self) -> str:
        signs = {"created": "+", "updated": "~", "retired": "-", "rejected": "!"}
        parts = []
        for object_type, kinds in self.by_type.items():
            shown = " ".join(f"{signs[k]}{n}" for k, n in kinds.items() if k in signs)
            if shown:
                parts.append(f"{object_type} {shown}")
        return "; ".join(parts) or "no changes"


class ChangeLog:
    """ChangeEvents of one run. Objects created in the same run get their ids at flush time."""

    def __init__(self, *, source, run, now):
        self.source, self.run, self.now = source, run, now
        self._pending: list[tuple[ChangeEvent, object | None, object | None]] = []

    def add(self, *, kind, object_type, obj=None, model=None, object_repr="", field="", old=None, new=None,
            signal=ChangeSignal.NONE) -> None:  # fmt: skip
        event = ChangeEvent(
            run=self.run, source=self.source, occurred_at=self.now, kind=kind, signal=signal,
            object_type=object_type, object_repr=(object_repr or _repr(obj))[:300], field=field,
            old_value=jsonable(old), new_value=jsonable(new),
        )  # fmt: skip
        # Ids known now are kept now (a row deleted later in the run loses its pk); new rows get theirs at flush.
        event.object_id = getattr(obj, "pk", None)
        event.model_id = model if isinstance(model, int) else getattr(model, "pk", None)
        self._pending.append((event, obj, model))

    def created(self, object_type: str, obj, *, model=None, signal=ChangeSignal.NONE, new=None) -> None:
        self.add(kind=ChangeKind.CREATED, object_type=object_type, obj=obj, model=model, signal=signal, new=new)

    def updated(self, object_type: str, obj, field_name: str, old, new, *, model=None, signal=None) -> None:
        signal = lifecycle_signal(field_name, old, new) if signal is None else signal
        self.add(kind=ChangeKind.UPDATED, object_type=object_type, obj=obj, model=model, field=field_name,
                 old=old, new=new, signal=signal)  # fmt: skip

    def retired(self, object_type: str, obj, *, model=None, signal=ChangeSignal.NONE, old=None, repr_=None) -> None:
        self.add(kind=ChangeKind.RETIRED, object_type=object_type, obj=obj, model=model, signal=signal, old=old,
                 object_repr=repr_ or "")  # fmt: skip

    def __len__(self) -> int:
        return len(self._pending)

    def flush(self) -> list[ChangeEvent]:
        events = []
        for event, obj, model in self._pending:
            event.object_id = event.object_id or getattr(obj, "pk", None)
            event.model_id = event.model_id or getattr(model, "pk", None)  # an int model id is already set
            events.append(event)
        copy_insert(ChangeEvent, events)
        self._pending.clear()
        return events

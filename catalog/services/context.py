"""The state one sync run carries through its steps, and the small helpers every step shares."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.text import slugify

from catalog.models import Source, SyncRun
from catalog.services.bulk import copy_update
from catalog.services.changes import ChangeLog, Tally

# Sources at or below this precedence (the licence list, curated facts) may rewrite shared reference data
# (organizations, licences, benchmarks). Feeds only fill what is missing, so two feeds that spell a company's
# name differently cannot flip it back and forth on every run.
AUTHORITATIVE_PRECEDENCE = 10
MAX_ERRORS = 2000  # a run that rejects more than this reports the first ones and the count
BLANK = (None, "")


def org_key(ref: str | None) -> str | None:
    """The Organization slug a source's reference means ('Mistral AI' and 'mistral-ai' are one company)."""
    return (slugify(ref)[:100] or None) if ref else None


@dataclass
class SyncContext:
    source: Source
    run: SyncRun
    now: dt.datetime
    changes: ChangeLog
    tally: Tally = field(default_factory=Tally)
    errors: list[dict] = field(default_factory=list)
    # Record ids the connector or the guard rejected: their rows are kept as they are, never retired for absence.
    rejected_ids: set[str] = field(default_factory=set)
    complete: bool = True
    # Rejections that a later run may not repeat because they depend on the catalog, not on the record (a result
    # about a model no source has described yet, a quarantined price a person may confirm).
    catalog_dependent_rejections: int = 0

    @classmethod
    def start(cls, *, source: Source, run: SyncRun, now: dt.datetime, complete: bool) -> SyncContext:
        return cls(source=source, run=run, now=now, changes=ChangeLog(source=source, run=run, now=now),
                   complete=complete)  # fmt: skip

    @property
    def authoritative(self) -> bool:
        return self.source.precedence <= AUTHORITATIVE_PRECEDENCE

    def reject(self, object_type: str, record_id: str, error: str, *, depends_on_catalog: bool = False) -> None:
        self.rejected_ids.add(str(record_id))
        self.catalog_dependent_rejections += depends_on_catalog
        self.tally.count(object_type, "rejected")
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"record": f"{object_type} {record_id}".strip(), "error": error})

    def set_fields(self, obj, values: dict, *, object_type: str, model=None, fill_only: bool = False,
                   signals: dict[str, str] | None = None) -> list[str]:  # fmt: skip
        """Set each changed field on ``obj`` with a ChangeEvent; return the changed names (nothing is saved).

        ``fill_only`` (shared reference data from a feed): set a field only when it is blank, and ignore blank
        new values, so a feed never erases or rewrites what another source or a person wrote. ``signals`` names
        the governance signal of a field's change (lifecycle fields get theirs by default)."""
        changed = []
        for name, new in values.items():
            old = getattr(obj, name)
            if old == new or (fill_only and (new in BLANK or new == "unknown" or old not in (*BLANK, "unknown"))):
                continue
            setattr(obj, name, new)
            changed.append(name)
            self.changes.updated(object_type, obj, name, old, new, model=model, signal=(signals or {}).get(name))
        if changed:
            obj.updated_at = self.now  # bulk_update skips auto_now
        return changed


def save_changed(model_class, updates: list[tuple[object, list[str]]], batch_size: int = 1000) -> list:
    """bulk_update the objects that changed, on the union of their changed fields (plus updated_at when they
    have it); returns them. One statement per batch, however many rows."""
    objects = list({id(obj): obj for obj, names in updates if names}.values())
    if not objects:
        return []
    fields = sorted({name for _obj, names in updates for name in names})
    if hasattr(objects[0], "updated_at"):
        fields.append("updated_at")
    copy_update(model_class, objects, fields, batch_size=batch_size)
    return objects

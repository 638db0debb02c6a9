"""The model fields sources state, how each is kept as an observation (JSON) and shown on AIModel."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from catalog.models import AIModel
from catalog.services.context import org_key

# field -> kind: how a value is stored in FieldObservation.value (JSON) and set on AIModel.
MODEL_FIELDS: dict[str, str] = {
    "display_name": "text", "family": "text", "version": "text", "description": "text",
    "publisher": "organization", "release_date": "date", "knowledge_cutoff": "date", "lifecycle": "text",
    "deprecation_date": "date", "retirement_date": "date", "successor": "model",
    "input_modalities": "set", "output_modalities": "set", "task_types": "set", "capabilities": "set",
    "architecture": "text", "total_parameters": "int", "active_parameters": "int", "context_window": "int",
    "max_output_tokens": "int", "open_weights": "bool", "license": "license",
}  # fmt: skip
# Disagreements worth a person's attention. Free text (names, descriptions) and capability lists differ in wording
# and vocabulary between sources all the time; showing those as conflicts would bury the ones that matter.
CONFLICT_FIELDS = frozenset(
    {
        "context_window", "max_output_tokens", "release_date", "knowledge_cutoff", "lifecycle", "deprecation_date",
        "retirement_date", "license", "open_weights", "total_parameters", "active_parameters", "publisher",
    }
)  # fmt: skip
LISTED_AS = "listed_as"
FK_ATTNAMES = {"organization": "publisher_id", "license": "license_id", "model": "successor_id"}


@dataclass
class ModelRefs:
    """Lookups the value conversions need: organization and licence rows, model slugs and ids."""

    orgs: dict  # slug -> Organization
    licenses: object  # LicenseIndex
    model_ids: dict[str, int]  # slug -> id
    org_slugs: dict[int, str] = field(default_factory=dict)
    model_slugs: dict[int, str] = field(default_factory=dict)

    def __post_init__(self):
        self.org_slugs = {org.pk: slug for slug, org in self.orgs.items()}
        self.model_slugs = {pk: slug for slug, pk in self.model_ids.items()}


def observed_value(kind: str, value, refs: ModelRefs, resolver):
    """A record's value as this source's observation (JSON); None when it cannot be referenced."""
    if kind == "date":
        return value.isoformat()[:10]
    if kind == "set":
        return sorted(set(value))
    if kind == "organization":
        return org_key(value)
    if kind == "license":
        license_ = refs.licenses.get(value)
        return license_.key if license_ else None
    if kind == "model":
        return resolver.resolve_ref(value, create=True).slug
    return value


def current_value(model: AIModel, name: str, kind: str, refs: ModelRefs):
    """The model's displayed value in observation form, to compare with the winning observation."""
    if kind in FK_ATTNAMES:
        pk = getattr(model, FK_ATTNAMES[kind])
        if pk is None:
            return None
        if kind == "organization":
            return refs.org_slugs.get(pk)
        if kind == "license":
            return refs.licenses.key_of(pk)
        return refs.model_slugs.get(pk)
    value = getattr(model, name)
    if kind == "date":
        return value.isoformat() if value else None
    if kind == "set":
        return sorted(value or [])
    return value


def display_value(kind: str, value, refs: ModelRefs):
    """(attname, python value) to set on AIModel for an observation value."""
    if kind == "date":
        return dt.date.fromisoformat(value) if value else None
    if kind == "organization":
        org = refs.orgs.get(value)
        return org.pk if org else None
    if kind == "license":
        license_ = refs.licenses.get(value)
        return license_.pk if license_ else None
    if kind == "model":
        return refs.model_ids.get(value)
    return value

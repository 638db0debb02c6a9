"""Edits a person makes to the catalog (through the admin): each changed field becomes a ChangeEvent, like a
sync's, and the edit is audited, in one transaction. A sync never overwrites a field that no source states, so
a person's correction of such a field stays."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from catalog.choices import AliasResolution, ChangeKind, ChangeSignal, ClaimStatus
from catalog.models import AIModel, ChangeEvent, ModelAlias
from catalog.services.changes import jsonable, lifecycle_signal
from core.audit import audit_record


def catalog_object_save(*, obj, user, object_type: str) -> list[ChangeEvent]:
    """Save ``obj`` as edited by ``user``; returns the ChangeEvents written (one per changed field, or one
    'created' event for a new row)."""
    with transaction.atomic():
        before = type(obj).objects.select_for_update().filter(pk=obj.pk).first() if obj.pk else None
        obj.save()
        if before is None:
            events = [_event(obj, object_type, ChangeKind.CREATED)]
        else:
            events = [
                _event(obj, object_type, ChangeKind.UPDATED, field.name, getattr(before, field.attname),
                       getattr(obj, field.attname))
                for field in obj._meta.concrete_fields
                if field.name not in IGNORED and not field.generated
                and getattr(before, field.attname) != getattr(obj, field.attname)
            ]  # fmt: skip
        ChangeEvent.objects.bulk_create(events)
        audit_record(
            action=f"catalog.{object_type}.{'edit' if before else 'create'}", target=obj, actor=user,
            before={event.field: event.old_value for event in events} if before else None,
            after={event.field: event.new_value for event in events} if before else {"repr": str(obj)},
        )  # fmt: skip
    return events


IGNORED = frozenset({"id", "created_at", "updated_at"})


def edit_signal(object_type: str, field: str, old, new) -> str:
    """The governance signal of a person's edit, as a sync would give it."""
    if (object_type, field) in {("model", "license"), ("license", "category")}:
        return ChangeSignal.LICENSE_CHANGED
    if (object_type, field) == ("claim", "status") and new == ClaimStatus.DISPUTED:
        return ChangeSignal.PROVENANCE_DISPUTED
    return lifecycle_signal(field, old, new)


def _event(obj, object_type: str, kind: str, field: str = "", old=None, new=None) -> ChangeEvent:
    name = getattr(obj, "slug", None) or getattr(obj, "name", None) or obj.pk
    return ChangeEvent(
        occurred_at=timezone.now(), kind=kind, signal=edit_signal(object_type, field, old, new),
        object_type=object_type, object_id=obj.pk, object_repr=str(name)[:300],
        model_id=obj.pk if isinstance(obj, AIModel) else getattr(obj, "model_id", None),
        field=field, old_value=jsonable(old), new_value=jsonable(new),
    )  # fmt: skip


def alias_review(*, alias: ModelAlias, user) -> ModelAlias:
    """A person confirmed or moved an alias: it is resolved by hand from now on."""
    alias.resolution = AliasResolution.MANUAL
    alias.reviewed_by = user
    alias.reviewed_at = timezone.now()
    catalog_object_save(obj=alias, user=user, object_type="alias")
    return alias

"""Models: identity, what each source says about each field (FieldObservation), and the displayed value.

For every model a record resolves to, each field the source states (not None) becomes this source's observation.
The AIModel shows, per field, the observation of the source with the lowest precedence; a field no source states
keeps its value (a person may have set it). Disagreement on a field that matters to a decision (CONFLICT_FIELDS)
is a conflict, recorded once when it appears (or when the disagreeing values change).

Which records of the source name a model is kept as the observation ``listed_as`` (the source's ids for it): a
model no longer listed by a complete snapshot is "removed from the source" (signal model_removed), once.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.choices import ChangeKind, ChangeSignal
from catalog.models import AIModel, FieldObservation, ModelAlias, Source
from catalog.services.bulk import copy_insert, copy_update
from catalog.services.context import SyncContext, save_changed
from catalog.services.identity import IdentityResolver, NameIndex, Resolution
from catalog.services.model_fields import (
    CONFLICT_FIELDS,
    FK_ATTNAMES,
    LISTED_AS,
    MODEL_FIELDS,
    ModelRefs,
    current_value,
    display_value,
    observed_value,
)


@dataclass
class ModelStep:
    """What the models step leaves for the later steps."""

    index: NameIndex
    resolver: IdentityResolver
    refs: ModelRefs
    by_external_id: dict[str, int]  # the snapshot's model external_id -> AIModel id


# -- the step -------------------------------------------------------------------------------------------------


def models_reconcile(ctx: SyncContext, records: list, *, orgs: dict, licenses) -> ModelStep:
    index = NameIndex(
        ModelAlias.objects.values_list("name", "model__slug").iterator(chunk_size=5000),
        AIModel.objects.values_list("slug", flat=True).iterator(chunk_size=5000),
    )
    resolver = IdentityResolver(index)
    resolutions = resolver.resolve_all(records)
    refs = ModelRefs(orgs=orgs, licenses=licenses, model_ids=dict(AIModel.objects.values_list("slug", "id")))
    groups = _group(records, resolutions)
    desired = {slug: _desired(group, refs, resolver) for slug, group in groups.items()}
    state = _State.load(ctx, refs, listed=set(groups))
    models = _apply(ctx, state, groups, desired, refs, resolver)
    by_external_id = {record.external_id: models[resolutions[record.external_id].slug].pk for record in records}
    return ModelStep(index=index, resolver=resolver, refs=refs, by_external_id=by_external_id)


def _group(records: list, resolutions: dict[str, Resolution]) -> dict[str, list]:
    """slug -> [(record, resolution)], the record that names the model most directly first: its values win
    within this source (litellm's 'gpt-4o' speaks for the model before 'azure/gpt-4o'). The order depends only
    on the records, never on how they were resolved, so an unchanged snapshot always picks the same values."""
    groups: dict[str, list] = {}
    for position, record in enumerate(records):
        slug = resolutions[record.external_id].slug
        groups.setdefault(slug, []).append((_directness(record, slug), position, record))
    return {
        slug: [(record, resolutions[record.external_id]) for *_key, record in sorted(group, key=lambda g: g[:2])]
        for slug, group in groups.items()
    }


def _directness(record, slug: str) -> int:
    names = {name.lower() for name in record.names}
    if record.slug and record.slug.lower() == slug:
        return 0
    if slug in names:
        return 1
    return 2 if slug.rpartition("/")[2] in names else 3


def _desired(group: list, refs: ModelRefs, resolver: IdentityResolver) -> dict:
    """field -> this source's observation for one model: the first record of the group that states it."""
    values = {}
    for name, kind in MODEL_FIELDS.items():
        for record, _resolution in group:
            raw = getattr(record, name)
            if raw is not None:
                value = observed_value(kind, raw, refs, resolver)
                if value is not None:
                    values[name] = value
                break
    values[LISTED_AS] = sorted(record.external_id for record, _resolution in group)
    return values


@dataclass
class _State:
    """The rows this step compares with: models involved and every source's observations of them."""

    models: dict[str, AIModel]  # slug -> model
    observations: dict[int, dict[str, dict[int, tuple[int, object]]]]  # model id -> field -> source id -> (id, value)
    precedence: dict[int, tuple[int, int]]  # source id -> sort key
    source_slugs: dict[int, str]
    previously_listed: dict[int, tuple[int, object]]  # model id -> this source's listed_as (id, value)

    @classmethod
    def load(cls, ctx: SyncContext, refs: ModelRefs, *, listed: set[str]) -> _State:
        previously = {
            model_id: (pk, value)
            for pk, model_id, value in FieldObservation.objects.filter(source=ctx.source, field=LISTED_AS)
            .values_list("id", "model_id", "value")
            .iterator(chunk_size=5000)
        }
        ids = {refs.model_ids[slug] for slug in listed if slug in refs.model_ids} | set(previously)
        models = {model.slug: model for model in AIModel.objects.filter(id__in=ids)} if ids else {}
        observations: dict = {}
        rows = FieldObservation.objects.filter(model_id__in=ids).values_list("id", "model_id", "field", "source_id",
                                                                              "value")  # fmt: skip
        for pk, model_id, name, source_id, value in rows.iterator(chunk_size=10000) if ids else ():
            observations.setdefault(model_id, {}).setdefault(name, {})[source_id] = (pk, value)
        sources = list(Source.objects.values_list("id", "slug", "precedence"))
        return cls(
            models=models, observations=observations, previously_listed=previously,
            precedence={pk: (precedence, pk) for pk, _slug, precedence in sources},
            source_slugs={pk: slug for pk, slug, _precedence in sources},
        )  # fmt: skip


def _apply(ctx: SyncContext, state: _State, groups: dict, desired: dict, refs: ModelRefs,
           resolver: IdentityResolver) -> dict[str, AIModel]:  # fmt: skip
    new_models = _create_models(ctx, groups, desired, refs)
    new_slugs = {model.slug for model in new_models}
    for model in new_models:
        state.models[model.slug] = model
    # Successors named by no record become unresolved models now, so _display can point at them; every name
    # learnt so far gets its alias row.
    models_create_pending(ctx, resolver, refs)
    obs_writes = _ObservationWrites()
    updates = []
    for slug, group in groups.items():
        model = state.models[slug]
        before = state.observations.get(model.pk, {})
        after = _observations_after(before, desired[slug], ctx.source.pk)
        changed = _display(ctx, model, before, after, state, refs, created=slug in new_slugs)
        changed += _unresolved_confirmed(ctx, model, group)
        obs_changes = obs_writes.diff(ctx, model, before, desired[slug], displayed=set(changed))
        _conflicts(ctx, model, before, after, state)
        updates.append((model, changed))
        if slug not in new_slugs:
            ctx.tally.count("model", "updated" if changed or obs_changes else "unchanged")
    _removed(ctx, state, set(groups), obs_writes)
    save_changed(AIModel, updates, batch_size=500)
    obs_writes.save(ctx)
    return state.models


def _create_models(ctx: SyncContext, groups: dict, desired: dict, refs: ModelRefs) -> list[AIModel]:
    """The models no known name matched, with this source's values (successors are set by _display)."""
    created = []
    for slug, group in groups.items():
        if slug in refs.model_ids:
            continue
        first, resolution = group[0]
        model = AIModel(slug=slug, display_name=(first.display_name or first.names[0])[:300],
                        is_unresolved=resolution.unresolved)  # fmt: skip
        for name, kind in MODEL_FIELDS.items():
            if name in desired[slug] and kind != "model":
                _set_display(model, name, kind, desired[slug][name], refs)
        _guard_parameters(model)
        created.append(model)
    copy_insert(AIModel, created)
    for model in created:
        refs.model_ids[model.slug] = model.pk
        refs.model_slugs[model.pk] = model.slug
        ctx.changes.created("model", model, model=model, signal=ChangeSignal.MODEL_ADDED,
                            new={"slug": model.slug, "unresolved": model.is_unresolved})  # fmt: skip
    ctx.tally.count("model", "created", len(created))
    return created


def _set_display(model: AIModel, name: str, kind: str, value, refs: ModelRefs) -> None:
    setattr(model, FK_ATTNAMES.get(kind, name), display_value(kind, value, refs))


def _guard_parameters(model: AIModel) -> None:
    # Sources mixed by precedence can pair one source's total with another's larger active count; the database
    # refuses that pair (catalog_aimodel_active_le_total), so the active count is left unknown instead.
    if model.active_parameters and model.total_parameters and model.active_parameters > model.total_parameters:
        model.active_parameters = None


def _observations_after(before: dict, desired: dict, source_id: int) -> dict:
    """field -> source id -> value once this source's observations replace its old ones."""
    after = {name: {sid: value for sid, (_pk, value) in by_source.items()} for name, by_source in before.items()}
    for name in MODEL_FIELDS:
        after.setdefault(name, {}).pop(source_id, None)
        if name in desired:
            after[name][source_id] = desired[name]
    return after


def _winner(by_source: dict, state: _State):
    if not by_source:
        return None, None
    source_id = min(by_source, key=lambda sid: state.precedence.get(sid, (10**6, sid)))
    return source_id, by_source[source_id]


def _display(ctx, model, before, after, state: _State, refs: ModelRefs, *, created: bool) -> list[str]:
    """Set each field to the winning observation; a ChangeEvent per changed field. Returns changed attnames."""
    changed = []
    for name, kind in MODEL_FIELDS.items():
        source_id, value = _winner(after.get(name, {}), state)
        if source_id is None:
            continue  # no source states it: the current value (perhaps a person's) stays
        old = current_value(model, name, kind, refs)
        if old == value or (created and kind != "model"):
            continue
        _set_display(model, name, kind, value, refs)
        changed.append(FK_ATTNAMES.get(kind, name))
        if not created:
            ctx.changes.updated("model", model, name, old, value, model=model, signal=_model_signal(name, old, value))
    if "active_parameters" in changed or "total_parameters" in changed:
        _guard_parameters(model)
    return changed


def _model_signal(name: str, old, new) -> str | None:
    if name == "license":
        return ChangeSignal.LICENSE_CHANGED
    return None  # the lifecycle default (deprecation_announced) applies


def _unresolved_confirmed(ctx: SyncContext, model: AIModel, group: list) -> list[str]:
    """A source that knows identities naming an unresolved model by its very slug confirms it."""
    if model.is_unresolved and any(record.slug and record.slug.lower() == model.slug for record, _r in group):
        return ctx.set_fields(model, {"is_unresolved": False}, object_type="model", model=model)
    return []


def _conflicts(ctx: SyncContext, model: AIModel, before: dict, after: dict, state: _State) -> None:
    for name in CONFLICT_FIELDS:
        old = {sid: value for sid, (_pk, value) in before.get(name, {}).items()}
        new = after.get(name, {})
        distinct = _distinct(new)
        if len(distinct) > 1 and distinct != _distinct(old):
            ctx.changes.add(
                kind=ChangeKind.CONFLICT, object_type="model", obj=model, model=model, field=name,
                old=_by_slug(old, state), new=_by_slug(new, state),
            )  # fmt: skip


def _distinct(by_source: dict) -> set:
    return {repr(value) for value in by_source.values()}


def _by_slug(by_source: dict, state: _State) -> dict:
    ordered = sorted(by_source, key=lambda sid: state.precedence.get(sid, (10**6, sid)))
    return {state.source_slugs.get(sid, str(sid)): by_source[sid] for sid in ordered}


def _removed(ctx: SyncContext, state: _State, listed: set[str], obs_writes: _ObservationWrites) -> None:
    """Models this source listed before and a complete snapshot no longer lists: removed from the source."""
    if not ctx.complete:
        return
    by_id = {model.pk: model for model in state.models.values()}
    for model_id, (pk, value) in state.previously_listed.items():
        model = by_id.get(model_id)
        if model is None or model.slug in listed or set(value or []) & ctx.rejected_ids:
            continue  # still listed, or its record was rejected this time (kept as it was)
        obs_writes.deleted.append(pk)
        ctx.changes.retired("model", model, model=model, signal=ChangeSignal.MODEL_REMOVED, old={LISTED_AS: value})
        ctx.tally.count("model", "retired")


class _ObservationWrites:
    def __init__(self):
        self.created: list[FieldObservation] = []
        self.updated: list[FieldObservation] = []
        self.deleted: list[int] = []

    def diff(self, ctx: SyncContext, model: AIModel, before: dict, desired: dict, *, displayed: set) -> bool:
        """Queue this source's observation writes for one model; True when any. A change that did not move
        the displayed value still gets its event (object_type 'observation'), so no source's word is lost."""
        source_id, changed = ctx.source.pk, False
        for name in [*MODEL_FIELDS, LISTED_AS]:
            pk, old = before.get(name, {}).get(source_id, (None, None))
            new = desired.get(name)
            if pk is not None and old == new:
                continue
            if pk is None and new is None:
                continue
            changed = True
            if pk is None:
                self.created.append(FieldObservation(model=model, field=name, source=ctx.source, value=new,
                                                     observed_at=ctx.now, run=ctx.run))  # fmt: skip
            elif new is None:
                self.deleted.append(pk)
            else:
                self.updated.append(FieldObservation(pk=pk, value=new, observed_at=ctx.now, run=ctx.run))
            attname = FK_ATTNAMES.get(MODEL_FIELDS.get(name, ""), name)
            if pk is not None and attname not in displayed:
                ctx.changes.updated("observation", model, name, old, new, model=model, signal="")
        return changed

    def save(self, ctx: SyncContext) -> None:
        copy_insert(FieldObservation, self.created)
        copy_update(FieldObservation, self.updated, ["value", "observed_at", "run"], batch_size=2000)
        if self.deleted:
            FieldObservation.objects.filter(id__in=self.deleted).delete()


# -- models named only by reference (lineage bases, successors) ----------------------------------------------


def models_create_pending(ctx: SyncContext, resolver: IdentityResolver, refs: ModelRefs) -> None:
    """Create the unresolved models that references named and no record described, with their aliases."""
    pending = [slug for slug in resolver.index.slugs if slug not in refs.model_ids]
    created = [AIModel(slug=slug, display_name=slug.rpartition("/")[2][:300], is_unresolved=True) for slug in pending]
    copy_insert(AIModel, created)
    for model in created:
        refs.model_ids[model.slug] = model.pk
        refs.model_slugs[model.pk] = model.slug
        ctx.changes.created("model", model, model=model, signal=ChangeSignal.MODEL_ADDED,
                            new={"slug": model.slug, "unresolved": True})  # fmt: skip
    ctx.tally.count("model", "created", len(created))
    _aliases_flush(ctx, refs, resolver.index)


def _aliases_flush(ctx: SyncContext, refs: ModelRefs, index: NameIndex) -> None:
    """An alias row for every name this run taught the index (each name once, never moved)."""
    aliases = [
        ModelAlias(name=name, model_id=refs.model_ids[slug], source=ctx.source, resolution=resolution)
        for name, (slug, resolution) in index.added.items()
        if slug in refs.model_ids
    ]
    copy_insert(ModelAlias, aliases)
    for name in [name for name, (slug, _r) in index.added.items() if slug in refs.model_ids]:
        del index.added[name]

"""Admin for the catalog. Sources feed it, so what a sync writes (runs, change events, observations, prices) is
read-only here; a person's edit of a model, alias or other row goes through catalog.services.edits, which records
a ChangeEvent per changed field and an audit event, like a sync does. "Sync now" enqueues the source's task."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.utils.html import format_html_join

from catalog import selectors
from catalog.models import (
    AIModel,
    Benchmark,
    BenchmarkResult,
    ChangeEvent,
    FieldObservation,
    License,
    LineageEdge,
    ModelAlias,
    Offering,
    Organization,
    Price,
    ProvenanceClaim,
    Source,
    SyncRun,
)
from catalog.services.edits import alias_review, catalog_object_save
from core.audit import audit_record


class ReadOnlyMixin:
    """Written by syncs only: viewable, never added, edited or deleted by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EditedByServiceMixin:
    """Saves through catalog_object_save: a ChangeEvent per changed field and an audit event."""

    object_type = ""

    def save_model(self, request, obj, form, change):
        catalog_object_save(obj=obj, user=request.user, object_type=self.object_type)


# -- models ---------------------------------------------------------------------------------------------------


class AliasInline(admin.TabularInline):
    model = ModelAlias
    fields = ("name", "resolution", "source", "reviewed_by", "reviewed_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class OfferingInline(ReadOnlyMixin, admin.TabularInline):
    model = Offering
    fk_name = "model"
    fields = ("external_id", "provider", "channel", "deployment_type", "status", "source", "context_window")
    readonly_fields = fields
    extra = 0
    show_change_link = True


class ClaimInline(ReadOnlyMixin, admin.TabularInline):
    model = ProvenanceClaim
    fields = ("topic", "values", "status", "source_kind", "source_url", "stated_on")
    readonly_fields = fields
    extra = 0
    show_change_link = True


@admin.register(AIModel)
class AIModelAdmin(EditedByServiceMixin, admin.ModelAdmin):
    object_type = "model"
    list_display = ("slug", "display_name", "publisher", "lifecycle", "context_window", "license", "is_unresolved")
    list_filter = ("is_unresolved", "lifecycle", "architecture", "open_weights",
                   ("publisher", admin.RelatedOnlyFieldListFilter))  # fmt: skip
    search_fields = ("slug", "display_name", "family", "aliases__name")
    autocomplete_fields = ("publisher", "license", "successor")
    readonly_fields = ("current_prices", "conflicts", "created_at", "updated_at")
    inlines = (AliasInline, OfferingInline, ClaimInline)
    list_select_related = ("publisher", "license")
    show_full_result_count = False

    @admin.display(description="current prices (USD per 1M tokens, or per unit)")
    def current_prices(self, obj):
        rows = selectors.current_prices_for(obj) if obj.pk else []
        return format_html_join(
            "", "<div>{} &middot; {} {} {} &middot; {} <small>({})</small></div>",
            ((p.offering.external_id, p.unit, p.tier, p.variant, p.usd.normalize(), p.source.slug) for p in rows),
        ) or "none"  # fmt: skip

    @admin.display(description="sources disagree on")
    def conflicts(self, obj):
        found = selectors.model_conflicts(obj) if obj.pk else []
        return format_html_join(
            "", "<div><b>{}</b>: {}</div>",
            ((c.field, ", ".join(f"{o.source.slug}={o.value}" for o in c.observations)) for c in found),
        ) or "none"  # fmt: skip


@admin.register(ModelAlias)
class ModelAliasAdmin(admin.ModelAdmin):
    """Moving an alias to another model (or confirming it) marks it resolved by hand."""

    list_display = ("name", "model", "resolution", "source", "reviewed_by", "reviewed_at")
    list_filter = ("resolution", "source")
    search_fields = ("name", "model__slug")
    autocomplete_fields = ("model",)
    readonly_fields = ("resolution", "source", "reviewed_by", "reviewed_at")
    list_select_related = ("model", "source", "reviewed_by")

    def save_model(self, request, obj, form, change):
        alias_review(alias=obj, user=request.user)


@admin.register(FieldObservation)
class FieldObservationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("model", "field", "source", "value", "observed_at")
    list_filter = ("field", "source")
    search_fields = ("model__slug",)
    raw_id_fields = ("model", "run")
    list_select_related = ("model", "source")
    show_full_result_count = False


@admin.register(LineageEdge)
class LineageEdgeAdmin(EditedByServiceMixin, admin.ModelAdmin):
    object_type = "lineage"
    list_display = ("model", "relation", "base_model", "source")
    list_filter = ("relation", "source")
    search_fields = ("model__slug", "base_model__slug")
    autocomplete_fields = ("model", "base_model")
    list_select_related = ("model", "base_model", "source")


# -- reference data -------------------------------------------------------------------------------------------


@admin.register(Organization)
class OrganizationAdmin(EditedByServiceMixin, admin.ModelAdmin):
    object_type = "organization"
    list_display = ("slug", "name", "is_publisher", "is_provider", "country", "jurisdiction")
    list_filter = ("is_publisher", "is_provider", "country")
    search_fields = ("slug", "name")
    autocomplete_fields = ("parent",)


@admin.register(License)
class LicenseAdmin(EditedByServiceMixin, admin.ModelAdmin):
    object_type = "license"
    list_display = ("key", "spdx_id", "name", "category", "is_osi_approved")
    list_filter = ("category", "is_osi_approved")
    search_fields = ("key", "spdx_id", "name")


@admin.register(Benchmark)
class BenchmarkAdmin(EditedByServiceMixin, admin.ModelAdmin):
    object_type = "benchmark"
    list_display = ("slug", "name", "version", "metric", "higher_is_better")
    search_fields = ("slug", "name")


@admin.register(BenchmarkResult)
class BenchmarkResultAdmin(EditedByServiceMixin, admin.ModelAdmin):
    object_type = "benchmark_result"
    list_display = ("model", "benchmark", "score", "source_tier", "source_name", "verified", "measured_on")
    list_filter = ("source_tier", "verified", "benchmark")
    search_fields = ("model__slug", "benchmark__slug", "source_name")
    autocomplete_fields = ("model", "benchmark")
    raw_id_fields = ("source",)
    list_select_related = ("model", "benchmark")


@admin.register(ProvenanceClaim)
class ProvenanceClaimAdmin(EditedByServiceMixin, admin.ModelAdmin):
    object_type = "claim"
    list_display = ("model", "topic", "status", "source_kind", "stated_on", "next_review_on")
    list_filter = ("topic", "status", "source_kind")
    search_fields = ("model__slug", "statement")
    autocomplete_fields = ("model",)
    raw_id_fields = ("source",)
    list_select_related = ("model",)


# -- offerings and prices -------------------------------------------------------------------------------------


class PriceInline(ReadOnlyMixin, admin.TabularInline):
    model = Price
    fields = ("unit", "tier", "variant", "usd", "effective_from", "effective_to", "source")
    readonly_fields = fields
    extra = 0
    ordering = ("unit", "tier", "variant", "-effective_from")


@admin.register(Offering)
class OfferingAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("external_id", "model", "provider", "channel", "deployment_type", "status", "source")
    list_filter = ("channel", "status", "deployment_type", "source")
    search_fields = ("external_id", "model__slug", "provider__slug")
    raw_id_fields = ("model", "provider")
    inlines = (PriceInline,)
    list_select_related = ("model", "provider", "source")
    show_full_result_count = False


@admin.register(Price)
class PriceAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("offering", "unit", "tier", "variant", "usd", "effective_from", "effective_to", "source")
    list_filter = ("unit", "variant", "source")
    search_fields = ("offering__external_id", "offering__model__slug")
    raw_id_fields = ("offering", "run")
    list_select_related = ("offering", "source")
    date_hierarchy = "effective_from"
    show_full_result_count = False


# -- sources, runs, changes -----------------------------------------------------------------------------------


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "precedence", "enabled", "is_stale", "last_success_at")
    list_filter = ("enabled", "is_stale")
    search_fields = ("slug", "name")
    readonly_fields = ("is_stale", "last_success_at", "snapshot")
    actions = ("sync_now",)

    def has_delete_permission(self, request, obj=None):
        return False  # facts point at their source (PROTECT); disable a source instead

    @admin.action(description="Sync now")
    def sync_now(self, request, queryset):
        from catalog.tasks import sync_source

        slugs = list(queryset.values_list("slug", flat=True))
        with transaction.atomic():
            for source in queryset:
                audit_record(action="catalog.source.sync_requested", target=source, actor=request.user)
                transaction.on_commit(lambda slug=source.slug: sync_source.delay(slug, trigger="admin"))
        messages.success(request, f"Sync queued for {', '.join(slugs)}; see Sync runs for the result.")


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("source", "status", "started_at", "finished_at", "trigger", "created", "updated", "retired",
                    "rejected", "dry_run")  # fmt: skip
    list_filter = ("status", "source", "trigger", "dry_run")
    search_fields = ("message", "origin")
    date_hierarchy = "started_at"
    readonly_fields = ("rejections",)
    list_select_related = ("source",)

    @admin.display(description="rejected records")
    def rejections(self, obj):
        return format_html_join("", "<div><b>{}</b>: {}</div>", ((e["record"], e["error"]) for e in obj.errors))


@admin.register(ChangeEvent)
class ChangeEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("occurred_at", "kind", "signal", "object_type", "object_repr", "field", "old_value",
                    "new_value", "source")  # fmt: skip
    list_filter = ("kind", "signal", "object_type", "source")
    search_fields = ("object_repr", "field")
    raw_id_fields = ("run", "model")
    date_hierarchy = "occurred_at"
    list_select_related = ("source",)
    show_full_result_count = False

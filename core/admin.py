"""Admin for the kernel's tables: the audit trail and the outbox are read-only here; the outbox's one write is
"retry now", which goes through its service (and is itself audited)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models.fields.json import KeyTextTransform

from core.models import AuditEvent, OutboxMessage
from core.outbox import outbox_retry_now


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable by whoever has the view permission; nobody adds, edits or deletes through the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TeamFilter(admin.SimpleListFilter):
    title = "team"
    parameter_name = "team"

    def lookups(self, request, model_admin):
        teams = (
            AuditEvent.objects.annotate(team=KeyTextTransform("team", "context"))
            .filter(team__isnull=False)
            .values_list("team", flat=True)
            .distinct()
            .order_by("team")
        )
        return [(team, team) for team in teams]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.alias(team=KeyTextTransform("team", "context")).filter(team=self.value())
        return queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "occurred_at", "actor_username", "actor_label", "action", "target_type", "target_repr")
    list_filter = ("action", "target_type", "actor_label", TeamFilter)
    search_fields = ("=target_id", "target_repr", "actor_username", "=request_id")
    date_hierarchy = "occurred_at"
    ordering = ("-id",)
    # actor_id rather than the actor: the user may have been deleted since (there is no FK constraint), and the
    # username kept on the event is what a reader needs.
    fields = readonly_fields = (
        "id", "occurred_at", "actor_id", "actor_username", "actor_label", "action", "target_type", "target_id",
        "target_repr", "before", "after", "context", "request_id", "ip", "prev_hash", "hash",
    )  # fmt: skip
    show_full_result_count = False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ("id", "topic", "key", "status", "attempts", "available_at", "delivered_at", "created_at")
    list_filter = ("status", "topic")
    search_fields = ("=key", "topic", "=request_id")
    ordering = ("-id",)
    readonly_fields = [field.name for field in OutboxMessage._meta.fields]
    actions = ["retry_now"]

    @admin.action(description="Retry now (undelivered messages, including failed ones)", permissions=["retry"])
    def retry_now(self, request, queryset):
        count = outbox_retry_now(message_ids=list(queryset.values_list("pk", flat=True)), actor=request.user)
        self.message_user(request, f"{count} message(s) will be retried now.", messages.SUCCESS)

    def has_retry_permission(self, request):
        # Rows are never edited here, but retrying is a change: it needs the model's change permission.
        return request.user.has_perm("core.change_outboxmessage")

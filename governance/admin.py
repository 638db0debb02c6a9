"""Admin for governance. Audit-friendly: state is read-only here, and every change goes through a service (so it
is permission-checked and audited) — through the form's save for teams, use cases, memberships, roles and stages,
and through admin actions for the transitions that matter (revoke, re-review, reconfirm, deactivate)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpResponseRedirect

from core.exceptions import ApplicationError
from governance.models import (
    ApprovalPacket,
    ApprovalRequest,
    Entitlement,
    FeedCursor,
    OrgRole,
    PolicyEvaluation,
    PolicyVersion,
    RequestComment,
    ReviewStage,
    StageReview,
    Team,
    TeamMembership,
    UseCase,
    WebhookDelivery,
    WebhookSubscription,
)
from governance.services import entitlements as entitlement_services
from governance.services import teams as team_services
from governance.services.packets import packet_verify
from governance.services.teams import TEAM_FIELDS, USE_CASE_FIELDS
from governance.services.webhooks import webhook_subscription_deactivate


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def run_service(modeladmin, request, queryset, service, done: str) -> None:
    """Call ``service(obj)`` for each selected row; report successes and each refusal by name."""
    succeeded = 0
    for obj in queryset:
        try:
            service(obj)
        except ApplicationError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, f"{succeeded} {done}.", messages.SUCCESS)


class ServiceSaveMixin:
    """Forms validate as usual; saving calls the service, whose refusal comes back as a form error message."""

    def save_through_service(self, request, obj, form, change):
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        obj.pk = self.save_through_service(request, obj, form, change).pk

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The admin's own transaction has rolled back by the time the refusal reaches us: show it and go back.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


def _changed(form, allowed) -> dict:
    return {name: form.cleaned_data[name] for name in form.changed_data if name in allowed}


# --- teams and roles -----------------------------------------------------------------------------------------


class MembershipInline(ReadOnlyInline):
    model = TeamMembership
    fields = ("user", "role", "created_at")
    readonly_fields = fields


@admin.register(Team)
class TeamAdmin(ServiceSaveMixin, admin.ModelAdmin):
    list_display = ("slug", "name", "business_unit", "regulated")
    list_filter = ("regulated",)
    search_fields = ("slug", "name", "business_unit", "cost_centre")
    fields = ("slug", "name", "business_unit", "cost_centre", "regulated", "allowed_data_classifications",
              "allowed_regions")  # fmt: skip
    inlines = [MembershipInline]

    def get_readonly_fields(self, request, obj=None):
        return ("slug",) if obj else ()

    def has_delete_permission(self, request, obj=None):
        return False  # requests and entitlements point at the team; history must stay readable

    def save_through_service(self, request, obj, form, change):
        if change:
            return team_services.team_update(actor=request.user, team=obj, **_changed(form, TEAM_FIELDS))
        fields = {name: form.cleaned_data[name] for name in TEAM_FIELDS if name in form.cleaned_data}
        fields.pop("name", None)
        return team_services.team_create(actor=request.user, slug=obj.slug, name=obj.name, **fields)


@admin.register(TeamMembership)
class TeamMembershipAdmin(ServiceSaveMixin, admin.ModelAdmin):
    list_display = ("team", "user", "role", "created_at")
    list_filter = ("role", "team")
    search_fields = ("user__username", "team__slug")
    fields = ("team", "user", "role")

    def get_readonly_fields(self, request, obj=None):
        return ("team", "user") if obj else ()

    def save_through_service(self, request, obj, form, change):
        if change:
            return team_services.membership_change_role(actor=request.user, team=obj.team, user=obj.user, role=obj.role)
        return team_services.membership_add(actor=request.user, team=obj.team, user=obj.user, role=obj.role)

    def delete_model(self, request, obj):
        team_services.membership_remove(actor=request.user, team=obj.team, user=obj.user)

    def delete_queryset(self, request, queryset):
        for membership in queryset:
            self.delete_model(request, membership)


@admin.register(OrgRole)
class OrgRoleAdmin(ServiceSaveMixin, admin.ModelAdmin):
    list_display = ("user", "role", "stage", "created_at")
    list_filter = ("role", "stage")
    search_fields = ("user__username",)
    fields = ("user", "role", "stage")

    def has_change_permission(self, request, obj=None):
        return obj is None  # a role is granted or revoked, never edited into another one

    def save_through_service(self, request, obj, form, change):
        return team_services.org_role_grant(actor=request.user, user=obj.user, role=obj.role, stage=obj.stage)

    def delete_model(self, request, obj):
        team_services.org_role_revoke(actor=request.user, org_role=obj)

    def delete_queryset(self, request, queryset):
        for role in queryset:
            self.delete_model(request, role)


@admin.register(ReviewStage)
class ReviewStageAdmin(ServiceSaveMixin, admin.ModelAdmin):
    list_display = ("slug", "name", "sla_days", "position")
    fields = ("slug", "name", "description", "sla_days", "position")
    readonly_fields = ("slug",)

    def has_add_permission(self, request):
        return False  # stages are named by policy rules; new ones come with a policy change (data migration)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_through_service(self, request, obj, form, change):
        return team_services.review_stage_update(
            actor=request.user, stage=obj, **_changed(form, team_services.STAGE_FIELDS)
        )


@admin.register(UseCase)
class UseCaseAdmin(ServiceSaveMixin, admin.ModelAdmin):
    list_display = ("slug", "team", "name", "data_classification", "risk_tier", "production")
    list_filter = ("risk_tier", "data_classification", "team")
    search_fields = ("slug", "name", "team__slug")
    fields = ("team", "slug", "name", "description", "data_classification", "risk_tier", "user_facing", "production")

    def get_readonly_fields(self, request, obj=None):
        return ("team", "slug") if obj else ()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_through_service(self, request, obj, form, change):
        if change:
            return team_services.use_case_update(actor=request.user, use_case=obj, **_changed(form, USE_CASE_FIELDS))
        extra = {name: form.cleaned_data[name] for name in ("description", "risk_tier", "user_facing", "production")}
        return team_services.use_case_create(
            actor=request.user, team=obj.team, slug=obj.slug, name=obj.name,
            data_classification=obj.data_classification, **extra,
        )  # fmt: skip


# --- requests, reviews, packets ------------------------------------------------------------------------------


class StageReviewInline(ReadOnlyInline):
    model = StageReview
    fields = ("stage", "round", "decision", "decided_by", "decided_at", "due_at", "comment", "conditions")
    readonly_fields = fields


class CommentInline(ReadOnlyInline):
    model = RequestComment
    fields = ("author", "created_at", "body")
    readonly_fields = fields


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(ReadOnlyAdmin):
    list_display = ("id", "team", "model", "use_case", "status", "round", "requested_by", "submitted_at")
    list_filter = ("status", "data_classification", "team")
    search_fields = ("=id", "model__slug", "team__slug", "requested_by__username")
    list_select_related = ("team", "model", "use_case", "requested_by")
    date_hierarchy = "created_at"
    inlines = [StageReviewInline, CommentInline]


@admin.register(StageReview)
class StageReviewAdmin(ReadOnlyAdmin):
    list_display = ("request", "stage", "round", "decision", "decided_by", "due_at")
    list_filter = ("decision", "stage")
    list_select_related = ("request__team", "request__model", "stage", "decided_by")


@admin.register(RequestComment)
class RequestCommentAdmin(ReadOnlyAdmin):
    list_display = ("request", "author", "created_at")


@admin.register(ApprovalPacket)
class ApprovalPacketAdmin(ReadOnlyAdmin):
    list_display = ("request", "created_at", "sha256", "intact")
    readonly_fields = ("request", "created_at", "sha256", "intact", "document")

    @admin.display(boolean=True, description="hash verifies")
    def intact(self, obj):
        return packet_verify(obj)


# --- entitlements --------------------------------------------------------------------------------------------


@admin.register(Entitlement)
class EntitlementAdmin(ReadOnlyAdmin):
    list_display = ("id", "team", "model", "offering", "region", "status", "expires_at")
    list_filter = ("status", "team")
    search_fields = ("=id", "team__slug", "model__slug")
    list_select_related = ("team", "model", "offering")
    actions = ["revoke", "mark_needs_review", "reconfirm"]

    @admin.action(description="Revoke the selected entitlements now")
    def revoke(self, request, queryset):
        reason = f"Revoked in the admin by {request.user.get_username()}"
        run_service(self, request, queryset,
                    lambda e: entitlement_services.entitlement_revoke(entitlement=e, actor=request.user, reason=reason),
                    "entitlement(s) revoked")  # fmt: skip

    @admin.action(description="Send the selected entitlements to re-review")
    def mark_needs_review(self, request, queryset):
        reason = f"Re-review asked in the admin by {request.user.get_username()}"
        run_service(self, request, queryset,
                    lambda e: entitlement_services.entitlement_mark_needs_review(
                        entitlement=e, actor=request.user, reason=reason),
                    "entitlement(s) sent to re-review")  # fmt: skip

    @admin.action(description="Reconfirm the selected entitlements (needs review -> active)")
    def reconfirm(self, request, queryset):
        run_service(self, request, queryset,
                    lambda e: entitlement_services.entitlement_reconfirm(entitlement=e, actor=request.user),
                    "entitlement(s) reconfirmed")  # fmt: skip


# --- policy (versions are created by governance.policy's service) --------------------------------------------


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ReadOnlyAdmin):
    list_display = ("version", "is_active", "note", "created_at", "created_by")
    readonly_fields = ("version", "is_active", "note", "sha256", "created_at", "created_by", "rules_yaml")


@admin.register(PolicyEvaluation)
class PolicyEvaluationAdmin(ReadOnlyAdmin):
    list_display = ("id", "evaluated_at", "team", "model", "outcome", "policy_version")
    list_filter = ("outcome", "policy_version")
    list_select_related = ("team", "model", "policy_version")
    date_hierarchy = "evaluated_at"


# --- webhooks and jobs ---------------------------------------------------------------------------------------


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ("url", "team", "events", "is_active", "created_by")
    list_filter = ("is_active", "team")
    exclude = ("secret",)  # shown once to its creator; never again
    actions = ["deactivate"]

    @admin.action(description="Deactivate the selected webhooks")
    def deactivate(self, request, queryset):
        run_service(self, request, queryset,
                    lambda s: webhook_subscription_deactivate(actor=request.user, subscription=s),
                    "webhook(s) deactivated")  # fmt: skip


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "event", "subscription", "attempts", "response_status", "delivered_at")
    list_filter = ("event",)
    search_fields = ("=key",)
    list_select_related = ("subscription",)


@admin.register(FeedCursor)
class FeedCursorAdmin(ReadOnlyAdmin):
    list_display = ("name", "last_id", "updated_at")

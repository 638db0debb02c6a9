"""The audit trail, for auditors and governance admins."""

from __future__ import annotations

from rest_framework import serializers

from core.models import AuditEvent

EXPORT_FORMATS = (("csv", "CSV, for spreadsheets"), ("json", "JSON, exact and re-verifiable"))


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id", "occurred_at", "actor_id", "actor_username", "actor_label", "action", "target_type", "target_id",
            "target_repr", "before", "after", "context", "request_id", "ip", "prev_hash", "hash",
        ]  # fmt: skip
        read_only_fields = fields


# Documentation only (the cursor paginator renders the page). Named as drf-spectacular names the page it generates,
# so the component keeps its name now that the list's 200 is documented by hand as a page or the JSON export.
class PaginatedAuditEventListSerializer(serializers.Serializer):
    """One page of the audit trail, newest first."""

    next = serializers.URLField(allow_null=True, help_text="The next page, or null on the last.")
    previous = serializers.URLField(allow_null=True, help_text="The previous page, or null on the first.")
    results = AuditEventSerializer(many=True)


class AuditQuery(serializers.Serializer):
    """Filters of the audit trail (all optional; combined with AND)."""

    actor = serializers.CharField(required=False, help_text="Username or actor label ('system', 'sync:litellm').")
    action = serializers.CharField(required=False, help_text="Exact action, or a prefix ending in '*'.")
    target_type = serializers.CharField(required=False, help_text="app_label.model, e.g. 'governance.entitlement'.")
    target_id = serializers.CharField(required=False)
    team = serializers.SlugField(required=False, help_text="Team slug recorded in the event's context.")
    since = serializers.DateTimeField(required=False, help_text="Inclusive.")
    until = serializers.DateTimeField(required=False, help_text="Exclusive.")
    format = serializers.ChoiceField(
        choices=EXPORT_FORMATS, required=False, help_text="Export every matching event as a file instead of a page."
    )


class AuditVerifySerializer(serializers.Serializer):
    intact = serializers.BooleanField(help_text="Every event matches its hash and links to the one before it.")
    checked = serializers.IntegerField(help_text="Events verified before the first broken one (or all).")
    first_broken_id = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    head_hash = serializers.CharField(help_text="Hash of the last verified event: keep it to detect truncation.")

"""Filters of the governance lists. They narrow querysets that the selectors have already scoped to the caller,
so a filter can never widen what someone sees."""

from __future__ import annotations

from django_filters import rest_framework as filters

from governance.choices import EntitlementStatus, RequestStatus
from governance.models import ApprovalRequest, Entitlement, UseCase, WebhookSubscription


class RequestFilterSet(filters.FilterSet):
    team = filters.CharFilter(field_name="team__slug", help_text="Team slug.")
    model = filters.CharFilter(field_name="model__slug", help_text="Model slug.")
    status = filters.MultipleChoiceFilter(choices=RequestStatus.choices)
    mine = filters.BooleanFilter(method="filter_mine", help_text="Only requests you made.")

    class Meta:
        model = ApprovalRequest
        fields = ["team", "model", "status", "data_classification"]

    def filter_mine(self, queryset, name, value):
        return queryset.filter(requested_by=self.request.user) if value else queryset


class EntitlementFilterSet(filters.FilterSet):
    team = filters.CharFilter(field_name="team__slug", help_text="Team slug.")
    model = filters.CharFilter(field_name="model__slug", help_text="Model slug.")
    status = filters.MultipleChoiceFilter(choices=EntitlementStatus.choices)

    class Meta:
        model = Entitlement
        fields = ["team", "model", "status"]


class UseCaseFilterSet(filters.FilterSet):
    team = filters.CharFilter(field_name="team__slug", help_text="Team slug.")

    class Meta:
        model = UseCase
        fields = ["team", "risk_tier", "data_classification"]


class WebhookFilterSet(filters.FilterSet):
    team = filters.CharFilter(field_name="team__slug", help_text="Team slug.")

    class Meta:
        model = WebhookSubscription
        fields = ["team", "is_active"]

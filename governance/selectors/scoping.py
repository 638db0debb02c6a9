"""The one choke point of reads: every governance queryset is narrowed to what the acting user may see, first.

Team members see their teams' objects; reviewers see the requests (and the entitlements they led to) that have a
review in one of their stages, whatever the team; governance admins and auditors see everything; anyone else,
nothing. Interfaces filter and paginate *after* this.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from governance import permissions
from governance.models import (
    ApprovalRequest,
    Entitlement,
    StageReview,
    Team,
    UseCase,
    WebhookDelivery,
    WebhookSubscription,
)


def _reviewed_request_ids(user):
    return StageReview.objects.filter(stage_id__in=permissions.reviewer_stage_ids_of(user)).values("request_id")


def requests_visible_to(user) -> QuerySet[ApprovalRequest]:
    requests = ApprovalRequest.objects.all()
    if permissions.sees_everything(user):
        return requests
    scope = Q(team_id__in=permissions.team_ids_of(user))
    if permissions.reviewer_stage_ids_of(user):
        scope |= Q(pk__in=_reviewed_request_ids(user))
    return requests.filter(scope)


def entitlements_visible_to(user) -> QuerySet[Entitlement]:
    entitlements = Entitlement.objects.all()
    if permissions.sees_everything(user):
        return entitlements
    scope = Q(team_id__in=permissions.team_ids_of(user))
    if permissions.reviewer_stage_ids_of(user):
        scope |= Q(request_id__in=_reviewed_request_ids(user))
    return entitlements.filter(scope)


def teams_visible_to(user) -> QuerySet[Team]:
    if permissions.sees_everything(user):
        return Team.objects.all()
    return Team.objects.filter(pk__in=permissions.team_ids_of(user))


def use_cases_visible_to(user) -> QuerySet[UseCase]:
    if permissions.sees_everything(user):
        return UseCase.objects.all()
    scope = Q(team_id__in=permissions.team_ids_of(user))
    if permissions.reviewer_stage_ids_of(user):
        # A reviewer reads the use case of every request they review (its risk tier is what they judge).
        scope |= Q(pk__in=ApprovalRequest.objects.filter(pk__in=_reviewed_request_ids(user)).values("use_case_id"))
    return UseCase.objects.filter(scope)


def webhooks_visible_to(user) -> QuerySet[WebhookSubscription]:
    """Team members see their teams' webhooks; organisation-wide ones only governance admins and auditors."""
    if permissions.sees_everything(user):
        return WebhookSubscription.objects.all()
    return WebhookSubscription.objects.filter(team_id__in=permissions.team_ids_of(user))


def webhook_deliveries_visible_to(user) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(subscription__in=webhooks_visible_to(user))

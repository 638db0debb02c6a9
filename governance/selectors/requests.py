"""Reads of approval requests and reviews, scoped to the acting user first."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from core.exceptions import NotFoundError
from governance import permissions
from governance.choices import RequestStatus, StageDecision
from governance.models import ApprovalRequest, StageReview
from governance.selectors.scoping import requests_visible_to


def request_list_for(user, *, status: str | None = None, team=None) -> QuerySet[ApprovalRequest]:
    requests = requests_visible_to(user)
    if status:
        requests = requests.filter(status=status)
    if team is not None:
        requests = requests.filter(team=team)
    return requests.select_related("team", "model", "offering", "use_case", "requested_by").order_by("-created_at")


def request_get_for(user, pk) -> ApprovalRequest:
    """The request with its reviews and comments, or NotFoundError (404, never 403: an invisible request does not
    exist for the caller, so ids cannot be probed)."""
    reviews = StageReview.objects.select_related("stage", "decided_by").order_by("round", "stage__position")
    try:
        return (
            requests_visible_to(user)
            .select_related(
                "team", "model", "offering", "use_case", "requested_by", "policy_evaluation__policy_version"
            )
            .prefetch_related(Prefetch("reviews", queryset=reviews), "comments__author")
            .get(pk=pk)
        )
    except (ApprovalRequest.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFoundError(f"Request #{pk} was not found.") from exc


def review_inbox_for(user) -> QuerySet[StageReview]:
    """Pending reviews of the user's stages on requests in review, soonest due first; never their own requests."""
    stages = permissions.reviewer_stage_ids_of(user)
    if not stages:
        return StageReview.objects.none()
    return (
        StageReview.objects.filter(
            stage_id__in=stages, decision=StageDecision.PENDING, request__status=RequestStatus.IN_REVIEW
        )
        .exclude(requested_by=user)
        .select_related("stage", "request__team", "request__model", "request__use_case", "request__requested_by")
        .order_by("due_at", "pk")
    )

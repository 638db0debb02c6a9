"""Approval requests: create, edit (ETag / If-Match), one endpoint per transition, comments.

Every view reads the request through ``request_get_for`` first, so an invisible request is a 404 whatever the
action; the services then check, under the row lock, who may do what (403) and whether the state allows it (409).
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.pagination import StableCursorPagination
from core.exceptions import ConflictError, PermissionDeniedError
from governance import permissions
from governance.api.filtersets import RequestFilterSet
from governance.api.permissions import GOVERNANCE_READ, REQUESTS_WRITE, REVIEWS_WRITE
from governance.api.serializers import requests as s
from governance.api.serializers.base import NoInput
from governance.api.views.base import (
    GovernanceView,
    catalog_model,
    etag,
    expected_version,
    field_error,
    model_offering,
    team_use_case,
    validated,
    visible_team,
)
from governance.choices import LIVE_ENTITLEMENT_STATUSES, RequestStatus, StageDecision
from governance.models import ApprovalRequest, RequestComment, StageReview
from governance.selectors import entitlement_list_for, request_get_for, request_list_for
from governance.services.entitlements import entitlement_revoke
from governance.services.requests import (
    request_comment_add,
    request_create,
    request_submit,
    request_update,
    request_withdraw,
)
from governance.services.reviews import review_approve, review_reject, review_request_changes

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag of your last GET. A stale one is refused with 412 precondition_failed; omit it to skip "
    "the check.",
)


def detail_response(user, pk: int, *, status_code: int = status.HTTP_200_OK) -> Response:
    """The request as the caller now sees it, with its ETag."""
    request = request_get_for(user, pk)
    response = Response(s.RequestDetailSerializer(request).data, status=status_code)
    response["ETag"] = etag(request)
    if status_code == status.HTTP_201_CREATED:
        response["Location"] = reverse("api:request-detail", kwargs={"pk": request.pk})
    return response


@extend_schema(tags=["requests"])
class RequestListView(GovernanceView, generics.ListAPIView):
    """Requests you may see: your teams', those you review, every one for governance admins and auditors."""

    required_scopes = {"GET": GOVERNANCE_READ, "POST": REQUESTS_WRITE}
    serializer_class = s.RequestSerializer
    pagination_class = StableCursorPagination
    filterset_class = RequestFilterSet

    def get_queryset(self):
        return request_list_for(self.request.user)

    @extend_schema(request=s.RequestCreateInput, responses={201: s.RequestDetailSerializer})
    def post(self, request):
        """Draft a request for one of your teams. Nothing is evaluated or sent before submit."""
        data = validated(s.RequestCreateInput, request.data)
        team = visible_team(request.user, data.pop("team"))
        model = catalog_model(data.pop("model"))
        data["use_case"] = team_use_case(team, data["use_case"])
        offering = data.pop("offering", None)
        data["offering"] = model_offering(model, offering) if offering else None
        created = request_create(actor=request.user, team=team, model=model, **data)
        return detail_response(request.user, created.pk, status_code=status.HTTP_201_CREATED)


@extend_schema(tags=["requests"])
class RequestDetailView(GovernanceView, APIView):
    required_scopes = {"GET": GOVERNANCE_READ, "PATCH": REQUESTS_WRITE}

    @extend_schema(responses={200: s.RequestDetailSerializer})
    def get(self, request, pk: int):
        """The request with its policy evaluation and reviews. The ETag header is its version."""
        return detail_response(request.user, pk)

    @extend_schema(parameters=[IF_MATCH], request=s.RequestUpdateInput, responses={200: s.RequestDetailSerializer})
    def patch(self, request, pk: int):
        """Edit a draft, or a request sent back with changes requested (the requester or a team admin)."""
        current = request_get_for(request.user, pk)
        changes = validated(s.RequestUpdateInput, request.data)
        if not changes:
            raise field_error("non_field_errors", "Send at least one field to change.")
        if "use_case" in changes:
            changes["use_case"] = team_use_case(current.team, changes["use_case"])
        if "offering" in changes:
            offering = changes["offering"]
            changes["offering"] = model_offering(current.model, offering) if offering else None
        request_update(request=current, actor=request.user, expected_version=expected_version(request), **changes)
        return detail_response(request.user, pk)


class RequestActionView(GovernanceView, APIView):
    """Base of the transition endpoints: POST only, the request's new state in the response."""

    required_scopes = {"POST": REQUESTS_WRITE}
    input_class = None

    def post(self, request, pk: int):
        current = request_get_for(request.user, pk)
        data = validated(self.input_class, request.data) if self.input_class else {}
        self.act(request, current, data)
        return detail_response(request.user, pk)

    def act(self, request, current: ApprovalRequest, data: dict) -> None:
        raise NotImplementedError


@extend_schema(tags=["requests"], parameters=[IF_MATCH], request=None, responses={200: s.RequestDetailSerializer})
class RequestSubmitView(RequestActionView):
    """Submit (or resubmit): the policy denies at once, approves at once, or opens one review per stage."""

    input_class = NoInput

    def act(self, request, current, data):
        request_submit(request=current, actor=request.user, expected_version=expected_version(request))


@extend_schema(tags=["requests"], request=s.WithdrawInput, responses={200: s.RequestDetailSerializer})
class RequestWithdrawView(RequestActionView):
    """Give up before a decision; open reviews are superseded."""

    input_class = s.WithdrawInput

    def act(self, request, current, data):
        request_withdraw(request=current, actor=request.user, reason=data.get("reason", ""))


def my_review(user, request: ApprovalRequest, stage: str | None, verb: str) -> StageReview:
    """The caller's review of the request's current round: the pending one of their stage(s)."""
    stages = permissions.reviewer_stage_ids_of(user)
    mine = [r for r in request.reviews.all() if r.round == request.round and r.stage_id in stages]
    if stage:
        mine = [r for r in mine if r.stage.slug == stage]
    pending = [r for r in mine if r.decision == StageDecision.PENDING]
    if len(pending) > 1:
        raise field_error("stage", f"You review {len(pending)} stages of this request; name the one you decide.")
    if pending or mine:
        return (pending or mine)[0]  # a decided one: the service explains why it cannot be decided again (409)
    if request.status != RequestStatus.IN_REVIEW:
        raise ConflictError(
            f"Request #{request.pk} is {request.get_status_display().lower()}; it cannot be {verb}.",
            details={"status": request.status},
        )
    raise PermissionDeniedError("You review none of the stages this request awaits.")


class ReviewActionView(RequestActionView):
    required_scopes = {"POST": REVIEWS_WRITE}
    verb = ""

    def act(self, request, current, data):
        review = my_review(request.user, current, data.pop("stage", None), self.verb)
        self.decide(review, request.user, data)


@extend_schema(tags=["reviews"], request=s.ApproveInput, responses={200: s.RequestDetailSerializer})
class RequestApproveView(ReviewActionView):
    """Approve your stage's review, with conditions. The last approval of the round approves the request and
    grants the entitlement (conditions merged, most restrictive wins)."""

    input_class = s.ApproveInput
    verb = "approved"

    def decide(self, review, user, data):
        review_approve(review=review, actor=user, **data)


@extend_schema(tags=["reviews"], request=s.DecideWithCommentInput, responses={200: s.RequestDetailSerializer})
class RequestRejectView(ReviewActionView):
    """Reject at your stage: the request is rejected and the other stages' reviews are superseded."""

    input_class = s.DecideWithCommentInput
    verb = "rejected"

    def decide(self, review, user, data):
        review_reject(review=review, actor=user, comment=data["comment"])


@extend_schema(tags=["reviews"], request=s.DecideWithCommentInput, responses={200: s.RequestDetailSerializer})
class RequestChangesView(ReviewActionView):
    """Send the request back to the requester, who edits and resubmits it."""

    input_class = s.DecideWithCommentInput
    verb = "sent back"

    def decide(self, review, user, data):
        review_request_changes(review=review, actor=user, comment=data["comment"])


@extend_schema(tags=["requests"], request=s.RevokeInput, responses={200: s.RequestDetailSerializer})
class RequestRevokeView(RequestActionView):
    """Revoke the entitlement this request granted (governance admins, or an admin of the team). The decision
    endpoint denies from the next call on."""

    input_class = s.RevokeInput

    def act(self, request, current, data):
        live = entitlement_list_for(request.user).filter(request=current, status__in=LIVE_ENTITLEMENT_STATUSES)
        entitlement = live.first()
        if entitlement is None:
            raise ConflictError(
                f"Request #{current.pk} is {current.get_status_display().lower()}; it holds no live entitlement "
                "to revoke.",
                details={"status": current.status},
            )
        entitlement_revoke(entitlement=entitlement, actor=request.user, reason=data["reason"])


class OldestFirstPagination(StableCursorPagination):
    ordering = "id"


@extend_schema(tags=["requests"])
class RequestCommentListView(GovernanceView, generics.ListAPIView):
    """The request's comments, oldest first."""

    required_scopes = {"GET": GOVERNANCE_READ, "POST": REQUESTS_WRITE}
    serializer_class = s.CommentSerializer
    pagination_class = OldestFirstPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request id
            return RequestComment.objects.none()
        parent = request_get_for(self.request.user, self.kwargs["pk"])
        return RequestComment.objects.filter(request=parent).select_related("author")

    @extend_schema(request=s.CommentInput, responses={201: s.CommentSerializer})
    def post(self, request, pk: int):
        """Comment as the requester's team or a reviewer of the request (auditors only read)."""
        data = validated(s.CommentInput, request.data)
        comment = request_comment_add(request=request_get_for(request.user, pk), actor=request.user, body=data["body"])
        return Response(s.CommentSerializer(comment).data, status=status.HTTP_201_CREATED)

"""Requests: my requests list, the request page (status, timeline, reviews, packet, actions), and the actions
the requester takes on it (submit, withdraw, comment)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.audit import audit_events
from core.exceptions import ApplicationError
from governance import permissions
from governance.choices import RequestStatus, StageDecision
from governance.context_processors import member_teams_of
from governance.forms import CommentForm, OptionalReasonForm, ReviewDecisionForm
from governance.models import ApprovalPacket
from governance.selectors import request_get_for, request_list_for
from governance.services.packets import packet_verify
from governance.services.requests import (
    EDITABLE_STATUSES,
    WITHDRAWABLE_STATUSES,
    request_comment_add,
    request_submit,
    request_withdraw,
)
from governance.views._common import http_errors, int_or_none

PAGE_SIZE = 50
# How each audited action reads in a request's timeline.
TIMELINE_LABELS = {
    "approval_request.create": "drafted the request",
    "approval_request.update": "edited the request",
    "approval_request.submit": "submitted the request",
    "approval_request.approve": "request approved",
    "approval_request.reject": "request rejected",
    "approval_request.request_changes": "changes requested",
    "approval_request.withdraw": "withdrew the request",
    "approval_request.revoked": "request revoked (its entitlement was revoked)",
    "approval_request.expired": "request expired (its entitlement expired)",
    "stage_review.approve": "approved a review stage",
    "stage_review.reject": "rejected at a review stage",
    "stage_review.request_changes": "asked for changes at a review stage",
    "request_comment.add": "commented",
    "entitlement.grant": "entitlement granted",
    "entitlement.revoke": "entitlement revoked",
    "entitlement.expire": "entitlement expired",
    "entitlement.needs_review": "entitlement sent to re-review",
    "entitlement.reconfirm": "entitlement reconfirmed",
}


@login_required
def request_list(request):
    requests = request_list_for(request.user, status=request.GET.get("status") or None)
    team = member_teams_of(request.user).filter(slug=request.GET.get("team", "")).first()
    if team is not None:
        requests = requests.filter(team=team)
    if request.GET.get("mine"):
        requests = requests.filter(requested_by=request.user)
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"page": page, "statuses": RequestStatus.choices, "query": query.urlencode(), "team": team}
    return render(request, "governance/request_list.html", context)


def _timeline(approval, reviews, comments, entitlements):
    """Every audit event of the request, its reviews, comments and entitlements, oldest first."""

    def ids(rows):
        return [str(row.pk) for row in rows]

    scope = Q(target_type="governance.approvalrequest", target_id=str(approval.pk))
    scope |= Q(target_type="governance.stagereview", target_id__in=ids(reviews))
    scope |= Q(target_type="governance.requestcomment", target_id__in=ids(comments))
    scope |= Q(target_type="governance.entitlement", target_id__in=ids(entitlements))
    events = list(audit_events().filter(scope))
    for event in events:
        event.label = TIMELINE_LABELS.get(event.action, event.action)
    return events


def _decision_forms(user, approval, reviews, bound: dict | None = None) -> list[tuple]:
    """(review, form) for each pending review of the current round this user may decide."""
    if approval.status != RequestStatus.IN_REVIEW:
        return []
    bound = bound or {}
    return [
        (review, bound.get(review.pk) or ReviewDecisionForm(prefix=f"review-{review.pk}"))
        for review in reviews
        if review.round == approval.round
        and review.decision == StageDecision.PENDING
        and permissions.can_decide_review(user, review)
    ]


def render_detail(request, approval, *, status: int = 200, error: str = "", bound_forms=None, comment_form=None):
    """The request page; also re-rendered by the action views with their error (a 409 shows as a message)."""
    user = request.user
    reviews = list(approval.reviews.all())
    comments = list(approval.comments.all())
    entitlements = list(approval.entitlements.select_related("offering").order_by("pk"))
    packet = ApprovalPacket.objects.filter(request=approval).first()
    can_edit = permissions.can_edit_request(user, approval)
    context = {
        "approval": approval,
        "reviews": reviews,
        "comments": comments,
        "entitlements": entitlements,
        "timeline": _timeline(approval, reviews, comments, entitlements),
        "packet": packet,
        "packet_intact": packet_verify(packet) if packet else None,
        "decision_forms": _decision_forms(user, approval, reviews, bound_forms),
        "can_edit": can_edit and approval.status in EDITABLE_STATUSES,
        "can_withdraw": can_edit and approval.status in WITHDRAWABLE_STATUSES,
        "can_comment": permissions.can_comment(user, approval),
        "comment_form": comment_form or CommentForm(),
        "error": error,
    }
    return render(request, "governance/request_detail.html", context, status=status)


def _get(request, pk):
    with http_errors():
        return request_get_for(request.user, pk)


@login_required
def request_detail(request, pk: int):
    return render_detail(request, _get(request, pk))


def _after_action(request, approval, action):
    """Run ``action`` (a service call returning the success message); on a domain refusal re-render the page
    with the refusal's message and status (409 for a transition that already happened, e.g. a double submit)."""
    try:
        with http_errors():
            success = action()
    except ApplicationError as exc:
        return render_detail(request, _get(request, approval.pk), status=exc.http_status, error=exc.message)
    messages.success(request, success)
    return redirect("governance:request", pk=approval.pk)


@login_required
@require_POST
def request_submit_view(request, pk: int):
    approval = _get(request, pk)
    expected = int_or_none(request.POST.get("version"))

    def submit() -> str:
        submitted = request_submit(request=approval, actor=request.user, expected_version=expected)
        return f"Request #{pk} submitted: {submitted.get_status_display().lower()}."

    return _after_action(request, approval, submit)


@login_required
@require_POST
def request_withdraw_view(request, pk: int):
    approval = _get(request, pk)
    form = OptionalReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""

    def withdraw() -> str:
        request_withdraw(request=approval, actor=request.user, reason=reason)
        return f"Request #{pk} withdrawn."

    return _after_action(request, approval, withdraw)


@login_required
@require_POST
def request_comment_view(request, pk: int):
    approval = _get(request, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return render_detail(request, approval, status=400, comment_form=form)

    def comment() -> str:
        request_comment_add(request=approval, actor=request.user, body=form.cleaned_data["body"])
        return "Comment added."

    return _after_action(request, approval, comment)


@login_required
def request_packet(request, pk: int):
    """The frozen approval packet as JSON; ``?download=1`` saves it as a file."""
    approval = _get(request, pk)
    packet = ApprovalPacket.objects.filter(request=approval).first()
    if packet is None:
        raise Http404(f"Request #{pk} has no approval packet: packets are frozen when a request is approved.")
    response = JsonResponse(packet.document, json_dumps_params={"indent": 2, "sort_keys": True})
    response["X-Packet-SHA256"] = packet.sha256
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="approval-packet-{pk}.json"'
    return response

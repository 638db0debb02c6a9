"""The reviewer inbox, and a reviewer's decision on one stage (approve with conditions, reject, ask for changes)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.exceptions import ApplicationError
from governance import permissions
from governance.forms import ReviewDecisionForm
from governance.models import StageReview
from governance.selectors import request_get_for, review_inbox_for
from governance.services.reviews import review_approve, review_reject, review_request_changes
from governance.views._common import add_service_error, http_errors
from governance.views.requests import render_detail


@login_required
def review_inbox(request):
    if not permissions.is_reviewer(request.user):
        raise PermissionDenied("The review inbox is for reviewers: you do not review any stage.")
    context = {"reviews": list(review_inbox_for(request.user)), "now": timezone.now()}
    return render(request, "governance/review_inbox.html", context)


def _decide(review, form, actor) -> str:
    data = form.cleaned_data
    decision, comment = data["decision"], data.get("comment", "")
    if decision == "approve":
        review_approve(review=review, actor=actor, comment=comment, **form.conditions())
        return f"You approved the {review.stage.name} review."
    if decision == "reject":
        review_reject(review=review, actor=actor, comment=comment)
        return f"You rejected the request at the {review.stage.name} review."
    review_request_changes(review=review, actor=actor, comment=comment)
    return "You sent the request back to the requester for changes."


@login_required
@require_POST
def review_decide(request, pk: int):
    """One decision. The service locks the request and the review, so a double click (or a second reviewer at
    the same moment) finds the review decided and gets a 409, shown on the page as a message."""
    review = StageReview.objects.select_related("stage").filter(pk=pk).first()
    if review is None:
        raise Http404(f"Review #{pk} was not found.")
    with http_errors():
        approval = request_get_for(request.user, review.request_id)
    form = ReviewDecisionForm(request.POST, prefix=f"review-{pk}")
    if not form.is_valid():
        return render_detail(request, approval, status=400, bound_forms={review.pk: form})
    try:
        with http_errors():
            success = _decide(review, form, request.user)
    except ApplicationError as exc:
        add_service_error(form, exc)
        fresh = request_get_for(request.user, review.request_id)
        return render_detail(request, fresh, status=exc.http_status, error=exc.message, bound_forms={review.pk: form})
    messages.success(request, success)
    return redirect("governance:request", pk=review.request_id)

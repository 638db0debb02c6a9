"""Stage reviews: a reviewer of the stage approves (with conditions), rejects, or sends the request back.

Segregation of duties: the reviewer must hold OrgRole(reviewer, stage) and must not be the requester. The service
checks both; the check constraint ``governance_stagereview_not_own_request`` refuses the second in the database
too, whatever the client. When every review of the current round is approved the request is approved, with the
merged (most restrictive) conditions, and its packet is frozen.

A review still open past its due date (the stage's SLA) is overdue: beat reminds the stage's reviewers of it
hourly through ``reviews_remind_overdue``, once per review per ``REMINDER_INTERVAL`` (24 h) until it is decided.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.audit import snapshot
from core.exceptions import ApplicationError, ConflictError, PermissionDeniedError
from governance import permissions
from governance.choices import RequestStatus, StageDecision
from governance.models import ApprovalRequest, StageReview
from governance.services import notifications
from governance.services._common import AuditBatch, advisory_lock
from governance.services.conditions import Conditions, conditions_build, conditions_merge
from governance.services.requests import request_approve_now, request_lock, supersede_pending

SOD_CONSTRAINT = "governance_stagereview_not_own_request"
# An overdue review's reviewers are reminded again when the last reminder is at least this old. Beat runs the job
# hourly, so the next reminder goes out within the hour after the interval has passed.
REMINDER_INTERVAL = dt.timedelta(hours=24)

logger = logging.getLogger(__name__)


def _lock_for_decision(review: StageReview, actor) -> tuple[StageReview, ApprovalRequest]:
    """Lock request then review (the order every service uses) and check who may decide what, under the lock."""
    request = request_lock(review.request_id)
    review = StageReview.objects.select_for_update(of=("self",)).select_related("stage").get(pk=review.pk)
    if actor is not None and actor.pk == review.requested_by_id:
        raise PermissionDeniedError("You cannot review your own request (segregation of duties).")
    permissions.require(
        permissions.can_decide_review(actor, review),
        f"Only reviewers of the {review.stage.name} stage may decide this.",
    )
    if request.status != RequestStatus.IN_REVIEW or review.round != request.round:
        raise ConflictError(
            f"Request #{request.pk} is {request.get_status_display().lower()}; its {review.stage.name} review "
            f"(round {review.round}) can no longer be decided.",
            details={"status": request.status, "round": request.round},
        )
    if review.decision != StageDecision.PENDING:
        raise ConflictError(
            f"The {review.stage.name} review is already {review.get_decision_display().lower()}.",
            details={"decision": review.decision},
        )
    return review, request


def _decide(review: StageReview, *, actor, decision: str, comment: str, conditions: dict | None = None) -> dict:
    before = snapshot(review)
    review.decision = decision
    review.decided_by = actor
    review.decided_at = timezone.now()
    review.comment = comment.strip()
    if conditions is not None:
        review.conditions = conditions
    try:
        # A savepoint, so a refusal by the database leaves the transaction usable for the error path.
        with transaction.atomic():
            review.save()
    except IntegrityError as exc:
        if SOD_CONSTRAINT in str(exc):
            raise PermissionDeniedError("You cannot review your own request (segregation of duties).") from exc
        raise
    return before


def _require_comment(comment: str, what: str) -> None:
    if not comment or not comment.strip():
        raise ApplicationError(f"Say why you {what}; the requester reads it.", details={"comment": "required"})


@transaction.atomic
def review_approve(
    *,
    review: StageReview,
    actor,
    comment: str = "",
    allowed_data_classifications: list[str] | None = None,
    allowed_regions: list[str] | None = None,
    monthly_budget_usd=None,
    expires_at: dt.datetime | None = None,
) -> StageReview:
    """Approve one stage, with conditions. The last approval of the round approves the request."""
    conditions = conditions_build(
        allowed_data_classifications=allowed_data_classifications,
        allowed_regions=allowed_regions,
        monthly_budget_usd=monthly_budget_usd,
        expires_at=expires_at,
    )
    review, request = _lock_for_decision(review, actor)
    before = _decide(
        review, actor=actor, decision=StageDecision.APPROVED, comment=comment, conditions=conditions.as_json()
    )
    batch = AuditBatch(actor=actor)
    batch.add(action="stage_review.approve", target=review, before=before, team=request.team, request=request.pk)
    round_reviews = list(request.reviews.filter(round=request.round))
    if all(r.decision == StageDecision.APPROVED for r in round_reviews):
        merged = conditions_merge(
            request=request, reviews=[Conditions.from_json(r.conditions) for r in round_reviews], now=timezone.now()
        )
        request_approve_now(request, conditions=merged, batch=batch, stages=[r.stage.slug for r in round_reviews])
    batch.flush()
    return review


@transaction.atomic
def review_reject(*, review: StageReview, actor, comment: str) -> StageReview:
    """Reject at one stage: the request is rejected and the other stages' reviews are superseded."""
    _require_comment(comment, "reject")
    review, request = _lock_for_decision(review, actor)
    before = _decide(review, actor=actor, decision=StageDecision.REJECTED, comment=comment)
    batch = AuditBatch(actor=actor)
    batch.add(action="stage_review.reject", target=review, before=before, team=request.team, request=request.pk)
    _close_request(request, RequestStatus.REJECTED, batch, review=review)
    notifications.notify_request_decided(request, reason=review.comment)
    batch.flush()
    return review


@transaction.atomic
def review_request_changes(*, review: StageReview, actor, comment: str) -> StageReview:
    """Send the request back to the requester, who edits and resubmits it (a new round of every stage)."""
    _require_comment(comment, "ask for changes")
    review, request = _lock_for_decision(review, actor)
    before = _decide(review, actor=actor, decision=StageDecision.CHANGES_REQUESTED, comment=comment)
    batch = AuditBatch(actor=actor)
    batch.add(
        action="stage_review.request_changes", target=review, before=before, team=request.team, request=request.pk
    )
    _close_request(request, RequestStatus.CHANGES_REQUESTED, batch, review=review)
    notifications.notify_request_decided(request, reason=review.comment)
    batch.flush()
    return review


def _close_request(request: ApprovalRequest, status: str, batch: AuditBatch, *, review: StageReview) -> None:
    before = snapshot(request)
    request.status = status
    if status == RequestStatus.REJECTED:
        request.decided_at = timezone.now()
    request.version += 1
    request.save()
    superseded = supersede_pending(request)
    action = "approval_request.reject" if status == RequestStatus.REJECTED else "approval_request.request_changes"
    batch.add(
        action=action,
        target=request,
        before=before,
        team=request.team,
        stage=review.stage.slug,
        superseded_reviews=superseded,
    )


# --- overdue reminders (a beat job) -------------------------------------------------------------------------


def _is_open(review: StageReview, request: ApprovalRequest) -> bool:
    """Waiting for a decision: pending, in the request's current round, while the request is in review."""
    return (
        review.decision == StageDecision.PENDING
        and request.status == RequestStatus.IN_REVIEW
        and review.round == request.round
    )


def _reminder_due(review: StageReview, now: dt.datetime) -> bool:
    return review.due_at <= now and (review.reminded_at is None or review.reminded_at <= now - REMINDER_INTERVAL)


@transaction.atomic
def review_remind_overdue(*, review: StageReview, now: dt.datetime | None = None) -> bool:
    """Email the stage's reviewers that ``review`` is overdue and stamp ``reminded_at``. False, with nothing
    written, if it was decided meanwhile, is not due, was reminded within REMINDER_INTERVAL, or if its stage has
    no reviewer to remind (it is then tried again on the next run, in case one has been appointed)."""
    now = now or timezone.now()
    request = request_lock(review.request_id)
    review = StageReview.objects.select_for_update(of=("self",)).select_related("stage").get(pk=review.pk)
    if not (_is_open(review, request) and _reminder_due(review, now)):
        return False
    if not notifications.notify_review_overdue(request, review, at=now):
        logger.warning("review #%s (%s) is overdue and its stage has no reviewer to remind", review.pk, review.stage)
        return False
    review.reminded_at = now
    # Not a transition (the review's decision and the request do not change), so no version bump and no audit
    # event, as for the entitlement expiry reminder; the reminder itself is the outbox row.
    review.save(update_fields=["reminded_at", "updated_at"])
    return True


def reviews_remind_overdue(*, now: dt.datetime | None = None) -> int:
    """Remind the reviewers of every open review past its due date, once per REMINDER_INTERVAL, one transaction
    each. Running it again within the interval sends nothing. Returns how many reviews were reminded."""
    now = now or timezone.now()
    with advisory_lock("governance.reviews_remind_overdue") as mine:
        if not mine:
            return 0
        due = StageReview.objects.filter(
            Q(reminded_at__isnull=True) | Q(reminded_at__lte=now - REMINDER_INTERVAL),
            decision=StageDecision.PENDING,
            request__status=RequestStatus.IN_REVIEW,
            round=F("request__round"),
            due_at__lte=now,
        )
        return sum(review_remind_overdue(review=r, now=now) for r in due.order_by("due_at", "pk"))

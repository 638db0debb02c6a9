"""Approval requests: draft -> submitted -> in_review -> approved | rejected | changes_requested | withdrawn.

One service per transition. Each locks the request row (``select_for_update``), checks the current state under
the lock, raises ConflictError (409) on an illegal transition, bumps ``version`` (the ETag), writes its audit
event last and queues its notifications through the outbox, all in one transaction.

``request_submit`` asks the policy: deny rejects at once (the evaluation's explanation is the reason), allow
approves at once (entitlement and packet included), review opens one StageReview per required stage.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from catalog.models import AIModel, Offering
from core.audit import snapshot
from core.exceptions import ApplicationError, ConflictError
from governance import permissions
from governance.choices import PolicyOutcome, RequestStatus, StageDecision
from governance.models import ApprovalRequest, RequestComment, ReviewStage, StageReview, Team, UseCase
from governance.services import notifications
from governance.services._common import AuditBatch, PreconditionFailed, validate
from governance.services.conditions import conditions_merge
from governance.services.entitlements import entitlement_grant, live_entitlement_for_scope
from governance.services.packets import packet_freeze

EDITABLE_FIELDS = frozenset(
    {
        "offering",
        "region",
        "model_version",
        "use_case",
        "data_classification",
        "expected_monthly_tokens",
        "expected_monthly_spend_usd",
        "justification",
    }
)
EDITABLE_STATUSES = (RequestStatus.DRAFT, RequestStatus.CHANGES_REQUESTED)
WITHDRAWABLE_STATUSES = (
    RequestStatus.DRAFT,
    RequestStatus.SUBMITTED,
    RequestStatus.IN_REVIEW,
    RequestStatus.CHANGES_REQUESTED,
)


def request_lock(pk: int) -> ApprovalRequest:
    """The request, row-locked until the end of the transaction (the related rows are read, not locked)."""
    return (
        ApprovalRequest.objects.select_for_update(of=("self",))
        .select_related("team", "model", "offering", "use_case", "requested_by", "policy_evaluation")
        .get(pk=pk)
    )


def require_status(request: ApprovalRequest, allowed, verb: str) -> None:
    if request.status not in allowed:
        raise ConflictError(
            f"Request #{request.pk} is {request.get_status_display().lower()}; it cannot be {verb}.",
            details={"status": request.status, "allowed": [str(s) for s in allowed]},
        )


def require_version(request: ApprovalRequest, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != request.version:
        raise PreconditionFailed(
            f"Request #{request.pk} changed since you loaded it (version {expected_version}, now {request.version}); "
            "reload it and apply your change again.",
            details={"expected_version": expected_version, "current_version": request.version},
        )


def _check_consistency(request: ApprovalRequest) -> None:
    """Cross-field rules full_clean cannot see: the use case is the team's, the offering sells the model."""
    if request.use_case.team_id != request.team_id:
        raise ApplicationError(
            f"Use case {request.use_case.slug} belongs to another team.", details={"use_case": request.use_case.pk}
        )
    offering = request.offering
    if offering is not None and offering.model_id != request.model_id:
        raise ApplicationError(
            f"Offering {offering.external_id} does not sell {request.model.slug}.", details={"offering": offering.pk}
        )
    if offering is not None and request.region and offering.regions and request.region not in offering.regions:
        raise ApplicationError(
            f"Offering {offering.external_id} does not run in {request.region} (it runs in "
            f"{', '.join(offering.regions)}).",
            details={"region": request.region},
        )


def _saved(request: ApprovalRequest, *, bump: bool = True) -> None:
    if bump:
        request.version += 1
    request.save()


@transaction.atomic
def request_create(
    *,
    actor,
    team: Team,
    model: AIModel,
    use_case: UseCase,
    data_classification: str,
    justification: str,
    offering: Offering | None = None,
    region: str = "",
    model_version: str = "",
    expected_monthly_tokens: int | None = None,
    expected_monthly_spend_usd=None,
) -> ApprovalRequest:
    """A team member drafts a request for the team. Nothing is evaluated or sent before submit."""
    permissions.require(
        permissions.can_create_request(actor, team), f"Only members of team {team.slug} may request for it."
    )
    request = ApprovalRequest(
        team=team,
        model=model,
        offering=offering,
        region=region,
        model_version=model_version,
        use_case=use_case,
        data_classification=data_classification,
        expected_monthly_tokens=expected_monthly_tokens,
        expected_monthly_spend_usd=expected_monthly_spend_usd,
        justification=justification,
        requested_by=actor,
        status=RequestStatus.DRAFT,
    )
    _check_consistency(request)
    validate(request)
    request.save()
    batch = AuditBatch(actor=actor)
    batch.add(action="approval_request.create", target=request, before=None, team=team)
    batch.flush()
    return request


@transaction.atomic
def request_update(
    *, request: ApprovalRequest, actor, expected_version: int | None = None, **changes
) -> ApprovalRequest:
    """Edit a draft, or a request sent back with changes requested. ``expected_version`` guards lost updates."""
    unknown = sorted(set(changes) - EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(f"These fields cannot be edited: {', '.join(unknown)}.", details={"fields": unknown})
    request = request_lock(request.pk)
    permissions.require(
        permissions.can_edit_request(actor, request), "Only the requester or a team admin may edit this request."
    )
    require_status(request, EDITABLE_STATUSES, "edited")
    require_version(request, expected_version)
    before = snapshot(request)
    for name, value in changes.items():
        setattr(request, name, value)
    _check_consistency(request)
    validate(request)
    _saved(request)
    batch = AuditBatch(actor=actor)
    batch.add(
        action="approval_request.update", target=request, before=before, team=request.team, fields=sorted(changes)
    )
    batch.flush()
    return request


def _evaluate(request: ApprovalRequest):
    # Imported here: the policy package imports governance models and must not be needed to import services.
    from governance.policy import policy_evaluate

    return policy_evaluate(
        team=request.team,
        model=request.model,
        use_case=request.use_case,
        data_classification=request.data_classification,
        region=request.region or None,
        offering=request.offering,
        request=request,  # brings the expected spend, which can require a procurement review
        persist=True,
    )


def _open_reviews(request: ApprovalRequest, stage_slugs, now: dt.datetime) -> list[StageReview]:
    stages = {stage.slug: stage for stage in ReviewStage.objects.filter(slug__in=stage_slugs)}
    missing = [slug for slug in stage_slugs if slug not in stages]
    if missing or not stage_slugs:
        # A policy naming a stage nobody can review would strand the request: refuse the submit instead.
        raise ApplicationError(
            f"The policy requires review stage(s) that do not exist: {', '.join(missing) or 'none named'}. "
            "Ask a governance admin to fix the policy or create the stage.",
            details={"missing_stages": missing},
        )
    reviews = [
        StageReview(
            request=request,
            stage=stages[slug],
            round=request.round,
            requested_by=request.requested_by,
            due_at=now + dt.timedelta(days=stages[slug].sla_days),
        )
        for slug in stage_slugs
    ]
    return StageReview.objects.bulk_create(reviews)


def supersede_pending(request: ApprovalRequest) -> int:
    """Pending reviews of a request that was withdrawn, rejected or sent back no longer need a decision."""
    return request.reviews.filter(decision=StageDecision.PENDING).update(
        decision=StageDecision.SUPERSEDED, updated_at=timezone.now()
    )


def request_approve_now(request: ApprovalRequest, *, conditions, batch: AuditBatch, **context):
    """Move a locked request to approved: entitlement with ``conditions``, then the frozen packet."""
    before = snapshot(request)
    request.status = RequestStatus.APPROVED
    request.decided_at = timezone.now()
    _saved(request)
    entitlement = entitlement_grant(request=request, conditions=conditions, batch=batch)
    packet = packet_freeze(request=request, entitlement=entitlement)
    batch.add(
        action="approval_request.approve",
        target=request,
        before=before,
        team=request.team,
        entitlement=entitlement.pk,
        packet_sha256=packet.sha256,
        **context,
    )
    notifications.notify_request_decided(request, entitlement=entitlement)
    return entitlement


@transaction.atomic
def request_submit(*, request: ApprovalRequest, actor, expected_version: int | None = None) -> ApprovalRequest:
    """Submit (or resubmit, as a new round) and let the policy decide, or route to its review stages."""
    request = request_lock(request.pk)
    permissions.require(
        permissions.can_edit_request(actor, request), "Only the requester or a team admin may submit this request."
    )
    require_status(request, EDITABLE_STATUSES, "submitted")
    require_version(request, expected_version)
    existing = live_entitlement_for_scope(request)
    if existing is not None:
        raise ConflictError(
            f"Team {request.team.slug} already holds entitlement #{existing.pk} for this model and scope.",
            details={"entitlement": existing.pk},
        )
    before = snapshot(request)
    now = timezone.now()
    evaluation = _evaluate(request)
    request.policy_evaluation = evaluation
    request.round += 1
    request.submitted_at = now
    request.status = RequestStatus.SUBMITTED
    batch = AuditBatch(actor=actor)
    context = {"round": request.round, "policy_outcome": evaluation.outcome, "policy_evaluation": evaluation.pk}
    if evaluation.outcome == PolicyOutcome.REVIEW:
        request.status = RequestStatus.IN_REVIEW
        _saved(request)
        reviews = _open_reviews(request, list(evaluation.required_stages), now)
        batch.add(action="approval_request.submit", target=request, before=before, team=request.team, **context)
        notifications.notify_reviews_assigned(request, reviews)
    elif evaluation.outcome == PolicyOutcome.DENY:
        request.status = RequestStatus.REJECTED
        request.decided_at = now
        _saved(request)
        batch.add(action="approval_request.submit", target=request, before=before, team=request.team, **context)
        notifications.notify_request_decided(request, reason=evaluation.explanation)
    else:
        _saved(request, bump=True)
        batch.add(action="approval_request.submit", target=request, before=before, team=request.team, **context)
        conditions = conditions_merge(request=request, reviews=[], now=now)
        request_approve_now(request, conditions=conditions, batch=batch, auto=True)
    notifications.notify_request_submitted(request)
    batch.flush()
    return request


@transaction.atomic
def request_withdraw(*, request: ApprovalRequest, actor, reason: str = "") -> ApprovalRequest:
    """The requester gives up before a decision; open reviews are superseded."""
    request = request_lock(request.pk)
    permissions.require(
        permissions.can_edit_request(actor, request), "Only the requester or a team admin may withdraw this request."
    )
    require_status(request, WITHDRAWABLE_STATUSES, "withdrawn")
    before = snapshot(request)
    request.status = RequestStatus.WITHDRAWN
    request.decided_at = timezone.now()
    _saved(request)
    superseded = supersede_pending(request)
    batch = AuditBatch(actor=actor)
    batch.add(
        action="approval_request.withdraw",
        target=request,
        before=before,
        team=request.team,
        reason=reason,
        superseded_reviews=superseded,
    )
    batch.flush()
    return request


@transaction.atomic
def request_comment_add(*, request: ApprovalRequest, actor, body: str) -> RequestComment:
    """A comment by the requester's team or a reviewer of the request; part of the approval packet."""
    if not body or not body.strip():
        raise ApplicationError("A comment cannot be empty.", details={"body": "required"})
    request = ApprovalRequest.objects.select_related("team").get(pk=request.pk)
    permissions.require(permissions.can_comment(actor, request), "You may not comment on this request.")
    comment = RequestComment(request=request, author=actor, body=body.strip())
    validate(comment)
    comment.save()
    batch = AuditBatch(actor=actor)
    batch.add(action="request_comment.add", target=comment, before=None, team=request.team, request=request.pk)
    batch.flush()
    return comment

"""Approval requests: every transition, every illegal one (409), one audit event each, nothing written on failure."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from core.exceptions import ApplicationError, ConflictError, PermissionDeniedError
from core.models import AuditEvent, OutboxMessage
from core.outbox import outbox_relay
from governance.choices import EntitlementStatus, RequestStatus, StageDecision
from governance.models import ApprovalPacket, ApprovalRequest, Entitlement, StageReview
from governance.services._common import PreconditionFailed
from governance.services.requests import (
    request_comment_add,
    request_create,
    request_submit,
    request_update,
    request_withdraw,
)
from tests.factories.governance import TeamFactory, UseCaseFactory, member, reviewer
from tests.governance.conftest import audit_actions

pytestmark = pytest.mark.django_db


def draft(requester, team, model, use_case, **fields):
    return request_create(
        actor=requester,
        team=team,
        model=model,
        use_case=use_case,
        data_classification=fields.pop("data_classification", "internal"),
        justification="Summarise support tickets.",
        **fields,
    )


# --- create and update ---------------------------------------------------------------------------------------


def test_a_member_drafts_a_request_and_the_audit_trail_says_so(requester, team, model, review_use_case):
    request = draft(requester, team, model, review_use_case)

    assert request.status == RequestStatus.DRAFT and request.version == 1 and request.round == 0
    event = AuditEvent.objects.get(target_type="governance.approvalrequest", target_id=str(request.pk))
    assert event.action == "approval_request.create"
    assert event.actor_id == requester.pk and event.context["team"] == team.slug and event.after["status"] == "draft"


def test_a_non_member_cannot_request_for_a_team_and_nothing_is_written(team, model, review_use_case):
    outsider = member(TeamFactory(slug="other-team"))
    with pytest.raises(PermissionDeniedError):
        draft(outsider, team, model, review_use_case)
    assert not ApprovalRequest.objects.exists() and not AuditEvent.objects.exists()


def test_a_use_case_of_another_team_is_refused(requester, team, model):
    foreign = UseCaseFactory(team=TeamFactory(slug="other-team"))
    with pytest.raises(ApplicationError, match="belongs to another team"):
        draft(requester, team, model, foreign)
    assert not ApprovalRequest.objects.exists()


def test_update_bumps_the_version_and_records_what_changed(requester, team, model, review_use_case):
    request = draft(requester, team, model, review_use_case)

    updated = request_update(request=request, actor=requester, expected_version=1, justification="Better reason.")

    assert updated.version == 2 and updated.justification == "Better reason."
    event = AuditEvent.objects.filter(action="approval_request.update").get()
    assert event.before["justification"] == "Summarise support tickets."
    assert event.after["justification"] == "Better reason." and event.context["fields"] == ["justification"]


def test_a_stale_version_fails_with_412_and_keeps_the_newer_edit(requester, team, model, review_use_case):
    request = draft(requester, team, model, review_use_case)
    request_update(request=request, actor=requester, expected_version=1, justification="First edit.")

    with pytest.raises(PreconditionFailed) as caught:
        request_update(request=request, actor=requester, expected_version=1, justification="Lost update.")

    assert caught.value.http_status == 412 and isinstance(caught.value, ConflictError)
    request.refresh_from_db()
    assert request.justification == "First edit." and request.version == 2
    assert audit_actions(action="approval_request.update") == ["approval_request.update"]


def test_unknown_fields_cannot_be_edited(requester, team, model, review_use_case):
    request = draft(requester, team, model, review_use_case)
    with pytest.raises(ApplicationError, match="status"):
        request_update(request=request, actor=requester, status="approved")


def test_another_member_who_is_not_team_admin_cannot_edit(requester, team, model, review_use_case):
    request = draft(requester, team, model, review_use_case)
    with pytest.raises(PermissionDeniedError):
        request_update(request=request, actor=member(team), justification="Hijack")


# --- submit: the three policy outcomes -----------------------------------------------------------------------


def test_submit_needing_review_opens_one_review_per_stage_with_its_sla_and_emails_its_reviewers(
    requester, team, model, high_risk_use_case, security_reviewer, legal_reviewer
):
    request = draft(requester, team, model, high_risk_use_case)
    before = timezone.now()

    request = request_submit(request=request, actor=requester, expected_version=1)

    assert request.status == RequestStatus.IN_REVIEW and request.round == 1 and request.submitted_at >= before
    assert request.policy_evaluation.outcome == "review"
    reviews = {r.stage.slug: r for r in StageReview.objects.filter(request=request).select_related("stage")}
    assert set(reviews) == {"security", "legal"}
    for review in reviews.values():
        assert review.decision == StageDecision.PENDING and review.round == 1
        expected_due = request.submitted_at + dt.timedelta(days=review.stage.sla_days)
        assert abs(review.due_at - expected_due) < dt.timedelta(seconds=1)
    assert audit_actions(target_type="governance.approvalrequest") == [
        "approval_request.create",
        "approval_request.submit",
    ]

    outbox_relay()
    by_recipient = {tuple(message.to): message for message in mail.outbox}
    assert set(by_recipient) == {(security_reviewer.email,), (legal_reviewer.email,)}
    assert "review needed" in by_recipient[(security_reviewer.email,)].subject
    assert f"/requests/{request.pk}/" in by_recipient[(legal_reviewer.email,)].body


def test_submit_denied_by_policy_is_rejected_with_the_reasons_emailed_to_the_requester(
    requester, team, model, prohibited_use_case
):
    request = draft(requester, team, model, prohibited_use_case)

    request = request_submit(request=request, actor=requester)

    assert request.status == RequestStatus.REJECTED and request.decided_at is not None
    assert "prohibited" in request.policy_evaluation.explanation
    assert not StageReview.objects.exists() and not Entitlement.objects.exists()
    outbox_relay()
    [email] = mail.outbox
    assert email.to == [requester.email] and "Rejected" in email.subject and "prohibited" in email.body


def test_submit_allowed_by_policy_is_approved_with_an_entitlement_and_a_packet(
    requester, team, model, minimal_use_case
):
    request = draft(requester, team, model, minimal_use_case, data_classification="public")

    request = request_submit(request=request, actor=requester)

    assert request.status == RequestStatus.APPROVED and request.decided_at is not None
    entitlement = Entitlement.objects.get(request=request)
    assert entitlement.status == EntitlementStatus.ACTIVE and entitlement.team == team
    assert entitlement.allowed_data_classifications == ["public"]
    # Default validity: twelve months.
    assert dt.timedelta(days=364) < entitlement.expires_at - entitlement.granted_at < dt.timedelta(days=367)
    assert ApprovalPacket.objects.get(request=request).document["policy"]["outcome"] == "allow"
    assert audit_actions() == [
        "approval_request.create",
        "approval_request.submit",
        "entitlement.grant",
        "approval_request.approve",
    ]
    topics = set(OutboxMessage.objects.values_list("topic", flat=True))
    assert {"notify.webhook.request.submitted", "notify.webhook.request.approved"} <= topics


def test_large_spend_adds_a_procurement_review(requester, team, model, high_risk_use_case):
    request = draft(requester, team, model, high_risk_use_case, expected_monthly_spend_usd=Decimal("25000.00"))
    request = request_submit(request=request, actor=requester)
    stages = set(request.reviews.values_list("stage__slug", flat=True))
    assert stages == {"security", "legal", "procurement"}


# --- illegal transitions -------------------------------------------------------------------------------------


@pytest.fixture
def in_review(requester, team, model, review_use_case, security_reviewer):
    return request_submit(request=draft(requester, team, model, review_use_case), actor=requester)


def test_submitting_twice_is_a_conflict_and_changes_nothing(in_review, requester):
    events = AuditEvent.objects.count()
    with pytest.raises(ConflictError) as caught:
        request_submit(request=in_review, actor=requester)
    assert caught.value.http_status == 409
    in_review.refresh_from_db()
    assert in_review.round == 1 and StageReview.objects.count() == 1 and AuditEvent.objects.count() == events


def test_a_request_in_review_cannot_be_edited(in_review, requester):
    with pytest.raises(ConflictError):
        request_update(request=in_review, actor=requester, justification="Sneaky change")


def test_submitting_while_the_team_already_holds_the_entitlement_is_a_conflict(
    requester, team, model, minimal_use_case
):
    request_submit(
        request=draft(requester, team, model, minimal_use_case, data_classification="public"), actor=requester
    )
    second = draft(requester, team, model, minimal_use_case, data_classification="public")
    with pytest.raises(ConflictError, match="already holds entitlement"):
        request_submit(request=second, actor=requester)
    second.refresh_from_db()
    assert second.status == RequestStatus.DRAFT


@pytest.mark.parametrize("final", [RequestStatus.APPROVED, RequestStatus.REJECTED, RequestStatus.WITHDRAWN])
def test_closed_requests_can_be_neither_submitted_nor_withdrawn(in_review, requester, final):
    ApprovalRequest.objects.filter(pk=in_review.pk).update(status=final)
    for service in (request_submit, request_withdraw):
        with pytest.raises(ConflictError):
            service(request=in_review, actor=requester)


# --- withdraw and comments -----------------------------------------------------------------------------------


def test_withdrawing_supersedes_the_open_reviews(in_review, requester):
    request = request_withdraw(request=in_review, actor=requester, reason="Project cancelled")

    assert request.status == RequestStatus.WITHDRAWN
    assert list(StageReview.objects.values_list("decision", flat=True)) == [StageDecision.SUPERSEDED]
    event = AuditEvent.objects.get(action="approval_request.withdraw")
    assert event.context["reason"] == "Project cancelled" and event.context["superseded_reviews"] == 1


def test_only_the_requester_or_a_team_admin_may_withdraw(in_review, team, team_admin):
    with pytest.raises(PermissionDeniedError):
        request_withdraw(request=in_review, actor=member(team))
    assert request_withdraw(request=in_review, actor=team_admin).status == RequestStatus.WITHDRAWN


def test_the_reviewer_of_the_request_may_comment_but_an_unrelated_reviewer_may_not(
    in_review, security_reviewer, legal_reviewer
):
    comment = request_comment_add(request=in_review, actor=security_reviewer, body="Which region will you use?")
    assert comment.author == security_reviewer
    assert AuditEvent.objects.filter(action="request_comment.add", target_id=str(comment.pk)).exists()
    with pytest.raises(PermissionDeniedError):
        request_comment_add(request=in_review, actor=legal_reviewer, body="Not my stage")


def test_an_empty_comment_is_refused(in_review, requester):
    with pytest.raises(ApplicationError, match="empty"):
        request_comment_add(request=in_review, actor=requester, body="   ")


def test_a_reviewer_of_another_stage_is_not_emailed(requester, team, model, review_use_case, security_reviewer):
    reviewer("procurement", username="pat")
    request_submit(request=draft(requester, team, model, review_use_case), actor=requester)
    outbox_relay()
    assert [m.to for m in mail.outbox] == [[security_reviewer.email]]

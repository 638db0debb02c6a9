"""Stage reviews: approve with conditions, reject, request changes, segregation of duties, illegal decisions, and
the reminders sent to the reviewers of overdue ones."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.exceptions import ApplicationError, ConflictError, PermissionDeniedError
from core.models import AuditEvent, OutboxMessage
from core.outbox import outbox_relay
from governance.choices import EntitlementStatus, RequestStatus, StageDecision
from governance.models import ApprovalPacket, Entitlement, StageReview
from governance.services.requests import request_create, request_submit, request_update
from governance.services.reviews import (
    REMINDER_INTERVAL,
    review_approve,
    review_reject,
    review_remind_overdue,
    review_request_changes,
    reviews_remind_overdue,
)
from tests.factories.governance import OrgRoleFactory, reviewer, stage
from tests.governance.conftest import audit_actions

pytestmark = pytest.mark.django_db


def submitted(requester, team, model, use_case, **fields):
    request = request_create(
        actor=requester,
        team=team,
        model=model,
        use_case=use_case,
        data_classification=fields.pop("data_classification", "confidential"),
        justification="Assess credit applications.",
        **fields,
    )
    return request_submit(request=request, actor=requester)


@pytest.fixture
def two_stage(requester, team, model, high_risk_use_case, security_reviewer, legal_reviewer):
    """A request waiting for a security and a legal review."""
    return submitted(requester, team, model, high_risk_use_case)


def review_of(request, slug):
    return StageReview.objects.get(request=request, stage__slug=slug, round=request.round)


def test_one_approval_of_two_leaves_the_request_in_review(two_stage, security_reviewer):
    review = review_approve(review=review_of(two_stage, "security"), actor=security_reviewer, comment="Fine")

    assert review.decision == StageDecision.APPROVED and review.decided_by == security_reviewer
    two_stage.refresh_from_db()
    assert two_stage.status == RequestStatus.IN_REVIEW and not Entitlement.objects.exists()
    assert audit_actions(action__startswith="stage_review.") == ["stage_review.approve"]


def test_the_last_approval_grants_the_merged_most_restrictive_conditions_and_freezes_the_packet(
    two_stage, security_reviewer, legal_reviewer, requester
):
    soon = timezone.now() + dt.timedelta(days=90)
    later = timezone.now() + dt.timedelta(days=200)
    review_approve(
        review=review_of(two_stage, "security"),
        actor=security_reviewer,
        allowed_data_classifications=["public", "internal", "confidential"],
        allowed_regions=["eu", "us"],
        monthly_budget_usd="5000",
        expires_at=later,
    )
    review_approve(
        review=review_of(two_stage, "legal"),
        actor=legal_reviewer,
        allowed_data_classifications=["internal", "confidential"],
        allowed_regions=["eu"],
        monthly_budget_usd=Decimal("1500.00"),
        expires_at=soon,
    )

    two_stage.refresh_from_db()
    assert two_stage.status == RequestStatus.APPROVED
    entitlement = Entitlement.objects.get(request=two_stage)
    assert entitlement.status == EntitlementStatus.ACTIVE
    assert entitlement.allowed_data_classifications == ["internal", "confidential"]
    assert entitlement.allowed_regions == ["eu"]
    assert entitlement.monthly_budget_usd == Decimal("1500.00")
    assert entitlement.expires_at == soon
    packet = ApprovalPacket.objects.get(request=two_stage)
    assert packet.document["entitlement"]["monthly_budget_usd"] == "1500"
    assert [r["decision"] for r in packet.document["reviews"]] == ["approved", "approved"]
    assert audit_actions(action__in=["stage_review.approve", "entitlement.grant", "approval_request.approve"]) == [
        "stage_review.approve",
        "stage_review.approve",
        "entitlement.grant",
        "approval_request.approve",
    ]
    outbox_relay()
    approved = [m for m in mail.outbox if "Approved" in m.subject]
    assert len(approved) == 1 and approved[0].to == [requester.email] and "1500" in approved[0].body


def test_contradictory_conditions_are_refused_and_the_last_approval_is_not_recorded(
    two_stage, security_reviewer, legal_reviewer
):
    review_approve(review=review_of(two_stage, "security"), actor=security_reviewer, allowed_regions=["us"])
    with pytest.raises(ApplicationError, match="no allowed regions"):
        review_approve(review=review_of(two_stage, "legal"), actor=legal_reviewer, allowed_regions=["eu"])
    assert review_of(two_stage, "legal").decision == StageDecision.PENDING
    assert not Entitlement.objects.exists()


@pytest.mark.parametrize(
    ("conditions", "message"),
    [
        ({"allowed_data_classifications": ["secret"]}, "Unknown data classification"),
        ({"monthly_budget_usd": "-5"}, "positive"),
        ({"monthly_budget_usd": "lots"}, "not a number"),
        ({"expires_at": dt.datetime(2000, 1, 1, tzinfo=dt.UTC)}, "future"),
    ],
)
def test_bad_conditions_get_a_clear_error_and_nothing_is_decided(two_stage, security_reviewer, conditions, message):
    with pytest.raises(ApplicationError, match=message):
        review_approve(review=review_of(two_stage, "security"), actor=security_reviewer, **conditions)
    assert review_of(two_stage, "security").decision == StageDecision.PENDING
    assert not AuditEvent.objects.filter(action__startswith="stage_review.").exists()


def test_rejecting_rejects_the_request_and_supersedes_the_other_stage(two_stage, legal_reviewer, requester):
    review_reject(review=review_of(two_stage, "legal"), actor=legal_reviewer, comment="Licence forbids scoring.")

    two_stage.refresh_from_db()
    assert two_stage.status == RequestStatus.REJECTED and two_stage.decided_at is not None
    assert review_of(two_stage, "security").decision == StageDecision.SUPERSEDED
    assert audit_actions(action__in=["stage_review.reject", "approval_request.reject"]) == [
        "stage_review.reject",
        "approval_request.reject",
    ]
    outbox_relay()
    [rejection] = [m for m in mail.outbox if "Rejected" in m.subject]
    assert rejection.to == [requester.email] and "Licence forbids scoring." in rejection.body


def test_a_rejection_needs_a_reason(two_stage, legal_reviewer):
    with pytest.raises(ApplicationError, match="Say why"):
        review_reject(review=review_of(two_stage, "legal"), actor=legal_reviewer, comment="")
    assert review_of(two_stage, "legal").decision == StageDecision.PENDING


def test_changes_requested_go_back_to_the_requester_who_resubmits_as_a_new_round(
    two_stage, security_reviewer, legal_reviewer, requester
):
    review_approve(review=review_of(two_stage, "security"), actor=security_reviewer)
    review_request_changes(review=review_of(two_stage, "legal"), actor=legal_reviewer, comment="Name the DPA.")
    two_stage.refresh_from_db()
    assert two_stage.status == RequestStatus.CHANGES_REQUESTED

    request_update(request=two_stage, actor=requester, justification="DPA signed on 2026-01-10.")
    resubmitted = request_submit(request=two_stage, actor=requester)

    assert resubmitted.status == RequestStatus.IN_REVIEW and resubmitted.round == 2
    round_two = StageReview.objects.filter(request=two_stage, round=2)
    assert {r.stage.slug for r in round_two} == {"security", "legal"}
    assert all(r.decision == StageDecision.PENDING for r in round_two)
    # The earlier round's decisions stay as history.
    assert review_of_round(two_stage, "security", 1).decision == StageDecision.APPROVED


def review_of_round(request, slug, round_):
    return StageReview.objects.get(request=request, stage__slug=slug, round=round_)


def test_a_review_of_an_earlier_round_can_no_longer_be_decided(two_stage, security_reviewer, legal_reviewer, requester):
    old = review_of(two_stage, "security")
    review_request_changes(review=review_of(two_stage, "legal"), actor=legal_reviewer, comment="More detail")
    request_submit(request=two_stage, actor=requester)
    with pytest.raises(ConflictError):
        review_approve(review=old, actor=security_reviewer)


def test_deciding_twice_is_a_conflict(two_stage, security_reviewer):
    review = review_of(two_stage, "security")
    review_approve(review=review, actor=security_reviewer)
    events = AuditEvent.objects.count()
    with pytest.raises(ConflictError) as caught:
        review_reject(review=review, actor=security_reviewer, comment="Changed my mind")
    assert caught.value.http_status == 409 and AuditEvent.objects.count() == events


def test_a_reviewer_of_another_stage_cannot_decide(two_stage, legal_reviewer):
    with pytest.raises(PermissionDeniedError, match="Security"):
        review_approve(review=review_of(two_stage, "security"), actor=legal_reviewer)


# --- segregation of duties -----------------------------------------------------------------------------------


def test_the_requester_cannot_approve_their_own_request_even_as_a_reviewer_of_the_stage(two_stage, requester):
    OrgRoleFactory(user=requester, role="reviewer", stage=stage("security"))

    with pytest.raises(PermissionDeniedError, match="own request"):
        review_approve(review=review_of(two_stage, "security"), actor=requester)

    assert review_of(two_stage, "security").decision == StageDecision.PENDING
    assert not AuditEvent.objects.filter(action__startswith="stage_review.").exists()


def test_the_database_itself_refuses_a_decision_by_the_requester(two_stage, requester):
    review = review_of(two_stage, "security")
    with pytest.raises(IntegrityError, match="not_own_request"), transaction.atomic():
        StageReview.objects.filter(pk=review.pk).update(
            decision=StageDecision.APPROVED, decided_by=requester, decided_at=timezone.now()
        )


def test_a_second_reviewer_of_the_same_stage_may_decide(two_stage):
    colleague = reviewer("security", username="sam")
    review = review_approve(review=review_of(two_stage, "security"), actor=colleague)
    assert review.decided_by == colleague


# --- overdue reminders ---------------------------------------------------------------------------------------

OVERDUE_TOPIC = "notify.email.review_overdue"


def make_overdue(request, *, days: int = 1) -> None:
    StageReview.objects.filter(request=request).update(due_at=timezone.now() - dt.timedelta(days=days))


def overdue_emails() -> list:
    outbox_relay()
    return [m for m in mail.outbox if m.subject.startswith("[Modelgate] Overdue")]


def test_an_overdue_review_reminds_the_stages_reviewers_once(
    requester, team, model, review_use_case, security_reviewer
):
    request = submitted(requester, team, model, review_use_case, data_classification="internal")
    make_overdue(request)
    events = AuditEvent.objects.count()

    assert reviews_remind_overdue() == 1
    assert reviews_remind_overdue() == 0

    assert review_of(request, "security").reminded_at is not None
    assert OutboxMessage.objects.filter(topic=OVERDUE_TOPIC).count() == 1
    [email] = overdue_emails()
    assert email.to == [security_reviewer.email]
    assert "Security review" in email.subject and f"/requests/{request.pk}/" in email.body
    # A reminder is not a transition: the review stays pending and the audit trail is unchanged.
    assert review_of(request, "security").decision == StageDecision.PENDING
    assert AuditEvent.objects.count() == events


def test_a_review_listed_by_two_runs_is_reminded_by_the_first_only(
    requester, team, model, review_use_case, security_reviewer
):
    request = submitted(requester, team, model, review_use_case, data_classification="internal")
    make_overdue(request)
    listed = review_of(request, "security")  # as a run lists it, before another run reminds it

    assert review_remind_overdue(review=listed) is True
    assert review_remind_overdue(review=listed) is False
    assert OutboxMessage.objects.filter(topic=OVERDUE_TOPIC).count() == 1


def test_a_review_not_yet_due_is_not_reminded(requester, team, model, review_use_case, security_reviewer):
    request = submitted(requester, team, model, review_use_case, data_classification="internal")

    assert reviews_remind_overdue() == 0
    assert review_of(request, "security").reminded_at is None
    assert not OutboxMessage.objects.filter(topic=OVERDUE_TOPIC).exists()


def test_only_the_stage_still_waiting_is_reminded(two_stage, security_reviewer, legal_reviewer):
    review_approve(review=review_of(two_stage, "security"), actor=security_reviewer)
    make_overdue(two_stage)

    assert reviews_remind_overdue() == 1

    assert review_of(two_stage, "security").reminded_at is None
    [email] = overdue_emails()
    assert email.to == [legal_reviewer.email] and "Legal and privacy" in email.subject


def test_the_reviews_of_a_closed_request_are_not_reminded(two_stage, security_reviewer):
    review_reject(review=review_of(two_stage, "security"), actor=security_reviewer, comment="Not for credit scoring.")
    make_overdue(two_stage)

    assert reviews_remind_overdue() == 0
    assert not OutboxMessage.objects.filter(topic=OVERDUE_TOPIC).exists()


def test_an_overdue_review_is_reminded_again_once_a_day(requester, team, model, review_use_case, security_reviewer):
    request = submitted(requester, team, model, review_use_case, data_classification="internal")
    make_overdue(request)
    first = timezone.now()

    assert reviews_remind_overdue(now=first) == 1
    assert reviews_remind_overdue(now=first + REMINDER_INTERVAL - dt.timedelta(minutes=1)) == 0
    assert reviews_remind_overdue(now=first + REMINDER_INTERVAL) == 1
    assert reviews_remind_overdue(now=first + REMINDER_INTERVAL) == 0

    assert review_of(request, "security").reminded_at == first + REMINDER_INTERVAL
    assert OutboxMessage.objects.filter(topic=OVERDUE_TOPIC).count() == 2
    assert [m.to for m in overdue_emails()] == [[security_reviewer.email]] * 2


def test_a_stage_with_nobody_to_remind_is_tried_again_on_the_next_run(requester, team, model, review_use_case):
    request = submitted(requester, team, model, review_use_case, data_classification="internal")
    make_overdue(request)
    # The requester reviews the stage too, but is never asked to review their own request.
    OrgRoleFactory(user=requester, role="reviewer", stage=stage("security"))

    assert reviews_remind_overdue() == 0
    assert review_of(request, "security").reminded_at is None

    appointed = reviewer("security", username="sam")
    assert reviews_remind_overdue() == 1
    assert [m.to for m in overdue_emails()] == [[appointed.email]]

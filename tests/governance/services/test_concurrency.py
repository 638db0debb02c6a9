"""Fifty reviewers' clicks at once on one review: exactly one decision, one transition, one audit event each."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from core.exceptions import ConflictError
from core.models import AuditEvent
from governance.choices import RequestStatus
from governance.models import ApprovalRequest, Entitlement, StageReview
from governance.services.requests import request_create, request_submit
from governance.services.reviews import review_approve
from tests.factories.governance import TeamFactory, UseCaseFactory, member, reviewer
from tests.governance.conftest import make_model

CALLS = 50


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_approvals_make_exactly_one_transition():
    team = TeamFactory(slug="concurrency")
    requester = member(team)
    use_case = UseCaseFactory(team=team, risk_tier="limited")
    request = request_create(
        actor=requester,
        team=team,
        model=make_model(),
        use_case=use_case,
        data_classification="internal",
        justification="Race test",
    )
    request = request_submit(request=request, actor=requester)
    review = StageReview.objects.get(request=request)
    reviewers = [reviewer("security") for _ in range(CALLS)]

    barrier = threading.Barrier(CALLS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def approve(user):
        try:
            barrier.wait(timeout=30)
            review_approve(review=review, actor=user, comment="LGTM")
            outcome = "approved"
        except ConflictError:
            outcome = "conflict"
        except Exception as exc:  # anything else is a bug the assertion below shows
            outcome = f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()  # each thread had its own connection
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=approve, args=(user,)) for user in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(outcomes) == ["approved"] + ["conflict"] * (CALLS - 1)
    assert ApprovalRequest.objects.get(pk=request.pk).status == RequestStatus.APPROVED
    assert Entitlement.objects.filter(request=request).count() == 1
    assert AuditEvent.objects.filter(action="stage_review.approve").count() == 1
    assert AuditEvent.objects.filter(action="approval_request.approve").count() == 1
    assert AuditEvent.objects.filter(action="entitlement.grant").count() == 1

"""One reviewer's 100 "approve" calls arrive at a live server at the same moment (a retrying client, a double
submit, a gateway replaying): exactly one transition happens, recorded once in the audit trail and queued once in
the outbox; every other call is a clean 409, none a 5xx. And 50 approves racing 50 rejects leave exactly one
terminal state.

tests/api/test_concurrency.py already proves one transition for 50 approvals through Django's test client in
threads; here the calls are real HTTP requests (httpx, bearer token) to a running server, in greater number, and
the outbox and the approve/reject race are checked too. Each request runs in its own server thread with its own
database connection and commits for real, so only the row lock in the service decides.
"""

from __future__ import annotations

import threading
from collections import Counter

import httpx
import pytest

from core.models import AuditEvent, OutboxMessage
from governance.api.token_cache import TOKENS
from governance.choices import RequestStatus, StageDecision
from governance.models import Entitlement, StageReview
from governance.services.tokens import api_token_create
from tests.api.conftest import build_world
from tests.reliability.live import BoundedLiveServer

pytestmark = pytest.mark.django_db(transaction=True)

CALLS = 100
REQUEST_TYPE = "governance.approvalrequest"


def fire(calls: list[tuple[str, dict]], token: str) -> list[int | str]:
    """POST every (url, body) from its own thread and client, all released at once; the status codes, or the
    exception's name when a call never got an answer."""
    start = threading.Barrier(len(calls))
    results: list[int | str] = [0] * len(calls)

    def call(index: int, url: str, body: dict) -> None:
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=120) as client:
            try:
                start.wait(timeout=60)
                results[index] = client.post(url, json=body).status_code
            except Exception as exc:
                results[index] = type(exc).__name__

    threads = [threading.Thread(target=call, args=(i, url, body)) for i, (url, body) in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert not any(thread.is_alive() for thread in threads), "a client never got an answer"
    return results


@pytest.fixture
def world():
    TOKENS.clear()
    world = build_world()
    _, world.reviewer_token = api_token_create(actor=world.rita, name="review-bot", scopes=["reviews:write"])
    yield world
    TOKENS.clear()


def target_events(request, action_prefix: str):
    return AuditEvent.objects.filter(target_type=REQUEST_TYPE, target_id=str(request.pk),
                                     action__startswith=action_prefix)  # fmt: skip


def test_a_hundred_concurrent_approvals_make_one_transition_one_event_and_one_message(world):
    request = world.in_review
    version_before = request.version
    with BoundedLiveServer() as base_url:
        url = f"{base_url}/api/v1/requests/{request.pk}/approve/"
        statuses = fire([(url, {"comment": "Looks fine."})] * CALLS, world.reviewer_token)

    assert Counter(statuses) == {200: 1, 409: CALLS - 1}, Counter(statuses)
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED
    assert request.version == version_before + 1  # one transition, not several that happened to agree
    assert list(target_events(request, "approval_request.approve").values_list("action", flat=True)) == [
        "approval_request.approve"
    ]
    assert AuditEvent.objects.filter(action="stage_review.approve").count() == 1
    assert Entitlement.objects.filter(request=request).count() == 1
    key = f"{request.pk}:v{request.version}"
    approval_messages = OutboxMessage.objects.filter(topic__endswith="request_approved") | OutboxMessage.objects.filter(
        topic__endswith="request.approved"
    )
    assert sorted(approval_messages.values_list("topic", "key")) == [
        ("notify.email.request_approved", f"email:request_approved:{key}"),
        ("notify.webhook.request.approved", f"request.approved:{key}"),
    ]


def test_fifty_approvals_racing_fifty_rejections_leave_exactly_one_terminal_state(world):
    request = world.in_review
    with BoundedLiveServer() as base_url:
        approve = (f"{base_url}/api/v1/requests/{request.pk}/approve/", {"comment": "Fine by security."})
        reject = (f"{base_url}/api/v1/requests/{request.pk}/reject/", {"comment": "Data leaves the EU."})
        # Interleaved, so neither kind of call has a head start in thread creation.
        statuses = fire([approve, reject] * (CALLS // 2), world.reviewer_token)

    assert Counter(statuses) == {200: 1, 409: CALLS - 1}, Counter(statuses)
    request.refresh_from_db()
    assert request.status in (RequestStatus.APPROVED, RequestStatus.REJECTED)
    winner = statuses.index(200) % 2  # 0: an approve won, 1: a reject
    expected = ("approve", RequestStatus.APPROVED) if winner == 0 else ("reject", RequestStatus.REJECTED)
    assert request.status == expected[1]
    terminal = target_events(request, "approval_request.").exclude(action__in=["approval_request.create",
                                                                                "approval_request.submit"])  # fmt: skip
    assert list(terminal.values_list("action", flat=True)) == [f"approval_request.{expected[0]}"]
    assert list(AuditEvent.objects.filter(action__startswith="stage_review.").values_list("action", flat=True)) == [
        f"stage_review.{expected[0]}"
    ]
    review = StageReview.objects.get(request=request)
    assert review.decision == (StageDecision.APPROVED if winner == 0 else StageDecision.REJECTED)
    assert Entitlement.objects.filter(request=request).count() == (1 if winner == 0 else 0)
    decided = OutboxMessage.objects.filter(topic__startswith="notify.webhook.request.").exclude(
        topic="notify.webhook.request.submitted"
    )
    assert list(decided.values_list("topic", flat=True)) == [f"notify.webhook.request.{request.status}"]

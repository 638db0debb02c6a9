"""Fifty reviewers' clients press "approve" at the same moment: exactly one transition, one entitlement, one audit
event per change. Each call is a real HTTP request through the test client on its own database connection,
committing for real (transactional test), so the row lock in the service is what decides."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from core.models import AuditEvent
from governance.choices import RequestStatus
from governance.models import Entitlement
from governance.services.tokens import api_token_create
from tests.api.conftest import build_world

pytestmark = pytest.mark.django_db(transaction=True)

CALLS = 50


def approve(url: str, token: str, start: threading.Barrier, statuses: list, errors: list) -> None:
    try:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        start.wait(timeout=60)
        response = client.post(url, {"comment": "Looks fine."}, format="json")
        statuses.append(response.status_code)
        if response.status_code not in (200, 409):
            errors.append(response.content)
    except Exception as exc:  # reported to the test thread, which fails on it
        errors.append(exc)
    finally:
        connection.close()


def test_fifty_concurrent_approvals_make_exactly_one_transition():
    world = build_world()
    _, token = api_token_create(actor=world.rita, name="review-bot", scopes=["reviews:write"])
    url = f"/api/v1/requests/{world.in_review.pk}/approve/"
    start, statuses, errors = threading.Barrier(CALLS), [], []
    threads = [threading.Thread(target=approve, args=(url, token, start, statuses, errors)) for _ in range(CALLS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sorted(statuses) == [200] + [409] * (CALLS - 1)
    world.in_review.refresh_from_db()
    assert world.in_review.status == RequestStatus.APPROVED
    assert Entitlement.objects.filter(request=world.in_review).count() == 1
    target = {"target_id": str(world.in_review.pk), "target_type": "governance.approvalrequest"}
    assert AuditEvent.objects.filter(action="approval_request.approve", **target).count() == 1
    assert AuditEvent.objects.filter(action="stage_review.approve").count() == 1

"""The world the page tests start from: the governance fixtures (tests/governance/conftest.py) plus a request
that is waiting for the security review, and helpers that drive it through the services."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.models import StageReview
from governance.services.requests import request_create, request_submit
from governance.services.reviews import review_approve


def draft(requester, team, model, use_case, **fields):
    return request_create(
        actor=requester,
        team=team,
        model=model,
        use_case=use_case,
        data_classification=fields.pop("data_classification", "internal"),
        justification=fields.pop("justification", "Summarise support tickets for the weekly report."),
        **fields,
    )


def submitted(requester, team, model, use_case, **fields):
    return request_submit(request=draft(requester, team, model, use_case, **fields), actor=requester)


def approved(requester, team, model, use_case, reviewer, **conditions):
    approval = submitted(requester, team, model, use_case)
    review_approve(review=StageReview.objects.get(request=approval), actor=reviewer, **conditions)
    approval.refresh_from_db()
    return approval


def query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.fixture
def in_review(requester, team, model, review_use_case, security_reviewer):
    """A request of the team, submitted and waiting for the security review."""
    return submitted(requester, team, model, review_use_case)

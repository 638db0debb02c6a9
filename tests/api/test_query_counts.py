"""Query budgets: a list costs the same number of queries for a page of 1 and a page of 100, so an N+1 in a
serializer fails here before it slows a real page down."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.policy.services import default_rules_yaml, policy_version_create
from governance.services.requests import request_comment_add, request_submit
from governance.services.tokens import api_token_create
from tests.api.conftest import catalog_model, draft_request
from tests.factories.governance import EntitlementFactory, UseCaseFactory, WebhookSubscriptionFactory

pytestmark = pytest.mark.django_db

LISTS = [
    ("admin", "/api/v1/teams/"),
    ("admin", "/api/v1/use-cases/"),
    ("admin", "/api/v1/requests/"),
    ("admin", "/api/v1/entitlements/"),
    ("admin", "/api/v1/webhooks/"),
    ("admin", "/api/v1/tokens/"),
    ("admin", "/api/v1/policies/"),
    ("auditor", "/api/v1/audit-events/"),
    ("reviewer", "/api/v1/reviews/"),
    ("member", "/api/v1/requests/{in_review}/comments/"),
    ("member", "/api/v1/requests/"),
    ("team_token", "/api/v1/entitlements/"),
]


@pytest.fixture
def many(shared_world):
    """Several rows of every listed kind, each with its relations set."""
    w = shared_world
    for n in range(3):
        model = catalog_model(f"acme/extra-{n}")
        use_case = UseCaseFactory(team=w.team_a, slug=f"extra-{n}")
        request_submit(request=draft_request(w.rob, w.team_a, model, use_case), actor=w.rob)
        EntitlementFactory(team=w.team_a, model=model, use_case=use_case, revoked_by=None)
        WebhookSubscriptionFactory(team=w.team_a, created_by=w.tess)
        api_token_create(actor=w.gina, name=f"bot-{n}", scopes=["catalog:read"])
        request_comment_add(request=w.in_review, actor=w.rob, body=f"Comment {n}")
        policy_version_create(rules_yaml=default_rules_yaml() + f"\n# revision {n}\n", note=f"r{n}", actor=w.gina)
    return w


def count_queries(client, url: str, page_size: int) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"page_size": page_size})
    assert response.status_code == 200, response.json()
    return len(queries), len(response.json()["results"])


@pytest.mark.parametrize(("caller", "url"), LISTS, ids=[f"{c}:{u}" for c, u in LISTS])
def test_a_list_costs_the_same_queries_for_1_and_100_rows(many, db, caller, url):
    url = url.format(in_review=many.in_review.pk)
    client = many.client(caller)
    client.get(url)  # warm up what a process loads once (content types, the policy's first use)

    one, rows_one = count_queries(client, url, 1)
    hundred, rows_hundred = count_queries(client, url, 100)

    assert rows_one == 1 and rows_hundred > 1
    assert one == hundred

"""Broken function-level authorization (OWASP API5): the operations that change something, found in the URL
router, refused to callers whose credential or role does not allow them, whatever object they name.

- A read-only token (``catalog:read``) gets 403 on every unsafe operation, even when its owner is a governance
  admin who could do it all in the portal: a token carries a subset of its owner's powers.
- Someone who is not a reviewer of the stage gets 403 (or 404 where the request is invisible to them) on every
  operation that decides a review, found by the ``reviews:write`` scope its view demands, and the review stays
  pending.
"""

from __future__ import annotations

import json

import pytest

from governance.api.permissions import REVIEWS_WRITE, scopes_required
from governance.choices import EntitlementStatus, RequestStatus, StageDecision
from governance.services.tokens import api_token_create
from tests.factories.governance import reviewer
from tests.security.routes import UNSAFE_METHODS, api_operations, api_routes
from tests.security.test_bola_matrix import ROUTES, Case, url_of
from tests.security.world import World

UNSAFE_OPERATIONS = sorted((route, method) for route, method in api_operations() if method in UNSAFE_METHODS)


def case_for(route: str, method: str) -> Case:
    return next(case for case in ROUTES[route] if case.method == method)


def call(world: World, client, route: str, method: str):
    case = case_for(route, method)
    body = json.dumps(case.body(world)) if case.body else ""
    return client.generic(method, url_of(world, route, case), body, content_type="application/json")


def review_deciding_operations() -> list[tuple[str, str]]:
    """Unsafe operations whose view demands the reviews:write scope and no other: every way to decide a review."""
    return sorted(
        (route.name, method)
        for route in api_routes()
        for method in route.methods
        if method in UNSAFE_METHODS and scopes_required(route.view_class, method) == (REVIEWS_WRITE,)
    )


@pytest.fixture(scope="module")
def read_only_tokens(module_world, django_db_blocker) -> dict[str, str]:
    """catalog:read tokens of the most powerful person there is and of team A's service account."""
    with django_db_blocker.unblock():
        _, admins = api_token_create(actor=module_world.users["gina"], name="read-only", scopes=["catalog:read"])
        _, teams = api_token_create(
            actor=module_world.users["alpha-tess"],
            name="read-only",
            scopes=["catalog:read"],
            team=module_world.teams["a"],
        )
    return {"governance admin's": admins, "team A's": teams}


def test_the_router_has_unsafe_operations_and_review_decisions_to_check():
    assert len(UNSAFE_OPERATIONS) >= 20
    assert {route for route, _ in review_deciding_operations()} == {
        "api:request-approve",
        "api:request-reject",
        "api:request-request-changes",
        "api:entitlement-reconfirm",
    }


@pytest.mark.parametrize(("route", "method"), UNSAFE_OPERATIONS, ids=[f"{r[4:]}-{m}" for r, m in UNSAFE_OPERATIONS])
def test_a_read_only_token_changes_nothing(world, read_only_tokens, route, method):
    client = world.new_client("anonymous")
    for owner, token in read_only_tokens.items():
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        response = call(world, client, route, method)
        assert response.status_code == 403, (owner, response.content[:300])
        assert response.json()["error"]["code"] == "permission_denied"


def test_a_read_only_token_still_reads_the_catalog(world, read_only_tokens):
    """The control: the same tokens are valid, only their scope stops them above."""
    client = world.new_client("anonymous")
    for token in read_only_tokens.values():
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        assert client.get("/api/v1/models/").status_code == 200


NON_REVIEWERS = ("member", "auditor")


def state_of(world: World) -> tuple:
    world.in_review_a.refresh_from_db()
    world.stale_entitlement_a.refresh_from_db()
    reviews = tuple(world.in_review_a.reviews.values_list("decision", flat=True))
    return world.in_review_a.status, reviews, world.stale_entitlement_a.status


@pytest.mark.parametrize(("route", "method"), review_deciding_operations())
def test_no_one_but_a_reviewer_of_the_stage_decides(world, route, method):
    legal = reviewer("legal", username="leo")  # a reviewer, of another stage than the security review pending
    tess = world.users["alpha-tess"]  # the requesting team's admin
    callers = {name: world.client(name) for name in NON_REVIEWERS}
    callers |= {"team admin": world.new_client("anonymous"), "legal reviewer": world.new_client("anonymous")}
    callers["team admin"].force_login(tess)
    callers["legal reviewer"].force_login(legal)
    if route != "api:entitlement-reconfirm":  # governance admins may reconfirm (their rule), never decide a review
        callers["admin"] = world.client("admin")
    before = state_of(world)

    refused = {name: call(world, client, route, method).status_code for name, client in callers.items()}

    assert set(refused.values()) <= {403, 404}, refused
    assert (
        state_of(world)
        == before
        == (
            RequestStatus.IN_REVIEW,
            (StageDecision.PENDING,),
            EntitlementStatus.NEEDS_REVIEW,
        )
    )
    # The control: the stage's reviewer is let through by the same call.
    assert call(world, world.client("reviewer"), route, method).status_code == 200

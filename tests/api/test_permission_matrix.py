"""Every endpoint x every kind of caller: the status code each one gets (NetBox runs the same permission tests on
every model endpoint). 401 without credentials, 404 for what the caller cannot see (existence never leaks), 403
for an action the caller may not take on something visible, 400 for a body naming a team the caller cannot see.

Columns: anonymous, member, other, reviewer, auditor, admin, gateway, team_token (see conftest)."""

from __future__ import annotations

import pytest

from governance.policy.services import default_rules_yaml
from tests.api.conftest import CALLERS

pytestmark = pytest.mark.django_db


def row(*codes: int) -> dict[str, int]:
    assert len(codes) == len(CALLERS)
    return dict(zip(CALLERS, codes, strict=True))


HOOK = "https://hooks.example.com/modelgate/new"
# name: (method, url(world), body(world) or None, expected statuses)
OPERATIONS = {
    "list teams": ("get", lambda w: "/api/v1/teams/", None, row(401, 200, 200, 200, 200, 200, 403, 200)),
    "get team": ("get", lambda w: "/api/v1/teams/search/", None, row(401, 200, 404, 404, 200, 200, 403, 200)),
    "create team": (
        "post",
        lambda w: "/api/v1/teams/",
        lambda w: {"slug": "new-team", "name": "New team"},
        row(401, 403, 403, 403, 403, 201, 403, 403),
    ),
    "list use cases": ("get", lambda w: "/api/v1/use-cases/", None, row(401, 200, 200, 200, 200, 200, 403, 200)),
    "get use case": (
        "get",
        lambda w: f"/api/v1/use-cases/{w.use_case_a.pk}/",
        None,
        row(401, 200, 404, 200, 200, 200, 403, 200),
    ),
    "create use case": (
        "post",
        lambda w: "/api/v1/use-cases/",
        lambda w: {"team": "search", "slug": "chatbot", "name": "Chatbot", "data_classification": "internal"},
        row(401, 201, 400, 400, 403, 201, 403, 201),
    ),
    "update use case": (
        "patch",
        lambda w: f"/api/v1/use-cases/{w.use_case_a.pk}/",
        lambda w: {"name": "Renamed"},
        row(401, 403, 404, 403, 403, 200, 403, 403),
    ),
    "delete use case": (
        "delete",
        lambda w: f"/api/v1/use-cases/{w.unused_use_case_a.pk}/",
        None,
        row(401, 403, 404, 404, 403, 204, 403, 403),
    ),
    "list requests": ("get", lambda w: "/api/v1/requests/", None, row(401, 200, 200, 200, 200, 200, 403, 200)),
    "get request": (
        "get",
        lambda w: f"/api/v1/requests/{w.in_review.pk}/",
        None,
        row(401, 200, 404, 200, 200, 200, 403, 200),
    ),
    "get foreign draft": (
        "get",
        lambda w: f"/api/v1/requests/{w.draft_b.pk}/",
        None,
        row(401, 404, 200, 404, 200, 200, 403, 404),
    ),
    "create request": (
        "post",
        lambda w: "/api/v1/requests/",
        lambda w: {
            "team": "search",
            "model": "chat-1",
            "use_case": "ticket-summaries",
            "data_classification": "internal",
            "justification": "Answer customer questions.",
        },
        row(401, 201, 400, 400, 403, 403, 403, 201),
    ),
    "update draft": (
        "patch",
        lambda w: f"/api/v1/requests/{w.draft.pk}/",
        lambda w: {"justification": "A better reason."},
        row(401, 200, 404, 404, 403, 403, 403, 403),
    ),
    "submit draft": (
        "post",
        lambda w: f"/api/v1/requests/{w.draft.pk}/submit/",
        None,
        row(401, 200, 404, 404, 403, 403, 403, 403),
    ),
    "withdraw": (
        "post",
        lambda w: f"/api/v1/requests/{w.in_review.pk}/withdraw/",
        lambda w: {"reason": "Not needed."},
        row(401, 200, 404, 403, 403, 403, 403, 403),
    ),
    "approve": (
        "post",
        lambda w: f"/api/v1/requests/{w.in_review.pk}/approve/",
        lambda w: {"comment": "Fine."},
        row(401, 403, 404, 200, 403, 403, 403, 403),
    ),
    "reject": (
        "post",
        lambda w: f"/api/v1/requests/{w.in_review.pk}/reject/",
        lambda w: {"comment": "No."},
        row(401, 403, 404, 200, 403, 403, 403, 403),
    ),
    "request changes": (
        "post",
        lambda w: f"/api/v1/requests/{w.in_review.pk}/request-changes/",
        lambda w: {"comment": "Name the data."},
        row(401, 403, 404, 200, 403, 403, 403, 403),
    ),
    "list comments": (
        "get",
        lambda w: f"/api/v1/requests/{w.in_review.pk}/comments/",
        None,
        row(401, 200, 404, 200, 200, 200, 403, 200),
    ),
    "add comment": (
        "post",
        lambda w: f"/api/v1/requests/{w.in_review.pk}/comments/",
        lambda w: {"body": "Which data exactly?"},
        row(401, 201, 404, 201, 403, 201, 403, 201),
    ),
    "review inbox": ("get", lambda w: "/api/v1/reviews/", None, row(401, 200, 200, 200, 200, 200, 403, 403)),
    "list entitlements": (
        "get",
        lambda w: "/api/v1/entitlements/",
        None,
        row(401, 200, 200, 200, 200, 200, 403, 200),
    ),
    "get entitlement": (
        "get",
        lambda w: f"/api/v1/entitlements/{w.entitlement_a.pk}/",
        None,
        row(401, 200, 404, 404, 200, 200, 403, 200),
    ),
    "revoke entitlement": (
        "post",
        lambda w: f"/api/v1/entitlements/{w.entitlement_a.pk}/revoke/",
        lambda w: {"reason": "Vendor contract ended."},
        row(401, 403, 404, 404, 403, 200, 403, 403),
    ),
    "list policies": ("get", lambda w: "/api/v1/policies/", None, row(401, 403, 403, 403, 200, 200, 403, 403)),
    "get policy": ("get", lambda w: "/api/v1/policies/1/", None, row(401, 403, 403, 403, 200, 200, 403, 403)),
    "diff policies": (
        "get",
        lambda w: "/api/v1/policies/diff/?a=1&b=1",
        None,
        row(401, 403, 403, 403, 200, 200, 403, 403),
    ),
    "create policy": (
        "post",
        lambda w: "/api/v1/policies/",
        lambda w: {"rules_yaml": default_rules_yaml() + "\n# reviewed\n", "note": "Reviewed"},
        row(401, 403, 403, 403, 403, 201, 403, 403),
    ),
    "dry run": (
        "post",
        lambda w: "/api/v1/policies/dry-run/",
        lambda w: {"team": "search", "model": "acme/chat-1", "use_case": "ticket-summaries"},
        row(401, 200, 400, 400, 200, 200, 403, 200),
    ),
    "audit events": ("get", lambda w: "/api/v1/audit-events/", None, row(401, 403, 403, 403, 200, 200, 403, 403)),
    "audit csv": (
        "get",
        lambda w: "/api/v1/audit-events/?format=csv",
        None,
        row(401, 403, 403, 403, 200, 200, 403, 403),
    ),
    "audit verify": (
        "get",
        lambda w: "/api/v1/audit-events/verify/",
        None,
        row(401, 403, 403, 403, 200, 200, 403, 403),
    ),
    "list webhooks": ("get", lambda w: "/api/v1/webhooks/", None, row(401, 200, 200, 200, 200, 200, 403, 200)),
    "get webhook": (
        "get",
        lambda w: f"/api/v1/webhooks/{w.webhook_a.pk}/",
        None,
        row(401, 200, 404, 404, 200, 200, 403, 200),
    ),
    "create webhook": (
        "post",
        lambda w: "/api/v1/webhooks/",
        lambda w: {"team": "search", "url": HOOK, "events": ["request.approved"]},
        row(401, 403, 400, 400, 403, 201, 403, 403),
    ),
    "update webhook": (
        "patch",
        lambda w: f"/api/v1/webhooks/{w.webhook_a.pk}/",
        lambda w: {"events": ["entitlement.revoked"]},
        row(401, 403, 404, 404, 403, 200, 403, 403),
    ),
    "delete webhook": (
        "delete",
        lambda w: f"/api/v1/webhooks/{w.webhook_a.pk}/",
        None,
        row(401, 403, 404, 404, 403, 204, 403, 403),
    ),
    "list tokens": ("get", lambda w: "/api/v1/tokens/", None, row(401, 200, 200, 200, 200, 200, 403, 403)),
    "create token": (
        "post",
        lambda w: "/api/v1/tokens/",
        lambda w: {"name": "laptop", "scopes": ["catalog:read"]},
        row(401, 201, 201, 201, 201, 201, 403, 403),
    ),
    "revoke gateway token": (
        "post",
        lambda w: f"/api/v1/tokens/{gateway_token_id(w)}/revoke/",
        None,
        row(401, 404, 404, 404, 404, 200, 403, 403),
    ),
    "decide for A": (
        "post",
        lambda w: "/api/v1/decisions/",
        lambda w: {"team": "search", "model": "acme/embed-2"},
        row(401, 200, 403, 403, 200, 200, 200, 200),
    ),
    "decide for B": (
        "post",
        lambda w: "/api/v1/decisions/",
        lambda w: {"team": "billing", "model": "acme/embed-2"},
        row(401, 403, 200, 403, 200, 200, 200, 403),
    ),
    "decide batch for A": (
        "post",
        lambda w: "/api/v1/decisions/batch/",
        lambda w: {"items": [{"team": "search", "model": "embed-2"}]},
        row(401, 200, 403, 403, 200, 200, 200, 200),
    ),
    "export litellm": (
        "get",
        lambda w: "/api/v1/exports/litellm/",
        None,
        row(401, 200, 200, 200, 200, 200, 200, 200),
    ),
    "export azure": (
        "get",
        lambda w: "/api/v1/exports/azure-policy/",
        None,
        row(401, 200, 200, 200, 200, 200, 200, 200),
    ),
}


def gateway_token_id(world) -> int:
    key_id = world.gateway_token.split(".")[0].removeprefix("mg_")
    from governance.models import ApiToken

    return ApiToken.objects.get(key_id=key_id).pk


CASES = [(name, caller) for name in OPERATIONS for caller in CALLERS]


@pytest.mark.parametrize(("operation", "caller"), CASES, ids=[f"{n}-{c}" for n, c in CASES])
def test_status_for_each_caller(shared_world, db, operation, caller):
    world = shared_world
    method, url, body, expected = OPERATIONS[operation]
    client = world.client(caller)
    kwargs = {"format": "json"} if method in ("post", "patch") else {}
    response = getattr(client, method)(url(world), body(world) if body else None, **kwargs)

    assert response.status_code == expected[caller], (operation, caller, getattr(response, "data", None))
    if response.status_code >= 400:
        error = response.json()["error"]
        assert error["code"] and error["message"]

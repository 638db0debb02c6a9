"""Mass assignment (OWASP API3): every write operation of the router, sent every protected field with a hostile
value, one at a time, by a caller who may perform the write. The stored rows must come out exactly as they were
(the write is refused: 400 naming the field) or exactly as the same write without the field left them.

Which fields a write may take is what the OpenAPI schema documents for it; everything else in ``HOSTILE`` is
protected for that operation. ``test_no_write_documents_a_protected_field`` keeps the schema honest in turn.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.db.models import QuerySet

from core.models import AuditEvent
from governance.models import (
    ApiToken,
    ApprovalRequest,
    Entitlement,
    PolicyVersion,
    RequestComment,
    StageReview,
    Team,
    UseCase,
    WebhookSubscription,
)
from tests.security.routes import UNSAFE_METHODS, api_operations, documented_request_fields
from tests.security.test_bola_matrix import ROUTES, url_of
from tests.security.world import World

LONG_AGO = "2001-01-01T00:00:00Z"
FAR_AHEAD = "2999-01-01T00:00:00Z"


def hostile_values(w: World) -> dict:
    """A value for every field a client must never set, of a plausible type so that only its name can refuse it."""
    olga, gina = w.users["bravo-olga"], w.users["gina"]
    return {
        "id": 987654,
        "pk": 987654,
        "status": "approved",
        "team": "bravo-team",
        "team_id": w.teams["b"].pk,
        "model": "acme/bravo-5",
        "slug": "hijacked",
        "requested_by": "bravo-olga",
        "requested_by_id": olga.pk,
        "decided_by": "alpha-rob",
        "decided_at": LONG_AGO,
        "decision": "approved",
        "version": 987,
        "round": 98,
        "created_at": LONG_AGO,
        "updated_at": LONG_AGO,
        "created_by": "bravo-olga",
        "submitted_at": LONG_AGO,
        "policy_evaluation": 1,
        "entitlement": w.entitlement_b.pk,
        "granted_at": LONG_AGO,
        "expires_at": FAR_AHEAD,
        "revoked_at": LONG_AGO,
        "revoked_by": "bravo-olga",
        "needs_review_reason": "chosen by the attacker",
        "allowed_regions": ["anywhere"],
        "monthly_budget_usd": "999999.00",
        "is_active": True,
        "secret": "whsec-chosen-by-the-attacker",
        "secret_hash": "0" * 64,
        "key_id": "attackerchosen00",
        "user": gina.username,
        "user_id": gina.pk,
        "scopes": ["admin"],
        "is_superuser": True,
        "sha256": "0" * 64,
        "is_active_version": True,
        "author": "gina",
        "request": w.draft_b.pk,
        "members": [{"username": "bravo-olga", "role": "admin"}],
    }


# Fields no write may ever take, whatever its schema says.
NEVER_INPUT = frozenset(
    {
        "id", "pk", "status", "requested_by", "decided_by", "decided_at", "decision", "version", "round", "created_at",
        "updated_at", "created_by", "submitted_at", "policy_evaluation", "granted_at", "revoked_at", "revoked_by",
        "is_active", "secret", "secret_hash", "key_id", "user", "is_superuser", "sha256", "author", "request",
        "members", "last_used_at",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Write:
    """Who performs the write, and the rows it may touch (compared before and after)."""

    caller: str
    rows: Callable[[World], list[QuerySet]]
    inject: Callable[[dict, str, object], dict] = lambda body, name, value: body | {name: value}
    fields_of: tuple[str, str] | None = None  # the operation whose documented fields apply (batch: one question)


def into_first_item(body: dict, name: str, value) -> dict:
    return {"items": [body["items"][0] | {name: value}]}


def request_rows(attribute: str) -> Callable[[World], list[QuerySet]]:
    def rows(w: World) -> list[QuerySet]:
        pk = getattr(w, attribute).pk
        return [
            ApprovalRequest.objects.filter(pk=pk),
            StageReview.objects.filter(request_id=pk),
            Entitlement.objects.filter(request_id=pk),
        ]

    return rows


def everything_of(model) -> Callable[[World], list[QuerySet]]:
    return lambda w: [model.objects.all()]


WRITES: dict[tuple[str, str], Write] = {
    ("api:team-list", "POST"): Write("admin", everything_of(Team)),
    ("api:usecase-list", "POST"): Write("member", everything_of(UseCase)),
    ("api:usecase-detail", "PATCH"): Write("admin", lambda w: [UseCase.objects.filter(pk=w.use_case_a.pk)]),
    ("api:request-list", "POST"): Write("member", everything_of(ApprovalRequest)),
    ("api:request-detail", "PATCH"): Write("member", request_rows("draft_a")),
    ("api:request-submit", "POST"): Write("member", request_rows("draft_a")),
    ("api:request-withdraw", "POST"): Write("member", request_rows("in_review_a")),
    ("api:request-approve", "POST"): Write("reviewer", request_rows("in_review_a")),
    ("api:request-reject", "POST"): Write("reviewer", request_rows("in_review_a")),
    ("api:request-request-changes", "POST"): Write("reviewer", request_rows("in_review_a")),
    ("api:request-revoke", "POST"): Write("admin", request_rows("approved_a")),
    ("api:request-comments", "POST"): Write("member", everything_of(RequestComment)),
    ("api:entitlement-revoke", "POST"): Write("admin", request_rows("approved_a")),
    ("api:entitlement-reconfirm", "POST"): Write("reviewer", request_rows("stale_a")),
    ("api:policy-list", "POST"): Write("admin", everything_of(PolicyVersion)),
    ("api:webhook-list", "POST"): Write("admin", everything_of(WebhookSubscription)),
    ("api:webhook-detail", "PATCH"): Write("admin", lambda w: [WebhookSubscription.objects.filter(pk=w.webhook_a.pk)]),
    ("api:token-list", "POST"): Write("member", everything_of(ApiToken)),
    ("api:token-revoke", "POST"): Write("admin", lambda w: [ApiToken.objects.filter(pk=w.token_rows["token_a"].pk)]),
    # Questions, not writes: they must still refuse what they do not know, and store nothing.
    ("api:decision", "POST"): Write("member", everything_of(AuditEvent)),
    ("api:decision-batch", "POST"): Write(
        "member", everything_of(AuditEvent), into_first_item, fields_of=("api:decision", "POST")
    ),
    ("api:policy-dry-run", "POST"): Write("member", everything_of(AuditEvent)),
}
# DELETE takes no body: there is nothing to assign.
WRITE_OPERATIONS = sorted(op for op in api_operations() if op[1] in UNSAFE_METHODS - {"DELETE"})
# Columns that differ between two identical writes: timestamps, new ids, random secrets, rows made on the way.
VOLATILE = {"id", "key_id", "secret_hash", "secret", "policy_evaluation_id", "hash", "prev_hash"}


@pytest.fixture(scope="module")
def documented():
    return documented_request_fields()


def normalized(querysets: list[QuerySet]) -> list:
    rows = []
    for queryset in querysets:
        for row in queryset.order_by("pk").values():
            rows.append(sorted((k, repr(v)) for k, v in row.items() if k not in VOLATILE and not k.endswith("_at")))
    return rows


def attempt(world: World, route: str, method: str, body: dict | None, write: Write):
    """Perform the write in a savepoint and undo it: (status, response body, rows after)."""
    case = next(c for c in ROUTES[route] if c.method == method)
    with undone():
        response = world.client(write.caller).generic(
            method,
            url_of(world, route, case),
            json.dumps(body) if body is not None else "",
            content_type="application/json",
        )
        after = normalized(write.rows(world))
    return response.status_code, response.content.decode(), after


@contextlib.contextmanager
def undone():
    """A savepoint rolled back at the end. Marked as a test case's own (Django's TestCase marks its atomics the same
    way) so that a service's ``atomic(durable=True)`` inside it behaves as it does in any test, not as nested."""
    savepoint = transaction.atomic()
    savepoint._from_testcase = True
    with savepoint:
        yield
        transaction.set_rollback(True)


def clean_body(world: World, route: str, method: str) -> dict:
    case = next(c for c in ROUTES[route] if c.method == method)
    return case.body(world) if case.body else {}


def test_every_write_operation_is_attacked():
    assert set(WRITES) == set(WRITE_OPERATIONS), "a write operation without a mass-assignment entry (add it)"


def test_no_write_documents_a_protected_field(documented):
    offered = {op: sorted(documented.get(op, frozenset()) & NEVER_INPUT) for op in WRITE_OPERATIONS}
    assert {op: fields for op, fields in offered.items() if fields} == {}


@pytest.mark.parametrize(("route", "method"), WRITE_OPERATIONS, ids=[f"{r[4:]}-{m}" for r, m in WRITE_OPERATIONS])
def test_protected_fields_change_nothing(world, documented, route, method):
    write = WRITES[(route, method)]
    body = clean_body(world, route, method)
    before = normalized(write.rows(world))
    clean_status, clean_text, clean_after = attempt(world, route, method, body, write)
    assert 200 <= clean_status < 300, ("the write itself must work for its caller", clean_text[:300])

    allowed = documented.get(write.fields_of or (route, method), frozenset())
    protected = {k: v for k, v in hostile_values(world).items() if k not in allowed}
    outcomes = {}
    for name, value in protected.items():
        status, text, after = attempt(world, route, method, write.inject(body, name, value), write)
        if status == 400:
            assert name in json.dumps(json.loads(text)["error"]["details"]), (name, text[:300])
            assert after == before, f"refused, yet {name} changed rows"
        else:
            assert status == clean_status and after == clean_after, f"{name}={value!r} changed the result"
        outcomes[name] = status
    assert outcomes, "nothing protected to send?"


BODY_LESS = [("api:request-submit", "POST"), ("api:token-revoke", "POST")]


@pytest.mark.parametrize(("route", "method"), BODY_LESS, ids=[r[4:] for r, _ in BODY_LESS])
def test_an_action_without_input_refuses_a_body_that_sets_fields(world, route, method):
    write = WRITES[(route, method)]
    before = normalized(write.rows(world))
    status, text, after = attempt(world, route, method, {"status": "approved", "version": 987}, write)

    assert status == 400 and after == before, text[:300]

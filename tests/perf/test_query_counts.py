"""Query budgets (NetBox's query_counts): every list and detail endpoint of the API and every portal page has a
budget in tests/perf/query_counts.json, counted on the seeded world of tests/perf/conftest.py. A request that
issues more queries than its budget fails, naming the endpoint, with the queries it ran.

When a new query is intended, raise the budget in the JSON in the same commit (or regenerate the file:
``MODELGATE_RECORD_QUERY_COUNTS=1 pytest tests/perf/test_query_counts.py``, then review the diff). Lower it when a
change saves queries. A new URL must get a budget, or an entry in NOT_BUDGETED saying why not.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.perf.conftest import PerfWorld

BUDGETS_FILE = Path(__file__).with_name("query_counts.json")
BUDGETS: dict[str, int] = json.loads(BUDGETS_FILE.read_text())
RECORDING = os.environ.get("MODELGATE_RECORD_QUERY_COUNTS") == "1"

Url = Callable[[PerfWorld], str]


def api(name: str, **kwargs: Callable[[PerfWorld], object]) -> Url:
    return lambda w: reverse(f"api:{name}", kwargs={k: f(w) for k, f in kwargs.items()})


def page(name: str, query: str = "", **kwargs: Callable[[PerfWorld], object]) -> Url:
    return lambda w: reverse(name, kwargs={k: f(w) for k, f in kwargs.items()}) + query


def model_slug(w):
    return w.models[1].slug


def request_pk(w):
    return w.requests[0].pk


# budget name -> (caller, URL). Budget names are URL names; a second variant of one URL adds "?..." to the name.
CASES: dict[str, tuple[str, Url]] = {
    "api:model-list": ("admin", api("model-list")),
    "api:model-list?search": ("admin", lambda w: reverse("api:model-list") + "?search=chat"),
    "api:model-detail": ("admin", api("model-detail", slug=model_slug)),
    "api:organization-list": ("admin", api("organization-list")),
    "api:organization-detail": ("admin", api("organization-detail", slug=lambda w: w.models[0].publisher.slug)),
    "api:benchmark-list": ("admin", api("benchmark-list")),
    "api:benchmark-detail": ("admin", api("benchmark-detail", slug=lambda w: w.benchmark.slug)),
    "api:syncrun-list": ("admin", api("syncrun-list")),
    "api:syncrun-detail": ("admin", api("syncrun-detail", pk=lambda w: w.sync_runs[0].pk)),
    "api:changeevent-list": ("admin", api("changeevent-list")),
    "api:team-list": ("admin", api("team-list")),
    "api:team-detail": ("admin", api("team-detail", slug=lambda w: w.teams[0].slug)),
    "api:usecase-list": ("admin", api("usecase-list")),
    "api:usecase-detail": ("admin", api("usecase-detail", pk=lambda w: w.use_cases[0].pk)),
    "api:request-list": ("admin", api("request-list")),
    "api:request-detail": ("admin", api("request-detail", pk=request_pk)),
    "api:request-comments": ("member", api("request-comments", pk=request_pk)),
    "api:review-inbox": ("reviewer", api("review-inbox")),
    "api:entitlement-list": ("admin", api("entitlement-list")),
    "api:entitlement-detail": ("admin", api("entitlement-detail", pk=lambda w: w.entitlements[0].pk)),
    "api:policy-list": ("admin", api("policy-list")),
    "api:policy-detail": ("admin", api("policy-detail", version=lambda w: w.policy_version)),
    "api:auditevent-list": ("auditor", api("auditevent-list")),
    "api:webhook-list": ("admin", api("webhook-list")),
    "api:webhook-detail": ("admin", api("webhook-detail", pk=lambda w: w.webhooks[0].pk)),
    "api:token-list": ("admin", api("token-list")),
    "api:export-litellm": ("admin", lambda w: reverse("api:export-litellm") + f"?team={w.teams[0].slug}"),
    "api:export-azure-policy": ("admin", lambda w: reverse("api:export-azure-policy") + f"?team={w.teams[0].slug}"),
    "home": ("member", page("home")),
    "governance:dashboard": ("admin", page("governance:dashboard")),
    "catalog:list": ("admin", page("catalog:list")),
    "catalog:list?search": ("admin", page("catalog:list", "?search=chat")),
    "catalog:model": ("admin", page("catalog:model", slug=model_slug)),
    "catalog:compare": (
        "admin",
        lambda w: reverse("catalog:compare") + "?" + "&".join(f"m={m.slug}" for m in w.models),
    ),
    "catalog:cost-quality": ("admin", page("catalog:cost-quality")),
    "catalog:sync-runs": ("admin", page("catalog:sync-runs")),
    "catalog:changes": ("admin", page("catalog:changes")),
    "governance:can-use": ("member", lambda w: reverse("governance:can-use") + f"?model={w.models[0].slug}"),
    "governance:requests": ("admin", page("governance:requests")),
    "governance:request-new": ("member", page("governance:request-new")),
    "governance:request-precheck": (
        "member",
        lambda w: (
            reverse("governance:request-precheck")
            + f"?team={w.teams[0].pk}&model={w.models[0].slug}&use_case={w.use_cases[0].pk}"
            + "&data_classification=internal"
        ),
    ),
    "governance:request": ("admin", page("governance:request", pk=request_pk)),
    "governance:request-edit": ("member", page("governance:request-edit", pk=lambda w: w.draft.pk)),
    "governance:request-packet": ("admin", page("governance:request-packet", pk=lambda w: w.approved.pk)),
    "governance:reviews": ("reviewer", page("governance:reviews")),
    "governance:teams": ("admin", page("governance:teams")),
    "governance:team": ("admin", page("governance:team", slug=lambda w: w.teams[0].slug)),
    "governance:my-tokens": ("member", page("governance:my-tokens")),
    "governance:audit": ("auditor", page("governance:audit")),
    "governance:audit-verify": ("auditor", page("governance:audit-verify")),
    "governance:audit-export": ("auditor", page("governance:audit-export", fmt=lambda w: "json")),
    "governance:policies": ("admin", page("governance:policies")),
    "governance:policy-version": ("admin", page("governance:policy-version", version=lambda w: w.policy_version)),
    "governance:policy-dry-run": ("admin", page("governance:policy-dry-run")),
    "governance:policy-edit": ("admin", page("governance:policy-edit")),
}

# URL names with no budget, and why. Everything else under api:, catalog:, governance: and "home" needs one.
NOT_BUDGETED = {
    "api:decision": "POST: the hot path; its queries (none on a hit, one on a miss) are tested in tests/api",
    "api:decision-batch": "POST: batch of the decision endpoint",
    "api:auditevent-verify": "walks the whole chain in one query by design; not a list",
    "api:policy-diff": "a computation on two versions, not a list or detail",
    "api:policy-dry-run": "a computation (POST), not a list or detail",
    "api:bench-bare": "benchmark-only view (MODELGATE_BENCH_VIEWS), no database",
}
ACTION_SUFFIXES = ("submit", "withdraw", "approve", "reject", "request-changes", "revoke", "reconfirm", "comment",
                   "decide", "add", "role", "remove", "create", "deactivate")  # fmt: skip


def url_names(resolver=None, namespace: str = "") -> set[str]:
    names = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names |= url_names(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(namespace + entry.name)
    return names


def needs_budget(name: str) -> bool:
    if name == "home":
        return True
    app, _, view = name.partition(":")
    if app not in ("api", "catalog", "governance") or name in NOT_BUDGETED:
        return False
    # POST-only actions (submit, revoke, member add ...) are not pages to budget.
    return not view.endswith(ACTION_SUFFIXES)


def test_every_list_detail_and_page_has_a_budget():
    missing = sorted(name for name in url_names() if needs_budget(name) and name not in CASES)
    assert not missing, f"give these URLs a query budget (or a reason in NOT_BUDGETED): {missing}"
    assert set(CASES) <= set(BUDGETS) or RECORDING, f"no budget in query_counts.json for {set(CASES) - set(BUDGETS)}"


@pytest.fixture(scope="module")
def recorded():
    counts: dict[str, int] = {}
    yield counts
    if RECORDING and counts:
        merged = {**BUDGETS, **counts}
        BUDGETS_FILE.write_text(json.dumps(dict(sorted(merged.items())), indent=2) + "\n")


@pytest.mark.parametrize("name", sorted(CASES))
def test_query_budget(world, name, recorded):
    caller, url = CASES[name]
    client = world.client(caller)
    target = url(world)
    client.get(target)  # warm up what a process loads once (content types, the active policy's parse)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(target)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)  # a streamed export queries while it is read
    assert response.status_code == 200, f"{name} ({target}) answered {response.status_code}"
    recorded[name] = len(queries)
    if RECORDING:
        return
    budget = BUDGETS[name]
    assert len(queries) <= budget, (
        f"{name} ({target}) ran {len(queries)} queries, over its budget of {budget} "
        f"(tests/perf/query_counts.json):\n{listing(queries.captured_queries)}"
    )


def listing(captured: list[dict]) -> str:
    # A statement prepared on the server (the decision loader's) is logged without its text.
    return "\n".join(f"  {(query['sql'] or '(prepared statement)')[:200]}" for query in captured)

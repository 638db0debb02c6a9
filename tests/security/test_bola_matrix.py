"""Broken object-level authorization (OWASP API1), as a matrix generated from the URL router.

Every operation under /api/v1/ x every kind of caller (tests/security/world.py): the status code each one gets, and
that no response, lists included, carries an object the caller may not read. Objects are recognised by their
markers (world.MARKERS: slugs, justifications, comments, webhook URLs, notes, usernames, deployment names) and, in
lists, by id. A response may repeat what the caller sent itself (a slug in the body it is refused for).

``ROUTES`` below is the checked-in table: for each route name, how to reach its object(s) of team A and what each
caller must get. A route the router serves with no entry here fails ``test_every_api_operation_has_a_bola_entry``:
a new endpoint must say who may call it before it ships.

Columns of ``row``: anonymous, member (A), other (B), reviewer, auditor, admin, gateway token, A's token, B's token.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import resolve, reverse

from governance.policy.services import default_rules_yaml
from tests.security.routes import api_operations
from tests.security.world import CALLERS, MARKERS, World

NEW_HOOK = "https://hooks.example.com/modelgate/new"


def row(*codes: int) -> dict[str, int]:
    assert len(codes) == len(CALLERS)
    return dict(zip(CALLERS, codes, strict=True))


@dataclass(frozen=True)
class Case:
    """One call of a route. ``kwargs`` and ``body`` build the URL arguments and JSON body from the world; ``lists``
    names the kind of object a 200 lists in ``results`` (checked id by id); ``catalog``: a catalog route, whose
    public facts (model and offering names) are not team data."""

    method: str
    expected: dict[str, int]
    kwargs: Callable[[World], dict] = lambda w: {}
    body: Callable[[World], dict] | None = None
    query: str = ""
    lists: str | None = None
    catalog: bool = False
    label: str = ""


def get(expected, kwargs=lambda w: {}, **options) -> Case:
    return Case("GET", expected, kwargs, **options)


def post(expected, kwargs=lambda w: {}, body=None, **options) -> Case:
    return Case("POST", expected, kwargs, body, **options)


CATALOG = row(401, 200, 200, 200, 200, 200, 403, 200, 200)
GOVERNANCE_LIST = row(401, 200, 200, 200, 200, 200, 403, 200, 200)
AUDITORS_AND_ADMINS = row(401, 403, 403, 403, 200, 200, 403, 403, 403)
ADMINS_ONLY_WRITE = row(401, 403, 403, 403, 403, 201, 403, 403, 403)
REVIEWERS_DECIDE = row(401, 403, 404, 200, 403, 403, 403, 403, 403)
A_DETAIL_REVIEWED = row(401, 200, 404, 200, 200, 200, 403, 200, 404)
A_DETAIL_UNREVIEWED = row(401, 200, 404, 404, 200, 200, 403, 200, 404)
A_WEBHOOK_CHANGE = row(401, 403, 404, 404, 403, 200, 403, 403, 404)
EXPORT = row(401, 200, 200, 200, 200, 200, 200, 200, 200)
DECIDE_FOR_A = row(401, 200, 403, 403, 200, 200, 200, 200, 403)


def pk(name: str) -> Callable[[World], dict]:
    return lambda w: {"pk": getattr(w, name).pk}


ROUTES: dict[str, list[Case]] = {
    # --- catalog: read-only, no team's data -------------------------------------------------------------------
    "api:model-list": [get(CATALOG, catalog=True)],
    "api:model-detail": [get(CATALOG, lambda w: {"slug": "acme/vision-3"}, catalog=True)],
    "api:organization-list": [get(CATALOG, catalog=True)],
    "api:organization-detail": [get(CATALOG, lambda w: {"slug": "acme"}, catalog=True)],
    "api:benchmark-list": [get(CATALOG, catalog=True)],
    "api:benchmark-detail": [get(CATALOG, lambda w: {"slug": w.benchmark.slug}, catalog=True)],
    "api:syncrun-list": [get(CATALOG, catalog=True)],
    "api:syncrun-detail": [get(CATALOG, lambda w: {"pk": w.sync_run.pk}, catalog=True)],
    "api:changeevent-list": [get(CATALOG, catalog=True)],
    # --- teams and use cases ---------------------------------------------------------------------------------
    "api:team-list": [
        get(GOVERNANCE_LIST),
        post(ADMINS_ONLY_WRITE, body=lambda w: {"slug": "charlie-team", "name": "Team C"}),
    ],
    "api:team-detail": [get(row(401, 200, 404, 404, 200, 200, 403, 200, 404), lambda w: {"slug": "alpha-team"})],
    "api:usecase-list": [
        get(GOVERNANCE_LIST, lists="use_case"),
        post(
            row(401, 201, 400, 400, 403, 201, 403, 201, 400),
            body=lambda w: {"team": "alpha-team", "slug": "alpha-new", "name": "New", "data_classification": "public"},
        ),
    ],
    "api:usecase-detail": [
        get(A_DETAIL_REVIEWED, pk("use_case_a")),
        get(A_DETAIL_UNREVIEWED, pk("spare_use_case_a"), label="unreviewed"),
        Case("PATCH", row(401, 403, 404, 403, 403, 200, 403, 403, 404), pk("use_case_a"), lambda w: {"name": "Re"}),
        Case("DELETE", row(401, 403, 404, 404, 403, 204, 403, 403, 404), pk("spare_use_case_a")),
    ],
    # --- requests --------------------------------------------------------------------------------------------
    "api:request-list": [
        get(GOVERNANCE_LIST, lists="request"),
        post(
            row(401, 201, 400, 400, 403, 403, 403, 201, 400),
            body=lambda w: {
                "team": "alpha-team",
                "model": "acme/chat-1",
                "use_case": "alpha-usecase",
                "data_classification": "internal",
                "justification": "Answer customer questions.",
            },
        ),
    ],
    "api:request-detail": [
        get(A_DETAIL_REVIEWED, pk("in_review_a")),
        get(A_DETAIL_UNREVIEWED, pk("draft_a"), label="draft"),
        Case(
            "PATCH",
            row(401, 200, 404, 404, 403, 403, 403, 403, 404),
            pk("draft_a"),
            lambda w: {"justification": "A better reason."},
        ),
    ],
    "api:request-submit": [post(row(401, 200, 404, 404, 403, 403, 403, 403, 404), pk("draft_a"))],
    "api:request-withdraw": [
        post(row(401, 200, 404, 403, 403, 403, 403, 403, 404), pk("in_review_a"), lambda w: {"reason": "Not needed."})
    ],
    "api:request-approve": [post(REVIEWERS_DECIDE, pk("in_review_a"), lambda w: {"comment": "Fine."})],
    "api:request-reject": [post(REVIEWERS_DECIDE, pk("in_review_a"), lambda w: {"comment": "No."})],
    "api:request-request-changes": [post(REVIEWERS_DECIDE, pk("in_review_a"), lambda w: {"comment": "Which data?"})],
    "api:request-revoke": [
        post(row(401, 403, 404, 403, 403, 200, 403, 403, 404), pk("approved_a"), lambda w: {"reason": "Contract."})
    ],
    "api:request-comments": [
        get(A_DETAIL_REVIEWED, pk("in_review_a"), lists="comment"),
        post(row(401, 201, 404, 201, 403, 201, 403, 201, 404), pk("in_review_a"), lambda w: {"body": "Which data?"}),
    ],
    "api:review-inbox": [get(row(401, 200, 200, 200, 200, 200, 403, 403, 403))],
    # --- entitlements ----------------------------------------------------------------------------------------
    "api:entitlement-list": [get(GOVERNANCE_LIST, lists="entitlement")],
    "api:entitlement-detail": [get(A_DETAIL_REVIEWED, pk("entitlement_a"))],
    "api:entitlement-revoke": [
        post(row(401, 403, 404, 403, 403, 200, 403, 403, 404), pk("entitlement_a"), lambda w: {"reason": "Ended."})
    ],
    "api:entitlement-reconfirm": [
        post(row(401, 403, 404, 200, 403, 200, 403, 403, 403), pk("stale_entitlement_a"), lambda w: {"comment": "Ok"})
    ],
    # --- policy ----------------------------------------------------------------------------------------------
    "api:policy-list": [
        get(AUDITORS_AND_ADMINS),
        post(ADMINS_ONLY_WRITE, body=lambda w: {"rules_yaml": default_rules_yaml() + "\n# reviewed\n", "note": "x"}),
    ],
    "api:policy-diff": [get(AUDITORS_AND_ADMINS, query="a=1&b=1")],
    "api:policy-detail": [get(AUDITORS_AND_ADMINS, lambda w: {"version": 1})],
    "api:policy-dry-run": [
        post(
            row(401, 200, 400, 400, 200, 200, 403, 200, 400),
            body=lambda w: {"team": "alpha-team", "model": "acme/chat-1", "use_case": "alpha-usecase"},
        )
    ],
    # --- audit trail -----------------------------------------------------------------------------------------
    "api:auditevent-list": [get(AUDITORS_AND_ADMINS), get(AUDITORS_AND_ADMINS, query="format=csv", label="csv")],
    "api:auditevent-verify": [get(AUDITORS_AND_ADMINS)],
    # --- webhooks --------------------------------------------------------------------------------------------
    "api:webhook-list": [
        get(GOVERNANCE_LIST, lists="webhook"),
        post(
            row(401, 403, 400, 400, 403, 201, 403, 403, 400),
            body=lambda w: {"team": "alpha-team", "url": NEW_HOOK, "events": ["request.approved"]},
        ),
    ],
    "api:webhook-detail": [
        get(A_DETAIL_UNREVIEWED, pk("webhook_a")),
        Case("PATCH", A_WEBHOOK_CHANGE, pk("webhook_a"), lambda w: {"events": ["entitlement.revoked"]}),
        Case("DELETE", row(401, 403, 404, 404, 403, 204, 403, 403, 404), pk("webhook_a")),
    ],
    # --- tokens ----------------------------------------------------------------------------------------------
    "api:token-list": [
        get(row(401, 200, 200, 200, 200, 200, 403, 403, 403), lists="token"),
        post(
            row(401, 201, 201, 201, 201, 201, 403, 403, 403), body=lambda w: {"name": "cli", "scopes": ["catalog:read"]}
        ),
    ],
    "api:token-revoke": [
        post(row(401, 404, 404, 404, 404, 200, 403, 403, 403), lambda w: {"pk": w.token_rows["token_a"].pk})
    ],
    # --- decisions and gateway exports -----------------------------------------------------------------------
    "api:decision": [post(DECIDE_FOR_A, body=lambda w: {"team": "alpha-team", "model": "acme/vision-3"})],
    "api:decision-batch": [post(DECIDE_FOR_A, body=lambda w: {"items": [{"team": "alpha-team", "model": "vision-3"}]})],
    "api:export-litellm": [get(EXPORT), get(EXPORT, query="format=yaml", label="yaml")],
    "api:export-azure-policy": [get(EXPORT)],
}

CASES = [(route, index, caller) for route, cases in ROUTES.items() for index in range(len(cases)) for caller in CALLERS]


def case_id(route: str, index: int, caller: str) -> str:
    case = ROUTES[route][index]
    return f"{route.removeprefix('api:')}-{case.method}{'-' + case.label if case.label else ''}-{caller}"


# --- calling and reading ---------------------------------------------------------------------------------------


def url_of(world: World, route: str, case: Case) -> str:
    url = reverse(route, kwargs=case.kwargs(world))
    return f"{url}?{case.query}" if case.query else url


def send(world: World, caller: str, route: str, case: Case):
    """The response, and everything the caller itself sent (which a response may repeat)."""
    url = url_of(world, route, case)
    body = json.dumps(case.body(world)) if case.body else ""
    response = world.client(caller).generic(case.method, url, body, content_type="application/json")
    return response, url + body


def text_of(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def leaked_markers(caller: str, case: Case, text: str, sent: str) -> list[str]:
    text, sent = text.lower(), sent.lower()
    return [
        marker.text
        for marker in MARKERS
        if caller not in marker.visible_to
        and not (case.catalog and marker.catalog_public)
        and marker.text not in sent
        and marker.text in text
    ]


def leaked_ids(world: World, caller: str, case: Case, response) -> list[int]:
    if case.lists is None or response.status_code != 200:
        return []
    visible = {m.text: caller in m.visible_to for m in MARKERS}
    foreign = {pk for pk, marker in world.objects_of(case.lists).items() if not visible[marker]}
    listed = {item["id"] for item in response.json()["results"]}
    return sorted(listed & foreign)


# --- the tests -------------------------------------------------------------------------------------------------


def test_every_api_operation_has_a_bola_entry():
    """The router is the source of truth: each (route, method) it serves needs a row in ROUTES."""
    covered = {(route, case.method) for route, cases in ROUTES.items() for case in cases}
    missing = sorted(api_operations() - covered)
    assert not missing, f"new endpoint without a BOLA entry (add it to ROUTES): {missing}"
    stale = sorted(covered - api_operations())
    assert not stale, f"ROUTES names operations the router no longer serves: {stale}"


@pytest.mark.parametrize(("route", "index", "caller"), CASES, ids=[case_id(*c) for c in CASES])
def test_status_and_no_foreign_object(world, route, index, caller):
    case = ROUTES[route][index]
    response, sent = send(world, caller, route, case)
    text = text_of(response)

    assert resolve(url_of(world, route, case).split("?")[0]).view_name == route
    assert response.status_code == case.expected[caller], (route, case.method, caller, text[:500])
    if response.status_code >= 400:
        error = json.loads(text)["error"]
        assert error["code"] and error["message"]
    assert leaked_markers(caller, case, text, sent) == []
    assert leaked_ids(world, caller, case, response) == []


ADMIN_VIEWS = (
    "/api/v1/requests/",
    "/api/v1/entitlements/",
    "/api/v1/use-cases/",
    "/api/v1/webhooks/",
    "/api/v1/tokens/",
    "/api/v1/teams/alpha-team/",
    "/api/v1/teams/bravo-team/",
    "/api/v1/exports/azure-policy/",
)


def test_every_marker_shows_where_it_may_so_the_leak_check_can_fail(world):
    """A positive control: a marker that never renders would make the leak check above pass vacuously."""
    admin = world.client("admin")
    pages = [admin.get(url) for url in ADMIN_VIEWS]
    pages += [admin.get(f"/api/v1/requests/{r.pk}/comments/") for r in (world.in_review_a, world.draft_b)]
    assert {page.status_code for page in pages} == {200}
    seen = " ".join(text_of(page) for page in pages).lower()

    assert [m.text for m in MARKERS if m.text not in seen] == []


def test_a_member_lists_only_their_own_team_everywhere(world):
    """The same rule, read the way a person would: team A's member sees team A and nothing of team B."""
    rob = world.client("member")
    teams = [t["slug"] for t in rob.get("/api/v1/teams/").json()["results"]]
    request_teams = {r["team"] for r in rob.get("/api/v1/requests/").json()["results"]}
    entitlement_teams = {e["team"] for e in rob.get("/api/v1/entitlements/").json()["results"]}
    export_teams = [t["team_alias"] for t in rob.get("/api/v1/exports/litellm/").json()["teams"]]
    azure = rob.get("/api/v1/exports/azure-policy/").json()["parameters"]["allowedModels"]["value"]

    assert teams == ["alpha-team"] and export_teams == ["alpha-team"]
    assert request_teams == {"alpha-team"} and entitlement_teams == {"alpha-team"}
    assert azure == ["alpha-deploy-zq"]
    # Asking for B's export by name reads exactly like asking for a team that does not exist.
    assert rob.get("/api/v1/exports/litellm/?team=bravo-team").status_code == 404
    assert rob.get("/api/v1/exports/litellm/?team=no-such-team").status_code == 404

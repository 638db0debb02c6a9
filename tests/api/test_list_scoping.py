"""Lists show each caller exactly what they may see: nothing of a foreign team leaks through a list, a filter or an
export (OWASP API1: DRF applies no object permission to lists; the selectors scope every queryset first)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

SESSION_AND_TOKENS = ("member", "other", "reviewer", "auditor", "admin", "team_token")


def ids(response, key="id") -> set:
    assert response.status_code == 200, response.json()
    return {item[key] for item in response.json()["results"]}


def expected(world, resource: str, caller: str) -> set:
    w = world
    everything = {
        "requests": {w.in_review.pk, w.draft.pk, w.draft_b.pk},
        "entitlements": {w.entitlement_a.pk, w.entitlement_b.pk},
        "use-cases": {w.use_case_a.pk, w.unused_use_case_a.pk, w.use_case_b.pk},
        "teams": {"search", "billing"},
        "webhooks": {w.webhook_a.pk, w.webhook_b.pk},
    }[resource]
    if caller in ("auditor", "admin"):
        return everything
    ours = {
        "requests": {w.in_review.pk, w.draft.pk},
        "entitlements": {w.entitlement_a.pk},
        "use-cases": {w.use_case_a.pk, w.unused_use_case_a.pk},
        "teams": {"search"},
        "webhooks": {w.webhook_a.pk},
    }[resource]
    theirs = everything - ours
    # The reviewer sees the request they review and its use case, nothing else of either team.
    reviewed = {"requests": {w.in_review.pk}, "use-cases": {w.use_case_a.pk}}.get(resource, set())
    return {"member": ours, "team_token": ours, "other": theirs, "reviewer": reviewed}[caller]


@pytest.mark.parametrize("caller", SESSION_AND_TOKENS)
@pytest.mark.parametrize("resource", ["requests", "entitlements", "use-cases", "teams", "webhooks"])
def test_a_list_holds_exactly_what_the_caller_may_see(shared_world, db, resource, caller):
    key = "slug" if resource == "teams" else "id"
    response = shared_world.client(caller).get(f"/api/v1/{resource}/", {"page_size": 100})

    assert ids(response, key) == expected(shared_world, resource, caller)


@pytest.mark.parametrize("resource", ["requests", "entitlements", "use-cases", "webhooks"])
def test_filtering_by_a_foreign_team_finds_nothing_rather_than_its_objects(shared_world, db, resource):
    response = shared_world.client("member").get(f"/api/v1/{resource}/", {"team": "billing"})

    assert ids(response) == set()


def test_the_review_inbox_lists_only_the_reviewers_pending_reviews(shared_world, db):
    inbox = shared_world.client("reviewer").get("/api/v1/reviews/").json()["results"]
    assert [(r["request"]["id"], r["stage"], r["decision"]) for r in inbox] == [
        (shared_world.in_review.pk, "security", "pending")
    ]
    for caller in ("member", "other", "auditor", "admin"):
        assert shared_world.client(caller).get("/api/v1/reviews/").json()["results"] == []


def test_tokens_list_shows_a_person_their_own_tokens_and_an_admin_of_the_team_its_service_tokens(shared_world, db):
    rob = shared_world.client("member")
    created = rob.post("/api/v1/tokens/", {"name": "laptop", "scopes": ["catalog:read"]}, format="json")
    assert created.status_code == 201

    listed = rob.get("/api/v1/tokens/").json()["results"]
    assert [t["name"] for t in listed] == ["laptop"]
    assert all("token" not in t and "secret_hash" not in t for t in listed)
    tess = shared_world.client("member")
    tess.force_login(shared_world.tess)
    assert {t["name"] for t in tess.get("/api/v1/tokens/").json()["results"]} == {"search-ci"}
    assert {t["name"] for t in shared_world.client("other").get("/api/v1/tokens/").json()["results"]} == set()


@pytest.mark.parametrize(
    ("caller", "teams"),
    [
        ("member", ["search"]),
        ("team_token", ["search"]),
        ("other", ["billing"]),
        ("reviewer", []),
        ("auditor", ["billing", "search"]),
        ("gateway", ["billing", "search"]),
    ],
)
def test_the_litellm_export_covers_the_callers_teams_only(shared_world, db, caller, teams):
    document = shared_world.client(caller).get("/api/v1/exports/litellm/").json()

    assert [team["team_alias"] for team in document["teams"]] == teams
    for team in document["teams"]:
        assert team["models"] == ["acme/embed-2", "embed-2"]  # both teams hold embed-2; chat-1 is only requested

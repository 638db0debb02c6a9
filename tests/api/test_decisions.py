"""POST /api/v1/decisions/ as a gateway meets it: who may ask about which team, the answer's shape, clear 400s,
failing closed, the Server-Timing header, the batch form."""

from __future__ import annotations

import re

import pytest

from governance.api.views import decisions as decision_views
from governance.decisions import loader

pytestmark = pytest.mark.django_db

URL = "/api/v1/decisions/"
BATCH_URL = "/api/v1/decisions/batch/"


def ask(client, **question):
    return client.post(URL, question, format="json")


def test_an_entitled_team_is_allowed_with_its_obligations(world):
    response = ask(world.client("gateway"), team="search", model="EMBED-2", data_classification="internal")

    assert response.status_code == 200
    body = response.json()
    assert body["allow"] is True and body["decision"] == "allow"
    assert body["entitlement"] == world.entitlement_a.pk
    assert (body["team"], body["model"], body["policy_version"]) == ("search", "acme/embed-2", 1)
    assert body["obligations"]["allowed_data_classifications"] == ["public", "internal"]
    assert body["expires_at"] == world.entitlement_a.expires_at.isoformat()
    assert re.fullmatch(r"decide;dur=\d+\.\d{3}", response["Server-Timing"])


def test_a_team_without_an_entitlement_is_denied_with_a_reason(world):
    body = ask(world.client("gateway"), team="search", model="acme/chat-1").json()

    assert body["allow"] is False and body["entitlement"] is None
    assert body["reasons"] == ["team search has no live entitlement for model acme/chat-1"]


def test_a_team_token_asks_about_its_own_team_without_naming_it(world):
    client = world.client("team_token")
    assert ask(client, model="embed-2").json()["allow"] is True
    assert ask(client, team="SEARCH", model="embed-2").json()["team"] == "search"


def test_a_team_token_cannot_ask_about_another_team_even_one_that_does_not_exist(world):
    client = world.client("team_token")
    for team in ("billing", "no-such-team"):
        response = ask(client, team=team, model="embed-2")
        assert response.status_code == 403
        assert response.json()["error"]["message"] == "This token acts for team search; it cannot ask about another."


def test_a_person_asks_only_about_their_teams_and_learns_nothing_about_others(world):
    rob = world.client("member")
    assert ask(rob, team="search", model="embed-2").json()["allow"] is True
    refused = [ask(rob, team=team, model="embed-2") for team in ("billing", "no-such-team")]
    assert [r.status_code for r in refused] == [403, 403]
    assert refused[0].json()["error"]["message"].replace("billing", "X") == refused[1].json()["error"][
        "message"
    ].replace("no-such-team", "X")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"team": "search"}, "model"),
        ({"team": "search", "model": ""}, "model"),
        ({"team": "search", "model": 42}, "model"),
        ({"team": "search", "model": "embed-2", "data_classification": "top-secret"}, "data_classification"),
        ({"team": "search", "model": "embed-2", "classification": "internal"}, "classification"),
        ({"team": "search", "model": "x" * 301}, "model"),
        ({"model": "embed-2"}, "team"),  # a gateway token must name the team
    ],
)
def test_a_malformed_question_is_a_400_naming_the_field(world, body, field):
    response = world.client("gateway").post(URL, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["details"]


def test_a_body_that_is_not_a_json_object_is_a_400(world):
    client = world.client("gateway")
    assert client.post(URL, ["embed-2"], format="json").status_code == 400
    assert client.post(URL, "{not json", content_type="application/json").status_code == 400
    form = client.post(URL, "team=search&model=embed-2", content_type="application/x-www-form-urlencoded")
    assert form.status_code == 415 and form.json()["error"]["code"] == "unsupported_media_type"


def test_an_error_while_deciding_answers_deny_never_allow(world, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database unreachable")

    monkeypatch.setattr(loader, "pair_load", broken)

    response = ask(world.client("gateway"), team="search", model="embed-2")

    assert response.status_code == 200
    assert response.json()["allow"] is False
    assert response.json()["reasons"] == ["internal error"]


def test_an_error_around_the_decision_service_also_answers_deny(world, monkeypatch):
    def broken(**kwargs):
        raise TypeError("unexpected argument")

    monkeypatch.setattr(decision_views, "decide", broken)

    body = ask(world.client("gateway"), team="search", model="embed-2").json()

    assert (body["allow"], body["reasons"]) == (False, ["internal error"])


def test_an_error_after_deciding_is_a_500_not_an_allow(world, monkeypatch):
    def broken(decision):
        raise ValueError("cannot render")

    monkeypatch.setattr(decision_views, "answer", broken)
    client = world.client("gateway")
    client.raise_request_exception = False

    response = ask(client, team="search", model="embed-2")

    assert response.status_code == 500
    assert b'"allow": true' not in response.content and b'"allow":true' not in response.content


def test_a_batch_is_answered_in_order(world):
    items = [
        {"team": "search", "model": "embed-2"},
        {"team": "billing", "model": "embed-2"},
        {"team": "search", "model": "chat-1"},
        {"team": "search", "model": "nobody/unknown"},
    ]
    response = world.client("gateway").post(BATCH_URL, {"items": items}, format="json")

    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["allow"], r["team"]) for r in results] == [
        (True, "search"),
        (True, "billing"),
        (False, "search"),
        (False, "search"),
    ]
    assert results[3]["reasons"] == ["unknown model 'nobody/unknown': no model has that name or alias"]
    assert response["Server-Timing"].startswith("decide;dur=")


@pytest.mark.parametrize(
    "body",
    [
        {"items": []},
        {"items": [{"team": "search", "model": "embed-2"}] * 101},
        {"items": "embed-2"},
        {"items": [{"team": "search", "model": "embed-2"}], "dry": True},
        [],
    ],
    ids=["empty", "101-items", "not-a-list", "extra-key", "not-an-object"],
)
def test_a_malformed_batch_is_a_400(world, body):
    response = world.client("gateway").post(BATCH_URL, body, format="json")

    assert response.status_code == 400
    assert "items" in response.json()["error"]["details"]


def test_a_batch_names_its_invalid_items(world):
    items = [{"team": "search", "model": "embed-2"}, {"team": "search"}, {"model": "x", "colour": "red"}]
    response = world.client("gateway").post(BATCH_URL, {"items": items}, format="json")

    assert response.status_code == 400
    assert set(response.json()["error"]["details"]["items"]) == {"1", "2"}


def test_a_batch_with_one_foreign_team_is_refused_whole_for_a_team_token(world):
    items = [{"model": "embed-2"}, {"team": "billing", "model": "embed-2"}]
    response = world.client("team_token").post(BATCH_URL, {"items": items}, format="json")

    assert response.status_code == 403
    assert response.json()["error"]["message"].startswith("Item 1: ")


def test_only_tokens_with_the_decisions_scope_may_ask(world):
    from governance.services.tokens import api_token_create

    _, reader = api_token_create(actor=world.rob, name="reader", scopes=["catalog:read", "requests:write"])
    world_client = world.client("anonymous")
    world_client.credentials(HTTP_AUTHORIZATION=f"Bearer {reader}")

    assert ask(world_client, team="search", model="embed-2").status_code == 403

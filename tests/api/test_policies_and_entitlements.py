"""Policy versions, their diff and dry runs over the API; an entitlement's re-review and reconfirmation."""

from __future__ import annotations

import pytest

from governance.choices import EntitlementStatus
from governance.models import Entitlement, PolicyEvaluation, PolicyVersion
from governance.policy.services import default_rules_yaml
from governance.services.entitlements import entitlement_mark_needs_review

pytestmark = pytest.mark.django_db

POLICIES = "/api/v1/policies/"


def test_a_new_version_becomes_active_and_the_diff_shows_the_change(world):
    admin = world.client("admin")
    created = admin.post(
        POLICIES, {"rules_yaml": default_rules_yaml() + "# reviewed\n", "note": "Reviewed"}, format="json"
    )

    assert created.status_code == 201
    assert (created.json()["version"], created.json()["is_active"], created.json()["note"]) == (2, True, "Reviewed")
    listed = admin.get(POLICIES).json()["results"]
    assert [(v["version"], v["is_active"]) for v in listed] == [(2, True), (1, False)]
    diff = admin.get(f"{POLICIES}diff/", {"a": 1, "b": 2}).json()
    assert diff["diff"].splitlines()[-1] == "+# reviewed"
    assert admin.get(f"{POLICIES}2/").json()["rules_yaml"].endswith("# reviewed\n")


def test_invalid_rules_are_a_400_naming_every_problem_and_store_nothing(world):
    rules = "version: 1\ndefault: {effect: allow}\nrules:\n  - id: x\n    when: {fact: no.such.fact, equals: 1}\n"
    response = world.client("admin").post(POLICIES, {"rules_yaml": rules}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "policy_invalid"
    assert response.json()["error"]["details"]["errors"]
    assert PolicyVersion.objects.count() == 1


@pytest.mark.parametrize(("query", "status"), [({"a": 1}, 400), ({"a": "one", "b": 1}, 400), ({"a": 1, "b": 9}, 404)])
def test_a_bad_diff_query_is_a_clear_error(world, query, status):
    assert world.client("auditor").get(f"{POLICIES}diff/", query).status_code == status


def test_a_dry_run_explains_what_would_happen_and_stores_nothing(world):
    before = PolicyEvaluation.objects.count()
    response = world.client("member").post(
        f"{POLICIES}dry-run/",
        {"team": "search", "model": "chat-1", "use_case": "ticket-summaries", "data_classification": "internal"},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["outcome"], body["required_stages"], body["policy_version"]) == ("review", ["security"], 1)
    assert body["explanation"].startswith("Policy v1: Review required by: security.")
    assert body["facts"]["use_case.risk_tier"] == "limited"
    assert PolicyEvaluation.objects.count() == before


def test_a_reviewer_reconfirms_an_entitlement_flagged_for_re_review(world):
    world.client("reviewer").post(f"/api/v1/requests/{world.in_review.pk}/approve/", {}, format="json")
    entitlement = Entitlement.objects.get(request=world.in_review)
    entitlement_mark_needs_review(entitlement=entitlement, reason="Price went up 40%.", actor_label="catalog")
    url = f"/api/v1/entitlements/{entitlement.pk}/reconfirm/"

    refused = world.client("member").post(url, {}, format="json")
    reconfirmed = world.client("reviewer").post(url, {"comment": "Still within budget."}, format="json")

    assert refused.status_code == 403
    assert reconfirmed.status_code == 200
    assert (reconfirmed.json()["status"], reconfirmed.json()["needs_review_reason"]) == ("active", "")
    entitlement.refresh_from_db()
    assert entitlement.status == EntitlementStatus.ACTIVE

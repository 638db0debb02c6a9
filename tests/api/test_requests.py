"""Approval requests over HTTP: creation with names a person knows, protected fields, ETag / If-Match, and every
transition's endpoint, legal and illegal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.models import AuditEvent
from governance.choices import EntitlementStatus, RequestStatus
from governance.models import ApprovalRequest, Entitlement, RequestComment

pytestmark = pytest.mark.django_db

NEW_REQUEST = {
    "team": "search",
    "model": "CHAT-1",  # an alias, in any case
    "use_case": "ticket-summaries",
    "data_classification": "internal",
    "justification": "Answer customer questions.",
    "offering": "azure/chat-1",
    "region": "eu",
    "expected_monthly_spend_usd": "1200.50",
}


def url(request, action: str = "") -> str:
    return f"/api/v1/requests/{request.pk if hasattr(request, 'pk') else request}/" + (f"{action}/" if action else "")


def test_creating_a_request_resolves_names_and_returns_it_with_its_etag(world):
    response = world.client("member").post("/api/v1/requests/", NEW_REQUEST, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["Location"] == url(body["id"])
    assert response["ETag"] == '"1"'
    assert {k: body[k] for k in ("team", "model", "offering", "use_case", "status", "requested_by")} == {
        "team": "search",
        "model": "acme/chat-1",
        "offering": "azure/chat-1",
        "use_case": "ticket-summaries",
        "status": "draft",
        "requested_by": "rob",
    }
    assert body["expected_monthly_spend_usd"] == "1200.50"
    created = ApprovalRequest.objects.get(pk=body["id"])
    assert created.expected_monthly_spend_usd == Decimal("1200.50")
    assert (
        AuditEvent.objects.filter(action="approval_request.create", target_id=str(created.pk)).get().actor == world.rob
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("model", "nobody/never-heard-of", "No model is called"),
        ("use_case", "invoices", "has no use case 'invoices'"),  # team B's use case
        ("offering", "bedrock/chat-1", "No offering 'bedrock/chat-1'"),
        ("team", "billing", "No team 'billing'"),
        ("data_classification", "top-secret", "not a valid choice"),
    ],
)
def test_a_bad_name_is_a_400_on_its_field_and_nothing_is_created(world, field, value, message):
    before = ApprovalRequest.objects.count()
    response = world.client("member").post("/api/v1/requests/", {**NEW_REQUEST, field: value}, format="json")

    assert response.status_code == 400
    assert message in response.json()["error"]["details"][field][0]
    assert ApprovalRequest.objects.count() == before


@pytest.mark.parametrize(
    "protected",
    [
        {"status": "approved"},
        {"requested_by": 1},
        {"decided_at": "2030-01-01T00:00:00Z"},
        {"version": 99},
        {"round": 3},
        {"policy_evaluation": 1},
    ],
)
def test_protected_fields_on_create_are_refused_and_never_applied(world, protected):
    before = ApprovalRequest.objects.count()
    response = world.client("member").post("/api/v1/requests/", {**NEW_REQUEST, **protected}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["details"] == {name: ["This field cannot be set here."] for name in protected}
    assert ApprovalRequest.objects.count() == before


@pytest.mark.parametrize(
    "protected", [{"status": "approved"}, {"team": "billing"}, {"requested_by": 5}, {"version": 7}, {"model": "x"}]
)
def test_protected_fields_on_update_are_refused_and_the_request_is_unchanged(world, protected):
    response = world.client("member").patch(url(world.draft), {"justification": "New", **protected}, format="json")

    assert response.status_code == 400
    world.draft.refresh_from_db()
    assert (world.draft.status, world.draft.team, world.draft.version) == ("draft", world.team_a, 1)
    assert world.draft.justification != "New"


def test_a_stale_if_match_is_412_and_the_edit_is_not_applied(world):
    rob = world.client("member")
    etag = rob.get(url(world.draft))["ETag"]
    first = rob.patch(url(world.draft), {"justification": "First edit."}, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200 and first["ETag"] == '"2"'

    # Someone edits with the ETag they loaded before the first edit.
    stale = rob.patch(url(world.draft), {"justification": "Lost update."}, format="json", HTTP_IF_MATCH=etag)

    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "precondition_failed"
    assert stale.json()["error"]["details"] == {"expected_version": 1, "current_version": 2}
    world.draft.refresh_from_db()
    assert world.draft.justification == "First edit."


def test_a_weak_current_etag_matches_and_garbage_never_does(world):
    rob = world.client("member")
    assert rob.patch(url(world.draft), {"region": "us"}, format="json", HTTP_IF_MATCH='W/"1"').status_code == 200
    garbage = rob.patch(url(world.draft), {"region": "eu"}, format="json", HTTP_IF_MATCH='"yesterday"')
    assert garbage.status_code == 412
    world.draft.refresh_from_db()
    assert world.draft.region == "us"


def test_a_stale_if_match_on_submit_is_412_and_the_request_stays_a_draft(world):
    rob = world.client("member")
    rob.patch(url(world.draft), {"justification": "Edited."}, format="json")

    response = rob.post(url(world.draft, "submit"), HTTP_IF_MATCH='"1"')

    assert response.status_code == 412
    world.draft.refresh_from_db()
    assert world.draft.status == RequestStatus.DRAFT


def test_an_unchanged_request_answers_304_to_its_etag(world):
    rob = world.client("member")
    etag = rob.get(url(world.in_review))["ETag"]
    assert rob.get(url(world.in_review), HTTP_IF_NONE_MATCH=etag).status_code == 304


def approved(world):
    assert world.client("reviewer").post(url(world.in_review, "approve"), {}, format="json").status_code == 200
    return world.in_review


def withdrawn(world):
    assert world.client("member").post(url(world.in_review, "withdraw"), {}, format="json").status_code == 200
    return world.in_review


@pytest.mark.parametrize(
    ("setup", "caller", "method", "action", "body"),
    [
        (lambda w: w.in_review, "member", "post", "submit", None),
        (lambda w: w.in_review, "member", "patch", "", {"justification": "Edit while in review."}),
        (approved, "member", "post", "withdraw", {}),
        (approved, "member", "post", "submit", None),
        (withdrawn, "reviewer", "post", "approve", {}),
        (withdrawn, "reviewer", "post", "reject", {"comment": "Too late."}),
        (lambda w: w.draft, "member", "post", "revoke", {"reason": "Nothing to revoke."}),
        (lambda w: w.draft, "member", "post", "withdraw", {}),
    ],
    ids=[
        "submit-in-review",
        "edit-in-review",
        "withdraw-approved",
        "resubmit-approved",
        "approve-withdrawn",
        "reject-withdrawn",
        "revoke-draft",
        "withdraw-twice",
    ],
)
def test_an_illegal_transition_is_a_409_that_changes_nothing(world, setup, caller, method, action, body):
    request = setup(world)
    if action == "withdraw" and request.status == RequestStatus.DRAFT:
        world.client("member").post(url(request, "withdraw"), {}, format="json")
    request.refresh_from_db()
    before = (request.status, request.version, AuditEvent.objects.count())

    response = getattr(world.client(caller), method)(url(request, action), body, format="json")

    assert response.status_code == 409, response.json()
    assert response.json()["error"]["code"] == "conflict"
    request.refresh_from_db()
    assert (request.status, request.version, AuditEvent.objects.count()) == before


def test_reconfirming_an_entitlement_that_needs_no_review_is_a_409(world):
    response = world.client("admin").post(
        f"/api/v1/entitlements/{world.entitlement_a.pk}/reconfirm/", {}, format="json"
    )
    assert response.status_code == 409


def test_approving_grants_the_entitlement_with_the_reviewers_conditions(world):
    response = world.client("reviewer").post(
        url(world.in_review, "approve"),
        {
            "comment": "Fine for internal data.",
            "allowed_data_classifications": ["internal"],
            "monthly_budget_usd": "500",
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "approved"
    assert [(r["stage"], r["decision"], r["decided_by"]) for r in body["reviews"]] == [("security", "approved", "rita")]
    entitlement = Entitlement.objects.get(request=world.in_review)
    assert entitlement.allowed_data_classifications == ["internal"]
    assert entitlement.monthly_budget_usd == Decimal("500")


def test_deciding_twice_is_a_409(world):
    rita = world.client("reviewer")
    assert rita.post(url(world.in_review, "approve"), {}, format="json").status_code == 200
    again = rita.post(url(world.in_review, "reject"), {"comment": "Changed my mind."}, format="json")

    assert again.status_code == 409
    assert Entitlement.objects.filter(request=world.in_review).count() == 1


def test_a_rejection_without_a_reason_is_a_400_and_nothing_is_decided(world):
    response = world.client("reviewer").post(url(world.in_review, "reject"), {}, format="json")

    assert response.status_code == 400
    assert "comment" in response.json()["error"]["details"]
    world.in_review.refresh_from_db()
    assert world.in_review.status == RequestStatus.IN_REVIEW


def test_changes_requested_then_edited_and_resubmitted_opens_a_new_round(world):
    sent_back = world.client("reviewer").post(
        url(world.in_review, "request-changes"), {"comment": "Say which tickets."}, format="json"
    )
    assert sent_back.json()["status"] == "changes_requested"
    rob = world.client("member")
    etag = sent_back["ETag"]
    edited = rob.patch(url(world.in_review), {"justification": "Tier-1 tickets."}, format="json", HTTP_IF_MATCH=etag)
    assert edited.status_code == 200

    resubmitted = rob.post(url(world.in_review, "submit"))

    assert resubmitted.json()["status"] == "in_review" and resubmitted.json()["round"] == 2
    assert [r["decision"] for r in resubmitted.json()["reviews"] if r["round"] == 2] == ["pending"]


def test_revoking_through_the_request_revokes_its_entitlement(world):
    world.client("reviewer").post(url(world.in_review, "approve"), {}, format="json")

    response = world.client("admin").post(url(world.in_review, "revoke"), {"reason": "Contract ended."}, format="json")

    assert response.status_code == 200 and response.json()["status"] == "revoked"
    entitlement = Entitlement.objects.get(request=world.in_review)
    assert (entitlement.status, entitlement.revoke_reason) == (EntitlementStatus.REVOKED, "Contract ended.")
    again = world.client("admin").post(url(world.in_review, "revoke"), {"reason": "Again."}, format="json")
    assert again.status_code == 409


def test_comments_are_listed_oldest_first(world):
    rob, rita = world.client("member"), world.client("reviewer")
    rob.post(url(world.in_review, "comments"), {"body": "Tier-1 only."}, format="json")
    rita.post(url(world.in_review, "comments"), {"body": "Which region?"}, format="json")

    listed = rob.get(url(world.in_review, "comments")).json()["results"]

    assert [(c["author"], c["body"]) for c in listed] == [("rob", "Tier-1 only."), ("rita", "Which region?")]
    assert rob.post(url(world.in_review, "comments"), {"body": "  "}, format="json").status_code == 400
    assert RequestComment.objects.count() == 2


def test_withdrawing_supersedes_the_open_review(world):
    response = world.client("member").post(url(world.in_review, "withdraw"), {"reason": "Not needed."}, format="json")

    assert response.json()["status"] == "withdrawn"
    assert [r["decision"] for r in response.json()["reviews"]] == ["superseded"]
    assert world.client("reviewer").get("/api/v1/reviews/").json()["results"] == []

"""The reviewer inbox and a reviewer's decisions on the request page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from governance.choices import EntitlementStatus, RequestStatus, StageDecision
from governance.models import Entitlement, StageReview
from tests.factories.governance import TeamFactory, UseCaseFactory, member, reviewer
from tests.governance.conftest import make_model
from tests.governance.views.conftest import query_count, submitted

pytestmark = pytest.mark.django_db

INBOX = reverse("governance:reviews")


def decide_url(approval) -> str:
    return reverse("governance:review-decide", args=[StageReview.objects.get(request=approval).pk])


def decision(approval, **fields) -> dict:
    prefix = f"review-{StageReview.objects.get(request=approval).pk}-"
    return {prefix + name: value for name, value in fields.items()}


def test_the_inbox_lists_pending_reviews_soonest_due_first_and_highlights_overdue(
    client, requester, team, review_use_case, security_reviewer
):
    later = submitted(requester, team, make_model("acme/later"), review_use_case)
    overdue = submitted(requester, team, make_model("acme/overdue"), review_use_case)
    StageReview.objects.filter(request=overdue).update(due_at=timezone.now() - dt.timedelta(days=2))
    client.force_login(security_reviewer)
    response = client.get(INBOX)
    assert [r.request_id for r in response.context["reviews"]] == [overdue.pk, later.pk]
    page = response.content.decode()
    assert page.count('class="overdue"') == 1 and "overdue</span>" in page


def test_the_inbox_is_for_reviewers_only(client, requester):
    client.force_login(requester)
    response = client.get(INBOX)
    assert response.status_code == 403
    assert "you do not review any stage" in response.content.decode()


def test_the_inbox_query_count_does_not_grow_with_rows(
    client, requester, team, review_use_case, security_reviewer, django_assert_max_num_queries
):
    submitted(requester, team, make_model("acme/first"), review_use_case)
    client.force_login(security_reviewer)
    few = query_count(client, INBOX)
    for n in range(5):
        submitted(requester, team, make_model(f"acme/more-{n}"), review_use_case)
    with django_assert_max_num_queries(few):
        assert len(client.get(INBOX).context["reviews"]) == 6


def test_a_reviewer_sees_the_decision_form_on_a_request_of_another_team(client, in_review, security_reviewer):
    client.force_login(security_reviewer)
    response = client.get(reverse("governance:request", args=[in_review.pk]))
    assert response.status_code == 200
    assert [review.stage.slug for review, _ in response.context["decision_forms"]] == ["security"]
    assert "Record decision" in response.content.decode()


def test_approving_with_conditions_grants_an_entitlement_under_them(client, in_review, security_reviewer):
    client.force_login(security_reviewer)
    expires = timezone.localdate() + dt.timedelta(days=90)
    data = decision(
        in_review,
        decision="approve",
        comment="Fine for internal data in the EU.",
        allowed_data_classifications=["public", "internal"],
        allowed_regions="eu",
        monthly_budget_usd="250.00",
        expires_on=expires.isoformat(),
    )
    response = client.post(decide_url(in_review), data, follow=True)
    assert "You approved the Security review." in response.content.decode()
    in_review.refresh_from_db()
    assert in_review.status == RequestStatus.APPROVED
    entitlement = Entitlement.objects.get(request=in_review)
    assert entitlement.status == EntitlementStatus.ACTIVE
    assert entitlement.allowed_data_classifications == ["public", "internal"]
    assert entitlement.allowed_regions == ["eu"] and entitlement.monthly_budget_usd == Decimal("250.00")
    assert timezone.localdate(entitlement.expires_at) == expires


def test_a_double_approve_makes_one_transition_and_shows_the_conflict(client, in_review, security_reviewer):
    client.force_login(security_reviewer)
    data = decision(in_review, decision="approve", comment="ok")
    first = client.post(decide_url(in_review), data)
    second = client.post(decide_url(in_review), data)
    assert first.status_code == 302
    assert second.status_code == 409
    assert "can no longer be decided" in second.content.decode()
    assert AuditEvent.objects.filter(action="stage_review.approve").count() == 1
    assert AuditEvent.objects.filter(action="approval_request.approve").count() == 1
    assert Entitlement.objects.filter(request=in_review).count() == 1


def test_rejecting_needs_a_reason_and_nothing_is_decided_without_it(client, in_review, security_reviewer):
    client.force_login(security_reviewer)
    response = client.post(decide_url(in_review), decision(in_review, decision="reject", comment=""))
    assert response.status_code == 400 and "Say why; the requester reads it." in response.content.decode()
    assert StageReview.objects.get(request=in_review).decision == StageDecision.PENDING


def test_rejecting_with_a_reason_rejects_the_request(client, in_review, security_reviewer):
    client.force_login(security_reviewer)
    client.post(decide_url(in_review), decision(in_review, decision="reject", comment="Trains on prompts."))
    in_review.refresh_from_db()
    assert in_review.status == RequestStatus.REJECTED


def test_bad_conditions_are_shown_on_the_form(client, in_review, security_reviewer):
    client.force_login(security_reviewer)
    past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = client.post(decide_url(in_review), decision(in_review, decision="approve", expires_on=past))
    assert response.status_code == 400 and "Choose a date after today." in response.content.decode()
    assert StageReview.objects.get(request=in_review).decision == StageDecision.PENDING


def test_a_requester_who_is_also_a_reviewer_cannot_decide_their_own_request(client, team, model, review_use_case):
    both = member(team, username="rita-and-rob")
    reviewer_role = reviewer("security", username="helper")
    both.org_roles.create(role="reviewer", stage=reviewer_role.org_roles.get().stage)
    own = submitted(both, team, model, review_use_case)
    client.force_login(both)
    assert client.get(reverse("governance:request", args=[own.pk])).context["decision_forms"] == []
    response = client.post(decide_url(own), decision(own, decision="approve"))
    assert response.status_code == 403 and "segregation of duties" in response.content.decode()
    assert StageReview.objects.get(request=own).decision == StageDecision.PENDING


def test_a_member_of_another_team_cannot_decide(client, in_review):
    outsider = member(TeamFactory(slug="other-team"), username="outsider")
    UseCaseFactory(team=outsider.teams.get())
    client.force_login(outsider)
    response = client.post(decide_url(in_review), decision(in_review, decision="approve"))
    assert response.status_code == 404
    assert StageReview.objects.get(request=in_review).decision == StageDecision.PENDING

"""Every selector is scoped by the acting user first: team A sees nothing of team B's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.exceptions import NotFoundError
from governance import selectors
from governance.choices import RiskTier
from governance.models import StageReview, WebhookDelivery
from governance.services.requests import request_create, request_submit
from tests.factories.governance import (
    EntitlementFactory,
    TeamFactory,
    TeamMembershipFactory,
    UseCaseFactory,
    UserFactory,
    WebhookSubscriptionFactory,
    auditor,
    member,
    reviewer,
)
from tests.governance.conftest import make_model

pytestmark = pytest.mark.django_db


def world_of(slug: str, model, *, risk_tier=RiskTier.LIMITED):
    """A team with a member, a use case, a request in review, an entitlement and a webhook."""
    team = TeamFactory(slug=slug)
    person = member(team, username=f"{slug}-member")
    use_case = UseCaseFactory(team=team, slug=f"{slug}-uc", risk_tier=risk_tier)
    request = request_create(
        actor=person, team=team, model=model, use_case=use_case, data_classification="internal", justification="x"
    )
    request = request_submit(request=request, actor=person)
    entitlement = EntitlementFactory(team=team, model=make_model(f"{slug}/granted"))
    webhook = WebhookSubscriptionFactory(team=team)
    delivery = WebhookDelivery.objects.create(subscription=webhook, event="request.submitted", key=slug, payload={})
    return {
        "delivery": delivery,
        "team": team,
        "member": person,
        "use_case": use_case,
        "request": request,
        "entitlement": entitlement,
        "webhook": webhook,
    }


@pytest.fixture
def two_teams(model, security_reviewer):
    return world_of("alpha", model), world_of("beta", model, risk_tier=RiskTier.HIGH)


def visible(user) -> dict[str, set]:
    return {
        "requests": set(selectors.request_list_for(user).values_list("pk", flat=True)),
        "entitlements": set(selectors.entitlement_list_for(user).values_list("pk", flat=True)),
        "teams": set(selectors.team_list_for(user).values_list("pk", flat=True)),
        "use_cases": set(selectors.use_case_list_for(user).values_list("pk", flat=True)),
        "webhooks": set(selectors.webhook_list_for(user).values_list("pk", flat=True)),
        "deliveries": set(selectors.webhook_delivery_list_for(user).values_list("pk", flat=True)),
    }


def objects_of(world) -> dict[str, set]:
    return {
        "requests": {world["request"].pk},
        "entitlements": {world["entitlement"].pk},
        "teams": {world["team"].pk},
        "use_cases": {world["use_case"].pk},
        "webhooks": {world["webhook"].pk},
        "deliveries": {world["delivery"].pk},
    }


def test_a_team_member_sees_exactly_their_own_teams_objects(two_teams):
    alpha, beta = two_teams
    assert visible(alpha["member"]) == objects_of(alpha)
    assert visible(beta["member"]) == objects_of(beta)


def test_an_invisible_request_is_not_found_rather_than_forbidden(two_teams):
    alpha, beta = two_teams
    with pytest.raises(NotFoundError):
        selectors.request_get_for(alpha["member"], beta["request"].pk)
    with pytest.raises(NotFoundError):
        selectors.entitlement_get_for(alpha["member"], beta["entitlement"].pk)
    with pytest.raises(NotFoundError):
        selectors.request_get_for(alpha["member"], "not-a-number")
    assert selectors.request_get_for(alpha["member"], alpha["request"].pk) == alpha["request"]


def test_a_user_in_no_team_and_no_role_sees_nothing(two_teams):
    assert all(not objects for objects in visible(UserFactory()).values())


def test_a_reviewer_sees_the_requests_of_their_stage_in_every_team_but_not_others(two_teams, legal_reviewer):
    alpha, beta = two_teams
    security = StageReview.objects.filter(stage__slug="security").values_list("request_id", flat=True)
    assert set(selectors.request_list_for(legal_reviewer).values_list("pk", flat=True)) == {beta["request"].pk}
    assert set(security) == {alpha["request"].pk, beta["request"].pk}
    assert set(selectors.use_case_list_for(legal_reviewer).values_list("pk", flat=True)) == {beta["use_case"].pk}
    assert not selectors.webhook_list_for(legal_reviewer).exists()


def test_auditors_and_governance_admins_see_everything(two_teams, gov_admin):
    alpha, beta = two_teams
    everything = {key: objects_of(alpha)[key] | objects_of(beta)[key] for key in objects_of(alpha)}
    assert visible(auditor()) == everything
    assert visible(gov_admin) == everything


def test_the_review_inbox_lists_pending_reviews_of_my_stages_soonest_due_first(two_teams, security_reviewer):
    alpha, beta = two_teams
    StageReview.objects.filter(request=beta["request"], stage__slug="security").update(
        due_at=timezone.now() + dt.timedelta(days=1)
    )
    inbox = list(selectors.review_inbox_for(security_reviewer))
    assert [r.request_id for r in inbox] == [beta["request"].pk, alpha["request"].pk]
    assert not selectors.review_inbox_for(alpha["member"]).exists()


def test_my_own_request_never_appears_in_my_inbox(team, model, review_use_case):
    reviewing_requester = reviewer("security", username="self-reviewer")
    TeamMembershipFactory(team=team, user=reviewing_requester)
    request = request_create(
        actor=reviewing_requester, team=team, model=model, use_case=review_use_case, data_classification="internal",
        justification="Mine",
    )  # fmt: skip
    request_submit(request=request, actor=reviewing_requester)
    assert not selectors.review_inbox_for(reviewing_requester).exists()


def test_listing_requests_costs_the_same_few_queries_however_many_there_are(
    two_teams, gov_admin, model, django_assert_max_num_queries
):
    for index in range(5):
        world_of(f"extra-{index}", model)
    with django_assert_max_num_queries(4):  # roles (2) + the list with its related rows
        rows = [(r.team.slug, r.model.slug, r.use_case.slug, r.requested_by.username)
                for r in selectors.request_list_for(gov_admin)]  # fmt: skip
    assert len(rows) == 7

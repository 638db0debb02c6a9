"""The dashboard at /: my teams' entitlements, my open requests, my reviews, re-reviews, the deprecation radar and
recent catalog changes; and the navigation each role sees."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.choices import ChangeKind, ChangeSignal
from governance.choices import EntitlementStatus
from governance.models import Entitlement
from tests.factories.catalog import ChangeEventFactory
from tests.factories.governance import EntitlementFactory, TeamFactory, UserFactory, auditor
from tests.governance.conftest import make_model
from tests.governance.views.conftest import approved, draft, query_count

pytestmark = pytest.mark.django_db

HOME = reverse("home")


def test_the_home_page_is_the_dashboard_and_needs_sign_in(client):
    response = client.get(HOME)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert reverse("governance:dashboard") == HOME == "/"


def test_my_teams_entitlements_show_their_conditions_and_expiry(
    client, requester, team, model, review_use_case, security_reviewer
):
    soon = timezone.localdate() + dt.timedelta(days=20)
    approved(
        requester,
        team,
        model,
        review_use_case,
        security_reviewer,
        allowed_regions=["eu"],
        monthly_budget_usd="300",
        expires_at=timezone.make_aware(dt.datetime.combine(soon, dt.time(12))),
    )
    client.force_login(requester)
    response = client.get(HOME)
    page = response.content.decode()
    assert [e.model for e in response.context["entitlements"]] == [model]
    assert "regions: eu" in page and "budget: $300.00/month" in page
    assert soon.isoformat() in page and "in 20 d" in page


def test_another_teams_entitlements_do_not_show(client, requester, team):
    other = TeamFactory(slug="other-team")
    EntitlementFactory(team=other, model=make_model("acme/theirs"))
    client.force_login(requester)
    assert client.get(HOME).context["entitlements"] == []


def test_my_open_requests_and_my_reviews(client, requester, team, model, review_use_case, security_reviewer, in_review):
    second = draft(requester, team, make_model("acme/other"), review_use_case)
    client.force_login(requester)
    assert {r.pk for r in client.get(HOME).context["my_requests"]} == {in_review.pk, second.pk}
    client.force_login(security_reviewer)
    response = client.get(HOME)
    assert [r.request_id for r in response.context["inbox"]] == [in_review.pk]
    assert "Reviews waiting for me" in response.content.decode()


def test_a_reviewer_sees_entitlements_needing_re_review(
    client, requester, team, model, review_use_case, security_reviewer
):
    approval = approved(requester, team, model, review_use_case, security_reviewer)
    Entitlement.objects.filter(request=approval).update(
        status=EntitlementStatus.NEEDS_REVIEW, needs_review_reason="Output price rose 40%."
    )
    client.force_login(security_reviewer)
    page = client.get(HOME).content.decode()
    assert "Entitlements needing re-review" in page and "Output price rose 40%." in page
    entitlement = Entitlement.objects.get(request=approval)
    client.post(reverse("governance:entitlement-reconfirm", args=[entitlement.pk]))
    entitlement.refresh_from_db()
    assert entitlement.status == EntitlementStatus.ACTIVE


def test_the_radar_shows_a_retiring_model_with_a_suggested_replacement(client, requester, team):
    retiring = make_model("acme/old-chat", family="chat", retirement_date=timezone.localdate() + dt.timedelta(days=45))
    make_model("acme/new-chat", family="chat")
    EntitlementFactory(team=team, model=retiring)
    client.force_login(requester)
    response = client.get(HOME)
    [(radar_team, item)] = response.context["radar"]
    assert radar_team == team and item.days_left == 45
    assert [r.model.slug for r in item.replacements] == ["acme/new-chat"]
    page = response.content.decode()
    assert "in 45 days" in page and "new-chat" in page


def test_recent_catalog_changes_show_new_models_and_price_moves(client, requester, model):
    ChangeEventFactory(model=model, kind=ChangeKind.CREATED, signal=ChangeSignal.MODEL_ADDED, object_repr="acme/chat-1")
    ChangeEventFactory(model=model, signal=ChangeSignal.PRICE_UP, field="usd", old_value="2.5", new_value="3.0")
    ChangeEventFactory(model=model, signal=ChangeSignal.NONE, field="description")
    client.force_login(requester)
    response = client.get(HOME)
    assert sorted(c.signal for c in response.context["changes"]) == ["model_added", "price_up"]
    assert "Price increased" in response.content.decode()


def test_the_nav_shows_reviews_and_audit_only_to_those_roles(client, requester, security_reviewer):
    client.force_login(requester)
    page = client.get(HOME).content.decode()
    assert 'href="/reviews/"' not in page and 'href="/audit/"' not in page and 'href="/policies/"' in page
    client.force_login(security_reviewer)
    assert 'href="/reviews/"' in client.get(HOME).content.decode()
    client.force_login(auditor(username="audrey"))
    assert 'href="/audit/"' in client.get(HOME).content.decode()


def test_the_dashboard_query_count_does_not_grow_with_rows(
    client, requester, team, review_use_case, security_reviewer, django_assert_max_num_queries
):
    approved(requester, team, make_model("acme/first"), review_use_case, security_reviewer)
    draft(requester, team, make_model("acme/draft-0"), review_use_case)
    client.force_login(requester)
    few = query_count(client, HOME)
    for n in range(4):
        approved(requester, team, make_model(f"acme/more-{n}"), review_use_case, security_reviewer)
        draft(requester, team, make_model(f"acme/draft-{n + 1}"), review_use_case)
    with django_assert_max_num_queries(few):
        response = client.get(HOME)
    assert len(response.context["entitlements"]) == 5 and len(response.context["my_requests"]) == 5


def test_someone_in_no_team_gets_a_helpful_empty_dashboard(client, db):
    client.force_login(UserFactory(username="loner"))
    page = client.get(HOME).content.decode()
    assert "You are not in a team yet" in page

""" "Can my team use this?" on the model card, the Request button, and the catalog's "approved for my team"
filter that governance answers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.choices import LicenseCategory
from governance.models import PolicyEvaluation
from tests.factories.governance import EntitlementFactory, TeamFactory, UserFactory, member
from tests.governance.conftest import make_model
from tests.governance.views.conftest import approved

pytestmark = pytest.mark.django_db

CAN_USE = reverse("governance:can-use")


def test_the_model_card_loads_the_check_and_offers_a_request(client, requester, model):
    client.force_login(requester)
    page = client.get(reverse("catalog:model", args=[model.slug])).content.decode()
    assert f'hx-get="{CAN_USE}?model=acme/chat-1"' in page
    assert f'href="{reverse("governance:request-new")}?model=acme/chat-1">Request access' in page


def test_without_an_entitlement_it_says_what_policy_would_do_and_writes_nothing(client, requester, team, model):
    client.force_login(requester)
    response = client.get(CAN_USE, {"model": model.slug}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert "No entitlement" in page and 'data-outcome="review"' in page and "Security" in page
    assert f"?model=acme/chat-1&amp;team={team.slug}" in page
    assert not PolicyEvaluation.objects.exists()


def test_a_denied_model_says_why_and_offers_no_request(client, requester, team):
    restricted = make_model("acme/research-only", license_category=LicenseCategory.NON_COMMERCIAL)
    client.force_login(requester)
    page = client.get(CAN_USE, {"model": restricted.slug}).content.decode()
    assert 'data-outcome="deny"' in page and "non-commercial" in page
    assert "Request for" not in page


def test_with_an_entitlement_it_says_yes_with_the_conditions(
    client, requester, team, model, review_use_case, security_reviewer
):
    approved(requester, team, model, review_use_case, security_reviewer, allowed_regions=["eu"])
    client.force_login(requester)
    page = client.get(CAN_USE, {"model": model.slug}).content.decode()
    assert ">Yes</span>" in page and "regions: eu" in page and "data: public, internal" in page


def test_each_of_my_teams_gets_its_own_answer(client, requester, team, model, review_use_case, security_reviewer):
    second = TeamFactory(slug="data-science", name="Data Science")
    second.memberships.create(user=requester)
    approved(requester, team, model, review_use_case, security_reviewer)
    client.force_login(requester)
    response = client.get(CAN_USE, {"model": model.slug})
    answers = {a.team.slug: a for a in response.context["answers"]}
    assert answers[team.slug].decision.allowed is True
    assert answers["data-science"].entitlement is None and answers["data-science"].evaluation.outcome == "review"


def test_someone_in_no_team_is_told_so(client, model):
    client.force_login(UserFactory(username="loner"))
    page = client.get(CAN_USE, {"model": model.slug}).content.decode()
    assert "You are not in a team" in page
    catalog_card = client.get(reverse("catalog:model", args=[model.slug])).content.decode()
    assert "Request access" not in catalog_card


def test_an_unknown_model_is_a_404(client, requester):
    client.force_login(requester)
    assert client.get(CAN_USE, {"model": "nobody/nothing"}).status_code == 404


def test_approved_for_my_team_filters_the_catalog(client, requester, team, model, review_use_case, security_reviewer):
    make_model("acme/not-approved")
    approved(requester, team, model, review_use_case, security_reviewer)
    client.force_login(requester)
    response = client.get(reverse("catalog:list"), {"approved_for_team": team.slug})
    assert [m.slug for m in response.context["page"].object_list] == [model.slug]
    assert f'<option value="{team.slug}" selected>' in response.content.decode()


def test_approved_for_another_team_reveals_nothing(client, team, model):
    EntitlementFactory(team=team, model=model)
    client.force_login(member(TeamFactory(slug="other-team"), username="outsider"))
    response = client.get(reverse("catalog:list"), {"approved_for_team": team.slug})
    assert list(response.context["page"].object_list) == []


def test_cost_quality_offers_the_team_filter(client, requester, team, model):
    client.force_login(requester)
    page = client.get(reverse("catalog:cost-quality")).content.decode()
    assert 'name="approved_for_team"' in page and f'<option value="{team.slug}"' in page

"""Team pages: who sees them, members and roles, use cases, tokens (secret shown once), webhooks, entitlements."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from governance import tokens
from governance.choices import EntitlementStatus, TeamRole
from governance.models import ApiToken, Entitlement, TeamMembership, UseCase, WebhookSubscription
from tests.factories.governance import TeamFactory, UserFactory, auditor, member
from tests.governance.conftest import make_model
from tests.governance.views.conftest import approved, query_count

pytestmark = pytest.mark.django_db


def team_url(team, name="governance:team", *args) -> str:
    return reverse(name, args=[team.slug, *args])


def test_a_member_sees_the_team_but_not_the_admin_forms(client, requester, team, review_use_case):
    client.force_login(requester)
    response = client.get(team_url(team))
    page = response.content.decode()
    assert response.status_code == 200 and review_use_case.name in page and "rob" in page
    assert "Add a member" not in page and "Issue a token" not in page


def test_a_team_admin_sees_the_admin_forms(client, team_admin, team):
    client.force_login(team_admin)
    page = client.get(team_url(team)).content.decode()
    assert "Add a member" in page and "Issue a token" in page and "Add a webhook" in page


def test_a_member_of_another_team_gets_404(client, team):
    client.force_login(member(TeamFactory(slug="other-team"), username="outsider"))
    assert client.get(team_url(team)).status_code == 404
    response = client.post(team_url(team, "governance:member-add"), {"username": "outsider", "role": "admin"})
    assert response.status_code == 404
    assert not TeamMembership.objects.filter(team=team, user__username="outsider").exists()


def test_an_auditor_reads_every_team(client, team):
    client.force_login(auditor(username="audrey"))
    assert client.get(team_url(team)).status_code == 200
    assert team in client.get(reverse("governance:teams")).context["teams"]


def test_the_team_list_shows_only_my_teams(client, requester, team):
    TeamFactory(slug="other-team")
    client.force_login(requester)
    assert [t.slug for t in client.get(reverse("governance:teams")).context["teams"]] == [team.slug]


def test_an_admin_adds_a_member_and_changes_a_role(client, team_admin, team, requester):
    newcomer = UserFactory(username="nina")
    client.force_login(team_admin)
    client.post(team_url(team, "governance:member-add"), {"username": "nina", "role": TeamRole.MEMBER})
    assert TeamMembership.objects.get(team=team, user=newcomer).role == TeamRole.MEMBER
    client.post(team_url(team, "governance:member-role", requester.pk), {"role": TeamRole.ADMIN})
    assert TeamMembership.objects.get(team=team, user=requester).role == TeamRole.ADMIN


def test_adding_an_unknown_person_says_so_on_the_form(client, team_admin, team):
    client.force_login(team_admin)
    response = client.post(team_url(team, "governance:member-add"), {"username": "ghost", "role": "member"})
    assert response.status_code == 400 and "No active user is called &#x27;ghost&#x27;." in response.content.decode()


def test_a_plain_member_cannot_add_members(client, requester, team):
    UserFactory(username="nina")
    client.force_login(requester)
    response = client.post(team_url(team, "governance:member-add"), {"username": "nina", "role": "member"})
    assert response.status_code == 403
    assert not TeamMembership.objects.filter(team=team, user__username="nina").exists()


def test_a_member_adds_a_use_case(client, requester, team):
    client.force_login(requester)
    data = {"name": "Contract triage", "data_classification": "confidential", "risk_tier": "limited"}
    client.post(team_url(team, "governance:use-case-add"), data)
    use_case = UseCase.objects.get(team=team, slug="contract-triage")
    assert (use_case.risk_tier, use_case.production) == ("limited", False)


def test_a_token_secret_is_shown_once_and_only_its_hash_is_stored(client, team_admin, team):
    client.force_login(team_admin)
    response = client.post(team_url(team, "governance:token-create"), {"name": "gateway-prod", "scopes": ["decisions"]})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    secret = response.context["new_secret"]["value"]
    token = ApiToken.objects.get(team=team)
    assert secret.startswith(f"mg_{token.key_id}.") and secret in response.content.decode()
    assert token.secret_hash == tokens.secret_hash(secret.split(".", 1)[1]) and secret not in token.secret_hash
    again = client.get(team_url(team)).content.decode()
    assert secret not in again and token.prefix in again


def test_the_team_page_shows_each_tokens_status_and_expiry(client, team_admin, team):
    client.force_login(team_admin)
    create = team_url(team, "governance:token-create")
    client.post(create, {"name": "until-2999", "scopes": ["catalog:read"], "expires_on": "2999-12-31"})
    client.post(create, {"name": "gone", "scopes": ["catalog:read"]})
    gone = ApiToken.objects.get(name="gone")
    assert ApiToken.objects.get(name="until-2999").expires_at.date().isoformat() == "2999-12-31"
    client.post(team_url(team, "governance:token-revoke", gone.pk))
    page = client.get(team_url(team)).content.decode()
    assert re.search(r'badge-ok">active</span>\s*<br><span class="small muted">until 2999-12-31</span>', page)
    assert '<span class="badge badge-bad">revoked</span>' in page


def test_a_token_without_scopes_is_refused_on_the_form(client, team_admin, team):
    client.force_login(team_admin)
    response = client.post(team_url(team, "governance:token-create"), {"name": "nothing"})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_plain_member_cannot_issue_team_tokens(client, requester, team):
    client.force_login(requester)
    response = client.post(team_url(team, "governance:token-create"), {"name": "x", "scopes": ["catalog:read"]})
    assert response.status_code == 403 and not ApiToken.objects.exists()


def test_an_admin_revokes_a_token(client, team_admin, team):
    client.force_login(team_admin)
    client.post(team_url(team, "governance:token-create"), {"name": "ci", "scopes": ["catalog:read"]})
    token = ApiToken.objects.get()
    client.post(team_url(team, "governance:token-revoke", token.pk))
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == team_admin


def test_a_webhook_secret_is_shown_once(client, team_admin, team):
    client.force_login(team_admin)
    data = {"url": "https://hooks.example.com/modelgate", "events": ["request.approved"]}
    response = client.post(team_url(team, "governance:webhook-create"), data)
    subscription = WebhookSubscription.objects.get(team=team)
    assert subscription.secret in response.content.decode()
    assert subscription.secret not in client.get(team_url(team)).content.decode()


def test_a_plain_http_webhook_is_refused_on_the_form(client, team_admin, team):
    client.force_login(team_admin)
    data = {"url": "http://hooks.example.com/x", "events": ["request.approved"]}
    response = client.post(team_url(team, "governance:webhook-create"), data)
    assert response.status_code == 400 and "Webhook URLs must use https://" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_a_team_admin_revokes_an_entitlement_with_a_reason(
    client, requester, team_admin, team, model, review_use_case, security_reviewer
):
    approval = approved(requester, team, model, review_use_case, security_reviewer)
    entitlement = Entitlement.objects.get(request=approval)
    client.force_login(team_admin)
    url = reverse("governance:entitlement-revoke", args=[entitlement.pk])
    client.post(url, {"reason": "", "next": team_url(team)})
    entitlement.refresh_from_db()
    assert entitlement.status == EntitlementStatus.ACTIVE
    response = client.post(url, {"reason": "Project ended", "next": team_url(team)}, follow=True)
    entitlement.refresh_from_db()
    assert entitlement.status == EntitlementStatus.REVOKED and "revoked" in response.content.decode()


def test_the_team_page_query_count_does_not_grow_with_rows(
    client, requester, team_admin, team, review_use_case, security_reviewer, django_assert_max_num_queries
):
    approved(requester, team, make_model("acme/first"), review_use_case, security_reviewer)
    client.force_login(team_admin)
    url = team_url(team)
    few = query_count(client, url)
    for n in range(4):
        approved(requester, team, make_model(f"acme/more-{n}"), review_use_case, security_reviewer)
        member(team)
    with django_assert_max_num_queries(few):
        assert len(client.get(url).context["entitlements"]) == 5

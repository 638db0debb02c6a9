"""My API tokens: a person lists, issues (secret shown once) and revokes their own personal tokens, nobody else's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from governance import tokens
from governance.models import ApiToken
from governance.services.tokens import api_token_create
from tests.factories.governance import UserFactory

pytestmark = pytest.mark.django_db

MY_TOKENS = reverse("governance:my-tokens")
MODELS_API = "/api/v1/models/"


def revoke_url(token: ApiToken) -> str:
    return reverse("governance:my-token-revoke", args=[token.pk])


def personal(owner, name="laptop", scopes=("catalog:read",), **fields) -> tuple[ApiToken, str]:
    return api_token_create(actor=owner, name=name, scopes=list(scopes), **fields)


def api_status(secret: str) -> int:
    """What the API answers a caller with no session that presents ``secret``."""
    return Client().get(MODELS_API, HTTP_AUTHORIZATION=f"Bearer {secret}").status_code


def test_the_list_shows_only_my_personal_tokens(client, requester, team_admin, team):
    mine, _ = personal(requester, name="rob-laptop")
    personal(team_admin, name="tess-laptop")
    api_token_create(actor=team_admin, name="team-gateway", scopes=["decisions"], team=team)
    client.force_login(requester)
    response = client.get(MY_TOKENS)
    page = response.content.decode()
    assert response.status_code == 200 and response.context["tokens"] == [mine]
    assert "rob-laptop" in page and mine.prefix in page
    assert "tess-laptop" not in page and "team-gateway" not in page


def test_a_governance_admin_also_sees_only_their_own(client, gov_admin, requester):
    """token_list_for gives a governance admin every token; this page is still only theirs."""
    own, _ = personal(gov_admin, name="gina-cli")
    personal(requester, name="rob-laptop")
    client.force_login(gov_admin)
    assert client.get(MY_TOKENS).context["tokens"] == [own]


def test_the_status_of_each_token_is_shown(client, requester):
    personal(requester, name="live", expires_at=timezone.now() + dt.timedelta(days=3))
    expired, _ = personal(requester, name="old", expires_at=timezone.now() + dt.timedelta(days=1))
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    revoked, _ = personal(requester, name="gone")
    ApiToken.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    client.force_login(requester)
    page = client.get(MY_TOKENS).content.decode()
    assert ">active<" in page and ">expired<" in page and ">revoked<" in page


def test_issuing_shows_the_secret_once_and_it_authenticates(client, requester):
    client.force_login(requester)
    response = client.post(MY_TOKENS, {"name": "laptop", "scopes": ["catalog:read"], "expires_on": "2999-12-31"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    secret = response.context["new_secret"]["value"]
    token = ApiToken.objects.get()
    assert (token.user, token.team, token.scopes, token.created_by) == (requester, None, ["catalog:read"], requester)
    assert token.expires_at.date() == dt.date(2999, 12, 31)
    assert secret.startswith(f"mg_{token.key_id}.") and secret in response.content.decode()
    assert token.secret_hash == tokens.secret_hash(secret.split(".", 1)[1])
    assert AuditEvent.objects.filter(action="token.issued", target_id=str(token.pk)).count() == 1
    again = client.get(MY_TOKENS).content.decode()
    assert secret not in again and token.prefix in again
    assert secret not in str(dict(client.session))
    assert api_status(secret) == 200


def test_a_scope_i_may_not_hold_is_a_form_error_and_nothing_is_issued(client, requester):
    client.force_login(requester)
    response = client.post(MY_TOKENS, {"name": "gateway", "scopes": ["catalog:read", "decisions"]})
    page = response.content.decode()
    assert response.status_code == 400 and response.context["new_secret"] is None
    message = "Only a governance admin may issue a 'decisions' or 'admin' token for all teams."
    assert response.context["form"].errors["scopes"] == [message]
    assert message.replace("'", "&#x27;") in page
    assert not ApiToken.objects.exists() and not AuditEvent.objects.filter(action="token.issued").exists()


def test_a_governance_admin_may_issue_a_gateway_token(client, gov_admin):
    client.force_login(gov_admin)
    response = client.post(MY_TOKENS, {"name": "gateway", "scopes": ["decisions"]})
    assert response.status_code == 200 and ApiToken.objects.get(user=gov_admin).scopes == ["decisions"]


def test_a_token_without_scopes_or_with_a_past_expiry_is_refused_on_the_form(client, requester):
    client.force_login(requester)
    assert client.post(MY_TOKENS, {"name": "nothing"}).status_code == 400
    response = client.post(MY_TOKENS, {"name": "old", "scopes": ["catalog:read"], "expires_on": "2000-01-01"})
    assert response.status_code == 400 and "Choose a date after today." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_my_token_stops_it_at_once(client, requester):
    token, secret = personal(requester)
    assert api_status(secret) == 200
    client.force_login(requester)
    response = client.post(revoke_url(token), follow=True)
    assert response.redirect_chain == [(MY_TOKENS, 302)]
    assert f"Token {token.prefix} revoked" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == requester
    assert api_status(secret) == 401


def test_revoking_twice_says_so(client, requester):
    token, _ = personal(requester)
    client.force_login(requester)
    client.post(revoke_url(token))
    response = client.post(revoke_url(token), follow=True)
    assert "This token is already revoked." in response.content.decode()


@pytest.mark.parametrize("whose", ["someone else's", "a team's"])
def test_another_persons_or_a_team_token_is_404_and_stays_live(client, requester, team_admin, team, whose):
    if whose == "a team's":
        token, secret = api_token_create(actor=team_admin, name="gw", scopes=["catalog:read"], team=team)
        client.force_login(team_admin)  # a team admin may revoke it on the team page, but not here
    else:
        token, secret = personal(UserFactory(username="olga"))
        client.force_login(requester)
    assert client.post(revoke_url(token)).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None and api_status(secret) == 200


def test_a_governance_admin_cannot_revoke_someone_elses_token_here(client, gov_admin, requester):
    token, _ = personal(requester)
    client.force_login(gov_admin)
    assert client.post(revoke_url(token)).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_anonymous_is_sent_to_log_in(client, requester):
    token, _ = personal(requester)
    for response in (client.get(MY_TOKENS), client.post(MY_TOKENS, {"name": "x"}), client.post(revoke_url(token))):
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert ApiToken.objects.count() == 1 and ApiToken.objects.get().revoked_at is None


def test_posts_without_the_csrf_token_are_refused(requester):
    token, _ = personal(requester)
    client = Client(enforce_csrf_checks=True)
    client.force_login(requester)
    assert client.post(MY_TOKENS, {"name": "x", "scopes": ["catalog:read"]}).status_code == 403
    assert client.post(revoke_url(token)).status_code == 403
    assert ApiToken.objects.count() == 1 and ApiToken.objects.get().revoked_at is None


def test_the_navigation_links_the_page(client, requester):
    client.force_login(requester)
    assert f'href="{MY_TOKENS}"' in client.get(reverse("governance:dashboard")).content.decode()

"""Which API tokens a person sees: their own and those they issued, their admin teams' service-account tokens, and
every token for governance admins."""

from __future__ import annotations

import pytest

from governance.selectors import token_list_for
from governance.services.tokens import api_token_create

pytestmark = pytest.mark.django_db


def test_people_see_their_own_tokens_team_admins_their_teams_and_governance_admins_all(
    team, requester, team_admin, gov_admin
):
    own, _ = api_token_create(actor=requester, name="laptop", scopes=["catalog:read"])
    service, _ = api_token_create(actor=gov_admin, name="ci", scopes=["catalog:read"], team=team)
    admins_own, _ = api_token_create(actor=gov_admin, name="ops", scopes=["catalog:read"])

    assert list(token_list_for(requester)) == [own]
    assert list(token_list_for(team_admin)) == [service]  # issued by someone else, but their team's
    assert list(token_list_for(gov_admin)) == [admins_own, service, own]  # newest first

"""API tokens as an integrator and a security reviewer meet them: shown once, stored only as a keyed hash, scoped,
revocable at once, and issued only by those allowed to."""

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from core.audit import audit_events
from core.exceptions import ApplicationError, ConflictError, PermissionDeniedError
from governance.choices import OrgRoleKind, TeamRole
from governance.models import ApiToken, OrgRole, Team, TeamMembership
from governance.services.tokens import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db
User = get_user_model()
MODELS_URL = "/api/v1/models/"


@pytest.fixture
def alice():
    return User.objects.create_user("alice", password="pw-alice-123")


@pytest.fixture
def gov_admin():
    user = User.objects.create_user("gina", password="pw-gina-123")
    OrgRole.objects.create(user=user, role=OrgRoleKind.GOVERNANCE_ADMIN)
    return user


@pytest.fixture
def team():
    return Team.objects.create(slug="search", name="Search Platform")


def bearer(api_client, token: str):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api_client


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


def test_the_secret_is_returned_once_and_only_its_keyed_hash_is_stored(alice):
    token, secret = api_token_create(actor=alice, name="ci", scopes=["catalog:read"])
    assert secret.startswith(f"mg_{token.key_id}.")
    raw_secret = secret.split(".", 1)[1]
    assert len(raw_secret) == 43  # 256 bits, URL-safe base64
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert raw_secret not in str(row)
    assert len(row["secret_hash"]) == 64 and row["secret_hash"] != raw_secret


def test_a_database_dump_contains_none_of_a_thousand_issued_secrets(alice):
    secrets = [api_token_create(actor=alice, name=f"t{i}", scopes=["catalog:read"])[1] for i in range(1000)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT string_agg(t::text, '|') FROM governance_apitoken t")
        tokens_dump = cursor.fetchone()[0]
        cursor.execute("SELECT string_agg(a::text, '|') FROM core_auditevent a")
        audit_dump = cursor.fetchone()[0]
    dump = tokens_dump + audit_dump
    assert not [s for s in secrets if s.split(".", 1)[1] in dump]


def test_a_valid_token_reads_the_catalog_and_a_wrong_scope_is_forbidden(alice, api_client):
    _, reader = api_token_create(actor=alice, name="reader", scopes=["catalog:read"])
    _, writer = api_token_create(actor=alice, name="writer", scopes=["requests:write"])
    assert bearer(api_client, reader).get(MODELS_URL).status_code == 200
    response = bearer(api_client, writer).get(MODELS_URL)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


@pytest.mark.parametrize(
    "header",
    ["Bearer mg_0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "Bearer not-a-token", "Bearer "],
)
def test_unknown_or_malformed_tokens_are_401_with_the_error_shape(api_client, header):
    api_client.credentials(HTTP_AUTHORIZATION=header)
    response = api_client.get(MODELS_URL)
    assert response.status_code == 401
    assert response.json()["error"]["code"] in {"authentication_failed", "not_authenticated"}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_right_id_with_a_wrong_secret_is_refused(alice, api_client):
    token, secret = api_token_create(actor=alice, name="x", scopes=["catalog:read"])
    forged = f"mg_{token.key_id}." + ("A" * 43)
    assert bearer(api_client, forged).get(MODELS_URL).status_code == 401
    assert bearer(api_client, secret).get(MODELS_URL).status_code == 200


def test_revoked_and_expired_tokens_are_refused_at_once(alice, api_client):
    token, secret = api_token_create(actor=alice, name="x", scopes=["catalog:read"])
    assert bearer(api_client, secret).get(MODELS_URL).status_code == 200
    api_token_revoke(actor=alice, token=token)
    assert bearer(api_client, secret).get(MODELS_URL).status_code == 401

    expiring, secret2 = api_token_create(
        actor=alice, name="y", scopes=["catalog:read"], expires_at=timezone.now() + dt.timedelta(hours=1)
    )
    ApiToken.objects.filter(pk=expiring.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert bearer(api_client, secret2).get(MODELS_URL).status_code == 401


def test_issue_and_revoke_are_audited_and_a_second_revoke_conflicts(alice):
    token, _ = api_token_create(actor=alice, name="x", scopes=["catalog:read"])
    api_token_revoke(actor=alice, token=token)
    actions = list(audit_events(target_type="governance.apitoken").values_list("action", flat=True))
    assert sorted(actions) == ["token.issued", "token.revoked"]
    with pytest.raises(ConflictError):
        api_token_revoke(actor=alice, token=token)


def test_someone_else_cannot_revoke_my_token(alice):
    token, _ = api_token_create(actor=alice, name="x", scopes=["catalog:read"])
    mallory = User.objects.create_user("mallory")
    with pytest.raises(PermissionDeniedError):
        api_token_revoke(actor=mallory, token=token)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_gateway_and_admin_tokens_are_for_governance_admins_only(alice, gov_admin):
    with pytest.raises(PermissionDeniedError):
        api_token_create(actor=alice, name="gw", scopes=["decisions"])
    with pytest.raises(PermissionDeniedError):
        api_token_create(actor=alice, name="root", scopes=["admin"])
    token, _ = api_token_create(actor=gov_admin, name="gateway", scopes=["decisions"])
    assert token.team is None and token.scopes == ["decisions"]


def test_team_tokens_need_a_team_admin_and_act_as_the_team_service_account(alice, team):
    with pytest.raises(PermissionDeniedError):
        api_token_create(actor=alice, name="svc", scopes=["decisions"], team=team)
    TeamMembership.objects.create(team=team, user=alice, role=TeamRole.ADMIN)
    alice = User.objects.get(pk=alice.pk)  # a new request: roles are read afresh
    token, _ = api_token_create(actor=alice, name="svc", scopes=["decisions", "catalog:read"], team=team)
    assert token.user.username == "svc-search"
    assert not token.user.has_usable_password()
    assert TeamMembership.objects.filter(team=team, user=token.user).exists()
    with pytest.raises(ApplicationError):
        api_token_create(actor=alice, name="svc2", scopes=["admin"], team=team)


def test_unknown_scopes_and_past_expiry_are_clear_errors(alice):
    with pytest.raises(ApplicationError, match="catalog:write"):
        api_token_create(actor=alice, name="x", scopes=["catalog:write"])
    with pytest.raises(ApplicationError, match="future"):
        api_token_create(actor=alice, name="x", scopes=["catalog:read"], expires_at=timezone.now() - dt.timedelta(1))
    assert not ApiToken.objects.exists()


def test_last_used_is_recorded_without_a_write_per_request(alice, api_client, django_assert_num_queries):
    token, secret = api_token_create(actor=alice, name="x", scopes=["catalog:read"])
    bearer(api_client, secret).get(MODELS_URL)
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    bearer(api_client, secret).get(MODELS_URL)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first


def test_create_api_token_command_prints_a_working_token(alice, api_client):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", "--user", "alice", "--scopes", "catalog:read", stdout=out, stderr=err)
    secret = out.getvalue().strip()
    assert secret.startswith("mg_")
    assert "not shown again" in err.getvalue()
    assert bearer(api_client, secret).get(MODELS_URL).status_code == 200

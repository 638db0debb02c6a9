"""decide(): the allow/deny matrix, name resolution, policy re-check and failing closed.

These run inside the test's transaction, where decide() reads through and caches nothing (see test_cache.py for
the cache)."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from governance.decisions import decide
from governance.decisions import loader as decision_loader
from governance.models import PolicyVersion, Team
from governance.policy.services import policy_active, policy_version_create
from tests.factories.governance import EntitlementFactory, TeamFactory, UseCaseFactory, governance_admin
from tests.governance.policy import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy():
    return policy_active()


@pytest.fixture
def team():
    return TeamFactory(slug="search-platform")


@pytest.fixture
def model():
    chat = world.model("openai/gpt-4o-mini", licence_category="commercial")
    world.alias(chat, "gpt-4o-mini")
    world.alias(chat, "azure/gpt-4o-mini")
    world.offering(chat, regions=["eu-west", "us-east"], zero_data_retention=True)
    return chat


def grant(team, model, **fields):
    return EntitlementFactory(team=team, model=model, **fields)


def test_allow_with_an_active_entitlement_and_its_obligations(policy, team, model):
    entitlement = grant(team, model, allowed_regions=["eu-west"], monthly_budget_usd="500.00", notes="No PII.")

    decision = decide(
        team="search-platform", model="openai/gpt-4o-mini", data_classification="internal", region="eu-west"
    )

    assert decision.allowed
    assert (decision.team, decision.model, decision.entitlement_id) == ("search-platform", model.slug, entitlement.pk)
    assert decision.expires_at == entitlement.expires_at
    assert decision.policy_version == policy.version == 1
    body = decision.as_json()
    assert body["decision"] == "allow"
    assert body["obligations"]["monthly_budget_usd"] == "500"
    assert body["obligations"]["allowed_regions"] == ["eu-west"]
    assert body["obligations"]["allowed_data_classifications"] == ["public", "internal"]
    assert body["obligations"]["conditions"] == "No PII."


@pytest.mark.parametrize("name", ["gpt-4o-mini", "GPT-4o-Mini", "Azure/GPT-4o-mini", "OpenAI/gpt-4o-mini"])
def test_any_alias_or_the_slug_resolves_case_insensitively(policy, team, model, name):
    grant(team, model)
    decision = decide(team="Search-Platform", model=name, data_classification="public")
    assert decision.allowed
    assert decision.model == "openai/gpt-4o-mini"


def test_team_and_model_objects_are_accepted(policy, team, model):
    grant(team, model)
    assert decide(team=team, model=model, data_classification="internal").allowed


def test_unknown_team_or_model_is_denied_with_a_clear_reason(policy, team, model):
    grant(team, model)
    unknown_model = decide(team=team.slug, model="gpt-5-ultra", data_classification="internal")
    assert not unknown_model.allowed
    assert unknown_model.reasons == ("unknown model 'gpt-5-ultra': no model has that name or alias",)
    unknown_team = decide(team="no-such-team", model="gpt-4o-mini")
    assert unknown_team.reasons == ("unknown team 'no-such-team'",)


def test_no_entitlement(policy, team, model):
    decision = decide(team=team.slug, model=model.slug, data_classification="internal")
    assert not decision.allowed
    assert decision.reasons == ("team search-platform has no live entitlement for model openai/gpt-4o-mini",)
    assert decision.entitlement_id is None


def test_revoked_entitlement_says_when_and_why(policy, team, model):
    revoked_at = timezone.now() - dt.timedelta(hours=1)
    grant(team, model, status="revoked", revoked_at=revoked_at, revoke_reason="vendor breach")
    decision = decide(team=team.slug, model=model.slug, data_classification="internal")
    assert not decision.allowed
    assert "was revoked on" in decision.reasons[0]
    assert decision.reasons[0].endswith(": vendor breach)")


def test_expired_by_time_even_before_the_expiry_job_ran(policy, team, model):
    now = timezone.now()
    grant(team, model, granted_at=now - dt.timedelta(days=30), expires_at=now - dt.timedelta(seconds=1))
    decision = decide(team=team.slug, model=model.slug, data_classification="internal")
    assert not decision.allowed
    assert "expired at" in decision.reasons[0]


def test_suspended_denies_and_needs_review_still_allows_with_a_note(policy, team, model):
    grant(team, model, status="suspended")
    assert decide(team=team.slug, model=model.slug, data_classification="internal").reasons[0].endswith("is suspended")
    other = world.model("acme/other", licence_category="permissive")
    grant(team, other, status="needs_review", needs_review_reason="price went up 40%")
    decision = decide(team=team.slug, model=other.slug, data_classification="internal")
    assert decision.allowed
    assert decision.obligations["needs_review"] == "price went up 40%"


@pytest.mark.parametrize(
    ("lifecycle", "retirement_date", "reason"),
    [
        ("retired", None, "model acme/old is retired"),
        ("deprecated", dt.date(2020, 1, 1), "model acme/old was retired on 2020-01-01"),
    ],
)
def test_a_retired_model_is_denied_whatever_the_entitlement(policy, team, lifecycle, retirement_date, reason):
    old = world.model("acme/old", lifecycle=lifecycle, retirement_date=retirement_date)
    grant(team, old)
    assert decide(team=team.slug, model="acme/old", data_classification="internal").reasons == (reason,)


def test_a_deprecated_model_stays_usable_for_an_existing_entitlement(policy, team):
    deprecated = world.model("acme/deprecated", lifecycle="deprecated", retirement_date=dt.date(2099, 1, 1))
    grant(team, deprecated)
    assert decide(team=team.slug, model=deprecated.slug, data_classification="internal").allowed


def test_wrong_region_or_none_stated(policy, team, model):
    grant(team, model, allowed_regions=["eu-west"])
    wrong = decide(team=team.slug, model=model.slug, data_classification="internal", region="us-east")
    assert not wrong.allowed
    assert wrong.reasons[0].endswith("allows regions eu-west, not us-east")
    unstated = decide(team=team.slug, model=model.slug, data_classification="internal")
    assert unstated.reasons[0].endswith("allows regions eu-west; state the region")


def test_region_scoped_entitlement(policy, team, model):
    grant(team, model, region="eu-west")
    assert decide(team=team.slug, model=model.slug, data_classification="internal", region="eu-west").allowed
    assert not decide(team=team.slug, model=model.slug, data_classification="internal", region="us-east").allowed


def test_wrong_data_classification(policy, team, model):
    grant(team, model, allowed_data_classifications=["public"])
    decision = decide(team=team.slug, model=model.slug, data_classification="confidential")
    assert not decision.allowed
    assert decision.reasons[0].endswith("allows public data, not confidential")
    assert decide(team=team.slug, model=model.slug, data_classification="public").allowed


def test_the_use_case_supplies_the_data_classification(policy, team, model):
    use_case = UseCaseFactory(team=team, slug="tickets", data_classification="confidential", risk_tier="limited")
    grant(team, model, use_case=use_case, allowed_data_classifications=["public", "internal"])
    decision = decide(team=team.slug, model=model.slug, use_case="tickets")
    assert not decision.allowed
    assert decision.reasons[0].endswith("allows public, internal data, not confidential")


def test_an_entitlement_for_another_use_case_does_not_admit(policy, team, model):
    granted_for = UseCaseFactory(team=team, slug="search")
    UseCaseFactory(team=team, slug="chatbot")
    grant(team, model, use_case=granted_for)
    decision = decide(team=team.slug, model=model.slug, use_case="chatbot", data_classification="internal")
    assert decision.reasons[0].endswith("was granted for use case search, not chatbot")
    unknown = decide(team=team.slug, model=model.slug, use_case="nope", data_classification="internal")
    assert unknown.reasons == ("team search-platform has no use case 'nope'",)


def test_the_policy_still_denies_a_prohibited_use_case_with_an_entitlement(policy, team, model):
    use_case = UseCaseFactory(team=team, slug="social-scoring", risk_tier="prohibited")
    grant(team, model, use_case=use_case)
    decision = decide(team=team.slug, model=model.slug, data_classification="internal")
    assert not decision.allowed
    assert decision.reasons == (
        "policy v1 rule prohibited-risk-tier: Use case social-scoring is in the prohibited risk tier of the EU AI Act.",
    )


def test_a_new_policy_version_applies_at_once(policy, team, model):
    grant(team, model)
    rules = policy.rules_yaml + (
        "\n  - id: no-openai\n    description: d\n    when: {fact: model.slug, contains: 'openai/'}\n"
        "    effect: deny\n    message: 'OpenAI is paused.'\n"
    )
    policy_version_create(rules_yaml=rules, note="pause", actor=governance_admin())
    decision = decide(team=team.slug, model="gpt-4o-mini", data_classification="internal")
    assert decision.reasons == ("policy v2 rule no-openai: OpenAI is paused.",)
    assert decision.policy_version == 2


def test_no_active_policy_denies(team, model):
    grant(team, model)
    policy_active()
    PolicyVersion.objects.update(is_active=False)
    decision = decide(team=team.slug, model=model.slug, data_classification="internal")
    assert decision.reasons == ("no policy version is active; a governance admin must activate one",)


def test_unknown_data_classification(policy, team, model):
    grant(team, model)
    decision = decide(team=team.slug, model=model.slug, data_classification="top-secret")
    assert not decision.allowed
    assert decision.reasons[0].startswith("unknown data classification 'top-secret'")


def test_fails_closed_on_an_unexpected_error(policy, team, model, monkeypatch):
    grant(team, model)

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(decision_loader, "pair_load", broken)
    decision = decide(team=team.slug, model=model.slug, data_classification="internal")
    assert not decision.allowed
    assert decision.reasons == ("internal error",)
    assert decision.as_json()["decision"] == "deny"


def test_fails_closed_on_a_database_error_and_leaves_the_callers_transaction_usable(policy, team, model, monkeypatch):
    grant(team, model)
    monkeypatch.setattr(decision_loader, "PAIR_SQL", "SELECT no_such_column FROM governance_team")
    assert decide(team=team.slug, model=model.slug, data_classification="internal").reasons == ("internal error",)
    assert connection.in_atomic_block
    assert Team.objects.filter(slug=team.slug).exists()  # the transaction was not poisoned

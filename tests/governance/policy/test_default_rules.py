"""Each rule of the shipped default policy, with facts that trigger it and facts that just miss it."""

import datetime as dt
from decimal import Decimal

import pytest

from governance.policy.engine import evaluate
from governance.policy.services import default_rules_yaml
from governance.policy.validation import parse_rules

DEFAULT = parse_rules(default_rules_yaml())


def facts(**overrides):
    """A question the default policy auto-approves: minimal risk, internal data, GA model, permissive licence."""
    base = {
        "team.slug": "search",
        "team.regulated": False,
        "team.allowed_data_classifications": [],
        "team.allowed_regions": [],
        "model.slug": "acme/model",
        "model.lifecycle": "ga",
        "model.deprecation_date": None,
        "model.retirement_date": None,
        "model.days_until_retirement": None,
        "model.retired": False,
        "model.open_weights": False,
        "model.license": "apache-2.0",
        "model.license_category": "permissive",
        "model.base_models": [],
        "model.inherited_license_categories": [],
        "model.license_categories": ["permissive"],
        "model.license_lineage": ["acme/model: permissive"],
        "provenance.no_distillation_declared": True,
        "provenance.verified": False,
        "provenance.verified_topics": [],
        "provenance.any_disputed": False,
        "provenance.disputed_topics": [],
        "provenance.training_data_categories": ["commercially_licensed"],
        "offering.selected": False,
        "offering.count": 1,
        "offering.channels": ["vendor_api"],
        "offering.regions": ["eu"],
        "offering.zero_data_retention": True,
        "offering.zdr_in_allowed_region": True,
        "offering.trains_on_prompts": False,
        "price.input_usd_per_1m": Decimal("1"),
        "price.output_usd_per_1m": Decimal("2"),
        "use_case.slug": "support",
        "use_case.risk_tier": "minimal",
        "use_case.production": True,
        "use_case.user_facing": False,
        "request.new": True,
        "request.data_classification": "internal",
        "request.region": None,
        "request.data_classification_allowed_for_team": True,
        "request.region_allowed_for_team": None,
        "request.expected_monthly_tokens": None,
        "request.expected_monthly_spend_usd": None,
    }
    unknown = set(overrides) - set(base)
    assert not unknown, f"not a fact of the baseline: {unknown}"
    return base | overrides


def matched(result):
    return [m.rule for m in result.matched_rules]


def test_the_baseline_is_auto_approved_by_the_low_risk_rule():
    result = evaluate(DEFAULT, facts())
    assert result.outcome == "allow"
    assert matched(result) == ["low-risk-auto-approve"]


CASES = [
    # rule, effect, facts that trigger it, facts that just miss it
    ("prohibited-risk-tier", "deny", {"use_case.risk_tier": "prohibited"}, {"use_case.risk_tier": "high"}),
    (
        "retired-model",
        "deny",
        {"model.retired": True, "model.retirement_date": dt.date(2025, 1, 1), "model.days_until_retirement": -3},
        {"model.retired": False, "model.retirement_date": dt.date(2030, 1, 1), "model.days_until_retirement": 900},
    ),
    (
        "deprecated-model-new-request",
        "deny",
        {"model.lifecycle": "deprecated"},
        {"model.lifecycle": "deprecated", "request.new": False},
    ),
    (
        "non-commercial-licence-in-production",
        "deny",
        {
            "model.inherited_license_categories": ["non_commercial"],
            "model.license_categories": ["permissive", "non_commercial"],
        },
        {
            "model.inherited_license_categories": ["non_commercial"],
            "model.license_categories": ["permissive", "non_commercial"],
            "use_case.production": False,
        },
    ),
    (
        "regulated-team-provenance",
        "deny",
        {"team.regulated": True, "provenance.no_distillation_declared": False},
        {"team.regulated": True, "provenance.no_distillation_declared": False, "provenance.verified": True},
    ),
    (
        "regulated-team-provenance",
        "deny",
        {"team.regulated": True, "provenance.training_data_categories": ["public_web"]},
        {"team.regulated": False, "provenance.training_data_categories": ["public_web"]},
    ),
    (
        "data-class-not-allowed-for-team",
        "deny",
        {"request.data_classification_allowed_for_team": False},
        {"request.data_classification_allowed_for_team": True},
    ),
    (
        "region-not-allowed-for-team",
        "deny",
        {"request.region": "us", "request.region_allowed_for_team": False},
        {"request.region": "eu", "request.region_allowed_for_team": True},
    ),
    (
        "restricted-data-needs-zero-retention",
        "deny",
        {"request.data_classification": "restricted", "offering.zdr_in_allowed_region": False},
        {"request.data_classification": "restricted", "offering.zdr_in_allowed_region": True},
    ),
    (
        "high-risk-or-restricted-review",
        "require_stage",
        {"use_case.risk_tier": "high"},
        {"use_case.risk_tier": "limited"},
    ),
    (
        "high-risk-or-restricted-review",
        "require_stage",
        {"request.data_classification": "restricted"},
        {"request.data_classification": "confidential"},
    ),
    (
        "spend-needs-procurement",
        "require_stage",
        {"request.expected_monthly_spend_usd": Decimal("10000.01")},
        {"request.expected_monthly_spend_usd": Decimal("10000.00")},
    ),
    (
        "disputed-provenance",
        "warn",
        {"provenance.any_disputed": True, "provenance.disputed_topics": ["distillation"]},
        {"provenance.any_disputed": False},
    ),
    (
        "trains-on-prompts",
        "warn",
        {"offering.trains_on_prompts": True, "request.data_classification": "internal"},
        {"offering.trains_on_prompts": True, "request.data_classification": "public"},
    ),
    (
        "retiring-soon",
        "warn",
        {"model.days_until_retirement": 30, "model.retirement_date": dt.date(2030, 1, 31)},
        {"model.days_until_retirement": 91, "model.retirement_date": dt.date(2030, 4, 1)},
    ),
]


@pytest.mark.parametrize(("rule", "effect", "trigger", "miss"), CASES, ids=[c[0] for c in CASES])
def test_rule_triggers_and_misses(rule, effect, trigger, miss):
    hit = evaluate(DEFAULT, facts(**trigger))
    assert rule in matched(hit)
    assert rule not in matched(evaluate(DEFAULT, facts(**miss)))
    # Warnings travel with an outcome they do not change (here the baseline's auto-approval).
    expected_outcome = {"deny": "deny", "require_stage": "review", "warn": "allow"}[effect]
    assert hit.outcome == expected_outcome
    if effect == "warn":
        assert len(hit.warnings) == 1


def test_deny_messages_read_well():
    result = evaluate(
        DEFAULT,
        facts(
            **{
                "model.inherited_license_categories": ["non_commercial"],
                "model.license_categories": ["permissive", "non_commercial"],
                "model.license_lineage": ["acme/ft: permissive", "meta/base: non_commercial"],
            }
        ),
    )
    assert result.denials[0].message == (
        "Model acme/model is under a non-commercial licence (acme/ft: permissive, meta/base: non_commercial); "
        "it cannot be used in production."
    )


def test_restricted_data_needs_security_and_legal_when_zero_retention_exists():
    result = evaluate(DEFAULT, facts(**{"request.data_classification": "restricted"}))
    assert (result.outcome, result.required_stages) == ("review", ("security", "legal"))


def test_high_risk_with_big_spend_needs_three_stages():
    result = evaluate(
        DEFAULT, facts(**{"use_case.risk_tier": "high", "request.expected_monthly_spend_usd": Decimal("25000")})
    )
    assert result.required_stages == ("security", "legal", "procurement")


def test_auto_approval_is_withheld_for_an_inherited_unknown_licence_and_the_default_asks_security():
    result = evaluate(DEFAULT, facts(**{"model.license_categories": ["permissive", "unknown"]}))
    assert result.outcome == "review"
    assert result.required_stages == ("security",)
    assert result.default_applied


@pytest.mark.parametrize(
    "override",
    [
        {"use_case.risk_tier": "limited"},
        {"request.data_classification": "confidential"},
        {"model.lifecycle": "preview"},
        {"model.license_categories": ["copyleft"]},
    ],
)
def test_auto_approval_needs_every_condition(override):
    assert evaluate(DEFAULT, facts(**override)).outcome == "review"


def test_no_use_case_means_production_for_the_licence_rule():
    result = evaluate(
        DEFAULT,
        facts(
            **{"use_case.production": None, "use_case.risk_tier": None, "model.license_categories": ["non_commercial"]}
        ),
    )
    assert "non-commercial-licence-in-production" in matched(result)

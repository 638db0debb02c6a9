"""The engine's combination of effects, its conditions and its explanation."""

import datetime as dt
from decimal import Decimal

import pytest

from governance.policy.engine import evaluate
from governance.policy.validation import parse_rules

RULES = parse_rules(
    """
default: {effect: require_stage, stages: [security]}
rules:
  - id: deny-retired
    description: retired models
    when: {fact: model.lifecycle, equals: retired}
    effect: deny
    message: "{model.slug} is retired"
  - id: legal-for-high-risk
    description: high risk
    when: {fact: use_case.risk_tier, equals: high}
    effect: require_stage
    stages: [security, legal]
  - id: procurement-for-spend
    description: spend
    when: {fact: request.expected_monthly_spend_usd, gt: 100}
    effect: require_stage
    stages: [procurement, security]
  - id: warn-disputed
    description: disputed
    when: {fact: provenance.any_disputed, equals: true}
    effect: warn
    message: "disputed: {provenance.disputed_topics}"
  - id: allow-minimal
    description: minimal risk
    when: {fact: use_case.risk_tier, equals: minimal}
    effect: allow
"""
)


def test_deny_wins_over_everything():
    result = evaluate(RULES, {"model.lifecycle": "retired", "model.slug": "m", "use_case.risk_tier": "minimal"})
    assert result.outcome == "deny"
    assert result.required_stages == ()
    assert [m.rule for m in result.matched_rules] == ["deny-retired", "allow-minimal"]
    assert result.denials[0].message == "m is retired"


def test_stages_are_the_union_in_order_of_rules():
    result = evaluate(RULES, {"use_case.risk_tier": "high", "request.expected_monthly_spend_usd": Decimal("101")})
    assert result.outcome == "review"
    assert result.required_stages == ("security", "legal", "procurement")


def test_allow_applies_only_without_stage_or_deny():
    assert evaluate(RULES, {"use_case.risk_tier": "minimal"}).outcome == "allow"
    both = {"use_case.risk_tier": "minimal", "request.expected_monthly_spend_usd": Decimal("500")}
    assert evaluate(RULES, both).outcome == "review"


def test_default_applies_when_nothing_decides_and_says_so():
    result = evaluate(RULES, {"use_case.risk_tier": "limited"})
    assert (result.outcome, result.required_stages, result.default_applied) == ("review", ("security",), True)
    assert "policy default applies: require security" in result.explanation


def test_warnings_do_not_change_the_outcome():
    result = evaluate(
        RULES,
        {
            "use_case.risk_tier": "minimal",
            "provenance.any_disputed": True,
            "provenance.disputed_topics": ["distillation", "origin"],
        },
    )
    assert result.outcome == "allow"
    assert result.warnings == ("disputed: distillation, origin",)


def test_explanation_names_each_matched_rule_and_the_facts_it_used():
    result = evaluate(RULES, {"use_case.risk_tier": "high", "request.expected_monthly_spend_usd": Decimal("1234.50")})
    assert "Review required by: security, legal, procurement." in result.explanation
    assert "Rule 'legal-for-high-risk' (requires security, legal)" in result.explanation
    assert "use_case.risk_tier = high" in result.explanation
    assert "request.expected_monthly_spend_usd = 1234.5" in result.explanation
    assert result.matched_rules[1].as_json()["facts"] == {"request.expected_monthly_spend_usd": "1234.5"}


@pytest.mark.parametrize(
    ("condition", "facts", "expected"),
    [
        ("{fact: request.region, in: [eu, us]}", {"request.region": "eu"}, True),
        ("{fact: request.region, not_in: [eu, us]}", {"request.region": "eu"}, False),
        ("{fact: request.region, not_in: [eu]}", {}, False),  # unknown is never a match ...
        ("{not: {fact: request.region, in: [eu]}}", {}, True),  # ... so ``not`` of it is
        ("{fact: request.region, exists: false}", {"request.region": None}, True),
        (
            "{fact: model.license_categories, in: [permissive, commercial]}",
            {"model.license_categories": ["permissive", "commercial"]},
            True,
        ),
        (
            "{fact: model.license_categories, in: [permissive]}",
            {"model.license_categories": ["permissive", "unknown"]},
            False,
        ),
        (
            "{fact: model.license_categories, not_in: [non_commercial]}",
            {"model.license_categories": ["permissive"]},
            True,
        ),
        (
            "{fact: model.license_categories, contains: non_commercial}",
            {"model.license_categories": ["non_commercial"]},
            True,
        ),
        ("{fact: model.license_categories, equals: [b, a]}", {"model.license_categories": ["a", "b"]}, True),
        ("{fact: model.slug, contains: llama}", {"model.slug": "meta/llama-3"}, True),
        ("{fact: model.days_until_retirement, lte: 30}", {"model.days_until_retirement": 30}, True),
        ("{fact: model.days_until_retirement, lt: 30}", {"model.days_until_retirement": 30}, False),
        ("{fact: model.retirement_date, lt: 2026-01-01}", {"model.retirement_date": dt.date(2025, 12, 31)}, True),
        ("{fact: price.output_usd_per_1m, gte: 10.5}", {"price.output_usd_per_1m": Decimal("10.50")}, True),
        ("{fact: benchmark.mmlu-pro, gt: 70}", {"benchmark.mmlu-pro": Decimal("71.2")}, True),
        (
            "{any: [{fact: team.regulated, equals: true}, {fact: request.region, equals: eu}]}",
            {"request.region": "eu"},
            True,
        ),
        (
            "{all: [{fact: team.regulated, equals: true}, {fact: request.region, equals: eu}]}",
            {"request.region": "eu"},
            False,
        ),
    ],
)
def test_operators(condition, facts, expected):
    rules = parse_rules(
        "default: {effect: deny, message: x}\n"
        f"rules:\n  - {{id: r, description: d, when: {condition}, effect: allow}}\n"
    )
    assert (evaluate(rules, facts).outcome == "allow") is expected

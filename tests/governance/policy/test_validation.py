"""Strict validation of rule sets: every error names its rule and field, and nothing vague gets through."""

import textwrap
from decimal import Decimal

import pytest

from governance.policy.validation import PolicyValidationError, parse_rules

VALID = """
default: {effect: require_stage, stages: [security]}
rules:
  - id: prohibited
    description: Never.
    when: {fact: use_case.risk_tier, equals: prohibited}
    effect: deny
    message: "{use_case.slug} is prohibited"
"""


def errors_of(rules_yaml: str, **kwargs) -> list[tuple[str, str, str]]:
    with pytest.raises(PolicyValidationError) as caught:
        parse_rules(textwrap.dedent(rules_yaml), **kwargs)
    return [(e.rule, e.field, e.message) for e in caught.value.errors]


def rule_set(when: str, extra: str = "effect: deny\n    message: denied") -> str:
    return f"""
default: {{effect: allow}}
rules:
  - id: r1
    description: test rule
    when: {when}
    {extra}
"""


def test_the_valid_example_parses():
    rules = parse_rules(VALID)
    assert [rule.id for rule in rules.rules] == ["prohibited"]
    assert rules.default.stages == ("security",)


def test_unknown_fact_is_named_with_a_suggestion():
    [(rule, field, message)] = errors_of(rule_set("{fact: model.lifecyle, equals: ga}"))
    assert (rule, field) == ("r1", "when.fact")
    assert "unknown fact 'model.lifecyle'" in message
    assert "did you mean 'model.lifecycle'" in message


def test_operator_that_does_not_fit_the_fact_type():
    [(rule, field, message)] = errors_of(rule_set("{fact: model.license_categories, lt: 3}"))
    assert (rule, field) == ("r1", "when.lt")
    assert "'lt' does not apply to model.license_categories, a list" in message


def test_wrong_value_types_are_refused_with_their_path():
    errors = errors_of(
        rule_set(
            "{all: [{fact: team.regulated, equals: 'yes'}, {fact: model.lifecycle, in: ga},"
            " {fact: price.input_usd_per_1m, gt: cheap}]}"
        )
    )
    assert ("r1", "when.all[0].equals", "expected true or false, got 'yes'") in errors
    assert ("r1", "when.all[1].in", "expected a list, got 'ga'") in errors
    assert ("r1", "when.all[2].gt", "expected a number, got 'cheap'") in errors


def test_two_operators_or_none_in_one_comparison():
    [(_, field, message)] = errors_of(rule_set("{fact: model.lifecycle, equals: ga, in: [ga]}"))
    assert field == "when"
    assert "exactly one operator" in message


def test_combinator_must_stand_alone():
    [(_, field, message)] = errors_of(rule_set("{all: [{fact: team.regulated, equals: true}], fact: team.slug}"))
    assert field == "when"
    assert "'all' must be alone" in message


def test_effect_requirements():
    assert ("r1", "message", "required for effect deny: tell the requester why") in errors_of(
        rule_set("{fact: team.regulated, equals: true}", "effect: deny")
    )
    assert any(
        f == "stages" and "required for effect require_stage" in m
        for _, f, m in errors_of(rule_set("{fact: team.regulated, equals: true}", "effect: require_stage"))
    )
    assert any(
        f == "effect" and "one of deny, require_stage, allow, warn" in m
        for _, f, m in errors_of(rule_set("{fact: team.regulated, equals: true}", "effect: block"))
    )
    assert ("r1", "stages", "only an effect of require_stage names stages") in errors_of(
        rule_set("{fact: team.regulated, equals: true}", "effect: allow\n    stages: [security]")
    )


def test_unknown_stage_is_refused_when_stages_are_known():
    errors = errors_of(VALID.replace("prohibited\n    message", "x\n    message"), known_stages=frozenset({"legal"}))
    assert ("default", "stages", "no review stage 'security' exists (known: legal)") in errors


def test_message_placeholder_must_name_a_fact():
    errors = errors_of(VALID.replace("{use_case.slug}", "{use_case.name}"))
    assert errors[0][:2] == ("prohibited", "message")
    assert "unknown fact {use_case.name}" in errors[0][2]


def test_duplicate_ids_unknown_keys_and_missing_fields_are_all_reported_at_once():
    errors = errors_of(
        """
        default: {effect: deny, message: no}
        rules:
          - id: a
            description: one
            when: {fact: team.regulated, equals: true}
            effect: warn
            message: hi
            severity: high
          - id: a
            when: {fact: team.regulated, equals: true}
            effect: allow
        """
    )
    fields = [(rule, field) for rule, field, _ in errors]
    assert ("a", "severity") in fields
    assert ("a", "id") in fields  # the second "a"
    assert ("a", "description") in fields


def test_yaml_errors_say_where():
    [(rule, field, message)] = errors_of("rules: [\n  - id: a\n    when: {fact: x\n")
    assert (rule, field) == ("(rule set)", "yaml")
    assert "not valid YAML at line" in message


def test_a_key_given_twice_is_refused_not_silently_overwritten():
    [(_, field, message)] = errors_of(VALID + "default: {effect: allow}\n")
    assert field == "yaml"
    assert "key 'default' appears twice" in message


def test_top_level_shape():
    assert errors_of("- just\n- a list\n")[0][2].startswith("a rule set is a mapping")
    assert ("(rule set)", "rules", "expected a non-empty list of rules") in errors_of("default: {effect: allow}\n")
    assert ("default", "default", "required: a mapping with an effect (deny, require_stage or allow)") in errors_of(
        "rules:\n  - {id: a, description: d, when: {fact: team.regulated, equals: true}, effect: allow}\n"
    )


def test_the_error_message_lists_every_problem():
    with pytest.raises(PolicyValidationError) as caught:
        parse_rules(rule_set("{fact: nope, equals: 1}", "effect: deny"))
    assert "rule 'r1', field 'when.fact'" in caught.value.message
    assert "rule 'r1', field 'message'" in caught.value.message
    assert caught.value.details["errors"][0]["rule"] == "r1"


def test_an_unquoted_yes_or_no_message_is_explained():
    [(_, field, message)] = errors_of(rule_set("{fact: team.regulated, equals: true}", "effect: deny\n    message: no"))
    assert field == "message"
    assert message == "expected text, got False; put the message in quotes"


def test_numbers_become_exact_decimals():
    rules = parse_rules(rule_set("{fact: price.input_usd_per_1m, gt: 0.1}"))
    assert rules.rules[0].when.value == Decimal("0.1")


def test_rules_are_data_not_code():
    # A YAML tag that would build a Python object is refused by the safe loader.
    errors = errors_of("!!python/object/apply:os.system ['true']\n")
    assert errors[0][1] == "yaml"

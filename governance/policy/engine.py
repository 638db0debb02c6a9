"""The policy engine: a rule set and a dict of facts in, an outcome and its explanation out. Pure, no ORM.

Every rule is evaluated (no first-match): any deny denies; otherwise any require_stage sends the request to
review with the union of those stages; otherwise an allow rule auto-approves; otherwise the rule set's
``default`` applies. Warnings never change the outcome; they travel with it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from governance.policy.language import Outcome, Rule, RuleSet, format_fact, render_message

DENY, REVIEW, ALLOW = "deny", "review", "allow"


@dataclass(frozen=True)
class MatchedRule:
    rule: str
    effect: str
    message: str
    stages: tuple[str, ...] = ()
    # The facts the rule's condition read, with their values: what made it match.
    facts: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "rule": self.rule,
            "effect": self.effect,
            "stages": list(self.stages),
            "message": self.message,
            "facts": {name: jsonable(value) for name, value in self.facts.items()},
        }


@dataclass(frozen=True)
class Evaluation:
    outcome: str  # deny | review | allow
    required_stages: tuple[str, ...]
    matched_rules: tuple[MatchedRule, ...]
    warnings: tuple[str, ...]
    explanation: str
    default_applied: bool = False

    @property
    def denials(self) -> tuple[MatchedRule, ...]:
        return tuple(match for match in self.matched_rules if match.effect == DENY)


def evaluate(rules: RuleSet, facts: dict[str, Any]) -> Evaluation:
    matched = tuple(_match(rule, facts) for rule in rules.rules if rule.when.holds(facts))
    by_effect = {effect: [m for m in matched if m.effect == effect] for effect in ("deny", "require_stage", "allow")}
    warnings = tuple(m.message for m in matched if m.effect == "warn")
    stages = tuple(dict.fromkeys(stage for m in by_effect["require_stage"] for stage in m.stages))
    default_applied = False
    if by_effect["deny"]:
        outcome, stages = DENY, ()
    elif stages:
        outcome = REVIEW
    elif by_effect["allow"]:
        outcome = ALLOW
    else:
        default_applied = True
        outcome, stages = _default(rules.default)
    explanation = _explain(outcome, stages, matched, rules.default if default_applied else None, facts)
    return Evaluation(outcome, stages, matched, warnings, explanation, default_applied)


def _match(rule: Rule, facts: dict) -> MatchedRule:
    used = {name: facts.get(name) for name in rule.when.fact_names()}
    message = render_message(rule.message, facts) if rule.message else rule.description
    return MatchedRule(rule.id, rule.effect, message, rule.stages, used)


def _default(default: Outcome) -> tuple[str, tuple[str, ...]]:
    if default.effect == "require_stage":
        return REVIEW, default.stages
    return (DENY if default.effect == "deny" else ALLOW), ()


def _explain(outcome, stages, matched, default: Outcome | None, facts) -> str:
    headline = {DENY: "Denied", REVIEW: f"Review required by: {', '.join(stages)}", ALLOW: "Allowed"}[outcome]
    lines = [f"{headline}."]
    for match in matched:
        action = f"requires {', '.join(match.stages)}" if match.effect == "require_stage" else match.effect
        used = "; ".join(f"{name} = {format_fact(value)}" for name, value in match.facts.items())
        lines.append(f"- Rule '{match.rule}' ({action}): {match.message} [facts: {used}]")
    if default is not None:
        what = f"require {', '.join(default.stages)}" if default.effect == "require_stage" else default.effect
        reason = f" {render_message(default.message, facts)}" if default.message else ""
        lines.append(f"- No rule decided, so the policy default applies: {what}.{reason}")
    return "\n".join(lines)


def jsonable(value: Any) -> Any:
    """A fact value as JSON: Decimal as text (never float), dates as ISO text, tuples as lists."""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return value

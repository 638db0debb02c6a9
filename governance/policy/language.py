"""The policy rule language: what a rule set is made of, how conditions evaluate and messages render.

A rule set is data, never code: conditions are a fixed set of comparisons over named facts (see
``schema.FACTS``), combined with ``all`` / ``any`` / ``not``. Nothing in a rule is evaluated as Python.

    default: {effect: require_stage, stages: [security]}
    rules:
      - id: prohibited-risk-tier
        description: Prohibited practices are never approved.
        when: {fact: use_case.risk_tier, equals: prohibited}
        effect: deny
        message: "Use case {use_case.slug} is in the prohibited risk tier."

A condition is ``{fact: <name>, <operator>: <value>}`` with one operator among equals, in, not_in, contains,
lt, gt, lte, gte, exists; or ``{all: [...]}``, ``{any: [...]}``, ``{not: {...}}``. A comparison with a fact
that is unknown for the question (no use case, no price) is false; ``exists: false`` tests for that.

Effects: ``deny`` and ``warn`` need a ``message``; ``require_stage`` needs ``stages`` (review stage slugs);
``allow`` takes an optional message. Messages may name facts in braces: ``{model.slug}``.

Pure: no Django, no ORM. Parsing and validation live in ``validation`` (``parse_rules``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.-]*)\}")


@dataclass(frozen=True)
class Condition:
    """One node of a ``when`` tree: a comparison (``fact`` + ``op``) or a combinator over ``children``."""

    op: str
    fact: str | None = None
    value: Any = None
    children: tuple[Condition, ...] = ()

    def holds(self, facts: dict) -> bool:
        if self.op == "all":
            return all(child.holds(facts) for child in self.children)
        if self.op == "any":
            return any(child.holds(facts) for child in self.children)
        if self.op == "not":
            return not self.children[0].holds(facts)
        return _compare(self.op, facts.get(self.fact), self.value)

    def fact_names(self) -> list[str]:
        """Every fact this condition reads, in order of appearance, without repeats."""
        if self.fact is not None:
            return [self.fact]
        names: list[str] = []
        for child in self.children:
            names += [name for name in child.fact_names() if name not in names]
        return names


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    when: Condition
    effect: str
    message: str = ""
    stages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """The rule set's ``default``: what happens when no rule decided."""

    effect: str
    message: str = ""
    stages: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    default: Outcome
    description: str = ""
    stage_slugs: frozenset[str] = field(default_factory=frozenset)


# ---------------------------------------------------------------------------------------------------------------
# Evaluation of one comparison. A fact that is unknown (None) makes every comparison false but ``exists: false``.
# ---------------------------------------------------------------------------------------------------------------


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if op == "exists":
        return (actual is not None) == expected
    if actual is None:
        return False
    if isinstance(actual, list | tuple):
        return _compare_list(op, actual, expected)
    if op == "equals":
        return actual == expected
    if op == "in":
        return actual in expected
    if op == "not_in":
        return actual not in expected
    if op == "contains":
        return expected in actual
    return _ORDER[op](actual, expected)


def _compare_list(op: str, actual: list | tuple, expected: Any) -> bool:
    if op == "equals":
        return sorted(actual) == sorted(expected)
    if op == "in":
        return all(item in expected for item in actual)
    if op == "not_in":
        return not any(item in expected for item in actual)
    if op == "contains":
        return expected in actual
    return False


_ORDER = {
    "lt": lambda a, b: a < b,
    "gt": lambda a, b: a > b,
    "lte": lambda a, b: a <= b,
    "gte": lambda a, b: a >= b,
}


def render_message(template: str, facts: dict) -> str:
    """Fill ``{fact.name}`` placeholders with the facts' values, written for people."""
    return PLACEHOLDER.sub(lambda match: format_fact(facts.get(match.group(1))), template)


def format_fact(value: Any) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(format_fact(item) for item in value) or "none"
    return str(value)

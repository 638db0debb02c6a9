"""Parsing and strict validation of a YAML rule set (the language is described in ``language``).

Errors name the rule and the field, and every error in the set is reported at once, so an admin fixes a draft
in one pass. Pure: no Django, no ORM.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import yaml

from core.exceptions import ApplicationError
from governance.policy import schema
from governance.policy.language import PLACEHOLDER, Condition, Outcome, Rule, RuleSet

EFFECTS = ("deny", "require_stage", "allow", "warn")
DEFAULT_EFFECTS = ("deny", "require_stage", "allow")
COMPARISONS = ("equals", "in", "not_in", "contains", "lt", "gt", "lte", "gte", "exists")
COMBINATORS = ("all", "any", "not")
RULE_KEYS = frozenset({"id", "description", "when", "effect", "message", "stages"})
TOP_KEYS = frozenset({"description", "default", "rules"})
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True)
class RuleError:
    rule: str  # the rule id, "default", or "(rule set)"
    field: str  # a path inside the rule, e.g. "when.all[1].in"
    message: str

    def __str__(self):
        return f"rule '{self.rule}', field '{self.field}': {self.message}"


class PolicyValidationError(ApplicationError):
    """A rule set was refused. ``errors`` lists every problem, each naming its rule and field."""

    code = "policy_invalid"

    def __init__(self, errors: list[RuleError]):
        self.errors = errors
        lines = "; ".join(str(error) for error in errors)
        super().__init__(
            f"The policy has {len(errors)} error(s): {lines}",
            details={"errors": [{"rule": e.rule, "field": e.field, "message": e.message} for e in errors]},
        )


# ---------------------------------------------------------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML that refuses a key given twice (plain YAML keeps the last one silently)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"key {key!r} appears twice", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_rules(rules_yaml: str, *, known_stages: frozenset[str] | None = None) -> RuleSet:
    """Parse and validate a YAML rule set; raise PolicyValidationError naming every problem.

    ``known_stages``, when given, are the review stage slugs that exist: a rule naming another stage is refused,
    since a request sent to a stage nobody reviews would wait forever."""
    try:
        document = yaml.load(rules_yaml, Loader=_StrictLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise PolicyValidationError([RuleError("(rule set)", "yaml", f"not valid YAML{where}: {problem}")]) from exc
    return _Validator(known_stages).rule_set(document)


class _Validator:
    def __init__(self, known_stages: frozenset[str] | None):
        self.known_stages = known_stages
        self.errors: list[RuleError] = []
        self.rule = "(rule set)"

    def fail(self, path: str, message: str) -> None:
        self.errors.append(RuleError(self.rule, path, message))

    def rule_set(self, document: Any) -> RuleSet:
        if not isinstance(document, dict):
            self.fail("(top)", "a rule set is a mapping with 'default' and 'rules'")
            raise PolicyValidationError(self.errors)
        for key in sorted(set(document) - TOP_KEYS, key=str):
            self.fail(str(key), f"unknown key; expected one of {', '.join(sorted(TOP_KEYS))}")
        self.rule = "default"
        default = self.outcome(document.get("default"))
        rules = self.rules(document.get("rules"))
        if self.errors:
            raise PolicyValidationError(self.errors)
        stages = {stage for rule in rules for stage in rule.stages} | set(default.stages)
        return RuleSet(rules, default, str(document.get("description") or ""), frozenset(stages))

    def rules(self, raw: Any) -> tuple[Rule, ...]:
        self.rule = "(rule set)"
        if not isinstance(raw, list) or not raw:
            self.fail("rules", "expected a non-empty list of rules")
            return ()
        seen: set[str] = set()
        parsed = []
        for position, item in enumerate(raw):
            rule = self.one_rule(position, item, seen)
            if rule is not None:
                parsed.append(rule)
        return tuple(parsed)

    def one_rule(self, position: int, raw: Any, seen: set[str]) -> Rule | None:
        self.rule = f"#{position + 1}"
        if not isinstance(raw, dict):
            self.fail("(rule)", "a rule is a mapping with id, description, when and effect")
            return None
        rule_id = raw.get("id")
        if isinstance(rule_id, str) and SLUG.match(rule_id):
            self.rule = rule_id
            if rule_id in seen:
                self.fail("id", "another rule has the same id")
            seen.add(rule_id)
        else:
            self.fail("id", "required: lower-case letters, digits, '-' and '_'")
        for key in sorted(set(raw) - RULE_KEYS, key=str):
            self.fail(str(key), f"unknown key; expected one of {', '.join(sorted(RULE_KEYS))}")
        description = raw.get("description")
        if not isinstance(description, str) or not description.strip():
            self.fail("description", "required: say what the rule is for")
        if "when" not in raw:
            self.fail("when", "required: the condition under which the rule applies")
        when = self.condition(raw.get("when"), "when")
        outcome = self.effect(raw, EFFECTS)
        if outcome is None or when is None:
            return None
        return Rule(rule_id, description or "", when, outcome.effect, outcome.message, outcome.stages)

    def outcome(self, raw: Any) -> Outcome:
        if not isinstance(raw, dict):
            self.fail("default", "required: a mapping with an effect (deny, require_stage or allow)")
            return Outcome("deny", "The policy has no default.")
        for key in sorted(set(raw) - {"effect", "message", "stages"}, key=str):
            self.fail(str(key), "unknown key; expected effect, message or stages")
        return self.effect(raw, DEFAULT_EFFECTS) or Outcome("deny")

    def effect(self, raw: dict, allowed: tuple[str, ...]) -> Outcome | None:
        effect = raw.get("effect")
        if effect not in allowed:
            self.fail("effect", f"required: one of {', '.join(allowed)}; got {effect!r}")
            return None
        message = raw.get("message", "")
        if not isinstance(message, str):
            # YAML reads an unquoted no, yes, on or off as a boolean: say how to fix it.
            self.fail("message", f"expected text, got {message!r}; put the message in quotes")
        elif effect in ("deny", "warn") and not message.strip():
            self.fail("message", f"required for effect {effect}: tell the requester why")
        message = message if isinstance(message, str) else ""
        self.placeholders(message)
        stages = self.stages(raw.get("stages"), needed=effect == "require_stage")
        return Outcome(effect, message, stages)

    def stages(self, raw: Any, *, needed: bool) -> tuple[str, ...]:
        if raw is None:
            if needed:
                self.fail("stages", "required for effect require_stage: a list of review stage slugs")
            return ()
        if not needed:
            self.fail("stages", "only an effect of require_stage names stages")
            return ()
        if not isinstance(raw, list) or not raw or not all(isinstance(s, str) and SLUG.match(s) for s in raw):
            self.fail("stages", "expected a non-empty list of review stage slugs")
            return ()
        if self.known_stages is not None:
            for stage in raw:
                if stage not in self.known_stages:
                    known = ", ".join(sorted(self.known_stages)) or "none"
                    self.fail("stages", f"no review stage '{stage}' exists (known: {known})")
        return tuple(dict.fromkeys(raw))

    def placeholders(self, message: str) -> None:
        for name in PLACEHOLDER.findall(message):
            if schema.fact_type(name) is None:
                self.fail("message", f"names unknown fact {{{name}}}{_suggest(name)}")

    def condition(self, raw: Any, path: str) -> Condition | None:
        if not isinstance(raw, dict) or not raw:
            self.fail(path, "expected a condition: {fact: ..., <operator>: ...} or all / any / not")
            return None
        combinators = [key for key in raw if key in COMBINATORS]
        if combinators:
            if len(raw) != 1:
                self.fail(path, f"'{combinators[0]}' must be alone in its mapping; nest the other keys inside it")
                return None
            return self.combinator(combinators[0], raw[combinators[0]], f"{path}.{combinators[0]}")
        return self.comparison(raw, path)

    def combinator(self, op: str, raw: Any, path: str) -> Condition | None:
        if op == "not":
            child = self.condition(raw, path)
            return Condition("not", children=(child,)) if child else None
        if not isinstance(raw, list) or not raw:
            self.fail(path, "expected a non-empty list of conditions")
            return None
        children = [self.condition(item, f"{path}[{i}]") for i, item in enumerate(raw)]
        if any(child is None for child in children):
            return None
        return Condition(op, children=tuple(children))

    def comparison(self, raw: dict, path: str) -> Condition | None:
        name = raw.get("fact")
        operators = [key for key in raw if key != "fact"]
        if not isinstance(name, str):
            self.fail(f"{path}.fact", "required: the name of a fact")
            return None
        kind = schema.fact_type(name)
        if kind is None:
            self.fail(f"{path}.fact", f"unknown fact '{name}'{_suggest(name)}")
            return None
        if len(operators) != 1 or operators[0] not in COMPARISONS:
            self.fail(path, f"expected exactly one operator among {', '.join(COMPARISONS)}; got {operators}")
            return None
        op = operators[0]
        if op not in kind.operators:
            usable = ", ".join(sorted(kind.operators))
            self.fail(f"{path}.{op}", f"'{op}' does not apply to {name}, a {kind.name} (use one of {usable})")
            return None
        value = self.operand(kind, op, raw[op], f"{path}.{op}")
        return None if value is _INVALID else Condition(op, fact=name, value=value)

    def operand(self, kind: schema.FactType, op: str, raw: Any, path: str) -> Any:
        if op == "exists":
            return raw if isinstance(raw, bool) else self.invalid(path, "expected true or false")
        if op in ("in", "not_in") or (op == "equals" and kind is schema.LIST):
            if not isinstance(raw, list):
                return self.invalid(path, f"expected a list, got {raw!r}")
            items = [self.scalar(kind, item, f"{path}[{i}]") for i, item in enumerate(raw)]
            return _INVALID if _INVALID in items else tuple(items)
        return self.scalar(kind, raw, path)

    def scalar(self, kind: schema.FactType, raw: Any, path: str) -> Any:
        if kind in (schema.STR, schema.LIST):
            return raw if isinstance(raw, str) else self.invalid(path, f"expected text, got {raw!r}")
        if kind is schema.BOOL:
            return raw if isinstance(raw, bool) else self.invalid(path, f"expected true or false, got {raw!r}")
        if kind is schema.DATE:
            ok = isinstance(raw, dt.date) and not isinstance(raw, dt.datetime)
            return raw if ok else self.invalid(path, f"expected a date (YYYY-MM-DD), got {raw!r}")
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            return self.invalid(path, f"expected a number, got {raw!r}")
        if kind is schema.INT and not isinstance(raw, int):
            return self.invalid(path, f"expected a whole number, got {raw!r}")
        # YAML floats become Decimal through their text, so 0.1 stays exactly 0.1.
        return raw if isinstance(raw, int) else Decimal(str(raw))

    def invalid(self, path: str, message: str) -> Any:
        self.fail(path, message)
        return _INVALID


_INVALID = object()


def _suggest(name: str) -> str:
    close = difflib.get_close_matches(name, list(schema.FACTS), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""

"""The answer to "may team X use model Y now?", computed from one PairRow. Pure: no database access.

Allow needs all of: the team and model exist; the model is not retired; a live entitlement (active or
needs_review) admits the question (its region scope, allowed regions and data classes, its use case) and has not
expired; and the active policy, re-evaluated on today's facts as a re-check of an existing entitlement, does not
deny (a use case moved to the prohibited tier, a licence that turned non-commercial ...). Anything else denies,
with reasons a person can act on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from governance.choices import ALLOWING_ENTITLEMENT_STATUSES, EntitlementStatus
from governance.decisions.loader import EntitlementRow, PairRow
from governance.policy.engine import evaluate, jsonable
from governance.policy.facts import FactSources, Question, facts_compute
from governance.policy.language import RuleSet

INTERNAL_ERROR = "internal error"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reasons: tuple[str, ...]
    team: str | None = None  # the team's slug, once resolved
    model: str | None = None  # the model's canonical slug, once resolved (whatever alias was asked)
    entitlement_id: int | None = None
    expires_at: dt.datetime | None = None
    policy_version: int | None = None
    # What the caller must enforce when allowed: data classes, regions, budget, offering, reviewers' notes.
    obligations: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    # Renderings of this (immutable) answer, by whoever presents it: the decision endpoint keeps its JSON body here,
    # so a cached decision is encoded once, not on every request. Not part of the answer's identity.
    rendered: dict[str, bytes] = field(default_factory=dict, compare=False, repr=False)

    @property
    def decision(self) -> str:
        return "allow" if self.allowed else "deny"

    def as_json(self) -> dict:
        return {
            "decision": self.decision,
            "allowed": self.allowed,
            "team": self.team,
            "model": self.model,
            "reasons": list(self.reasons),
            "obligations": jsonable_dict(self.obligations),
            "entitlement_id": self.entitlement_id,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "policy_version": self.policy_version,
            "warnings": list(self.warnings),
        }


def jsonable_dict(values: dict) -> dict:
    return {
        key: (value.isoformat() if isinstance(value, dt.datetime) else jsonable(value)) for key, value in values.items()
    }


def deny(*reasons: str, **context) -> Decision:
    return Decision(False, tuple(reasons), **context)


@dataclass(frozen=True)
class Ask:
    """The question, as the caller put it (names already stripped)."""

    team: str
    model: str
    use_case: str | None = None
    data_classification: str | None = None
    region: str | None = None


def decide_from_row(row: PairRow, ask: Ask, rules: RuleSet, *, now: dt.datetime) -> Decision:
    """The decision for ``ask`` from what the database said (``row``) and the active rules, at ``now``."""
    if row.team is None:
        return deny(f"unknown team '{ask.team}'")
    if row.model is None:
        return deny(f"unknown model '{ask.model}': no model has that name or alias", team=row.team["slug"])
    names = {"team": row.team["slug"], "model": row.model["slug"]}
    policy_version = row.policy.version if row.policy else None
    retired = _retired_reason(row.model, now.date())
    if retired:
        return deny(retired, policy_version=policy_version, **names)
    use_case = None
    if ask.use_case:
        use_case = next((u for u in row.use_cases if u["slug"].lower() == ask.use_case.lower()), None)
        if use_case is None:
            return deny(
                f"team {names['team']} has no use case '{ask.use_case}'", policy_version=policy_version, **names
            )
    entitlement, refusals = _admitting_entitlement(row, ask, use_case, now)
    if entitlement is None:
        return deny(*refusals, policy_version=policy_version, **names)
    use_case = use_case or next((u for u in row.use_cases if u["id"] == entitlement.use_case_id), None)
    return _apply_policy(row, ask, rules, entitlement, use_case, now, names)


def _retired_reason(model: dict, today: dt.date) -> str | None:
    if model["lifecycle"] == "retired":
        return f"model {model['slug']} is retired"
    if model["retirement_date"] and model["retirement_date"] <= today:
        return f"model {model['slug']} was retired on {model['retirement_date'].isoformat()}"
    return None


def _data_class(ask: Ask, use_case: dict | None) -> str | None:
    return ask.data_classification or (use_case or {}).get("data_classification")


def _admitting_entitlement(row: PairRow, ask: Ask, use_case: dict | None, now: dt.datetime):
    """The first live entitlement that admits the question, or None and why each one does not."""
    live = [e for e in row.entitlements if e.live]
    if not live:
        return None, [_no_entitlement_reason(row)]
    # Active before needs_review: prefer the entitlement nobody has questioned.
    live.sort(key=lambda e: (e.status != EntitlementStatus.ACTIVE, e.id))
    refusals = []
    for entitlement in live:
        refusal = _refusal(entitlement, ask, use_case, row.use_cases, now)
        if refusal is None:
            return entitlement, []
        refusals.append(f"entitlement #{entitlement.id} {refusal}")
    return None, refusals


def _no_entitlement_reason(row: PairRow) -> str:
    base = f"team {row.team['slug']} has no live entitlement for model {row.model['slug']}"
    past = next(iter(row.entitlements), None)
    if past is None:
        return base
    if past.status == EntitlementStatus.REVOKED:
        when = past.revoked_at.date().isoformat() if past.revoked_at else "earlier"
        why = f": {past.revoke_reason}" if past.revoke_reason else ""
        return f"{base} (entitlement #{past.id} was revoked on {when}{why})"
    return f"{base} (entitlement #{past.id} is {past.status})"


def _refusal(e: EntitlementRow, ask: Ask, use_case: dict | None, use_cases: list[dict], now) -> str | None:
    if e.status not in ALLOWING_ENTITLEMENT_STATUSES:
        return f"is {e.status}"
    if e.expires_at <= now:
        return f"expired at {e.expires_at.isoformat()}"
    if use_case is not None and e.use_case_id is not None and e.use_case_id != use_case["id"]:
        granted = next((u["slug"] for u in use_cases if u["id"] == e.use_case_id), str(e.use_case_id))
        return f"was granted for use case {granted}, not {use_case['slug']}"
    if e.region and ask.region != e.region:
        return f"is limited to region {e.region}" + (f", not {ask.region}" if ask.region else "; state the region")
    if e.allowed_regions and ask.region not in e.allowed_regions:
        allowed = ", ".join(e.allowed_regions)
        return f"allows regions {allowed}" + (f", not {ask.region}" if ask.region else "; state the region")
    data_class = _data_class(ask, use_case or _use_case_of(e, use_cases))
    if e.allowed_data_classifications and data_class not in e.allowed_data_classifications:
        allowed = ", ".join(e.allowed_data_classifications)
        stated = f", not {data_class}" if data_class else "; state the data classification"
        return f"allows {allowed} data{stated}"
    return None


def _use_case_of(e: EntitlementRow, use_cases: list[dict]) -> dict | None:
    return next((u for u in use_cases if u["id"] == e.use_case_id), None)


def _apply_policy(row, ask, rules, entitlement: EntitlementRow, use_case, now, names) -> Decision:
    policy_version = row.policy.version if row.policy else None
    sources = FactSources(
        team=row.team,
        model=row.model,
        ancestors=row.ancestors,
        claims=row.claims,
        offerings=row.offerings,
        benchmarks=row.benchmarks,
        use_case=use_case,
    )
    question = Question(
        data_classification=_data_class(ask, use_case),
        region=ask.region,
        offering_id=entitlement.offering_id,
        new_request=False,
    )
    evaluation = evaluate(rules, facts_compute(sources, question, today=now.date()))
    context = {"policy_version": policy_version, "warnings": evaluation.warnings, **names}
    # Only a deny *rule* refuses an existing entitlement: the rule set's default is about new requests, which
    # people have already reviewed here.
    if evaluation.denials:
        reasons = [f"policy v{policy_version or '-'} rule {m.rule}: {m.message}" for m in evaluation.denials]
        return deny(*reasons, **context)
    return Decision(
        True,
        (f"entitlement #{entitlement.id} ({entitlement.status}) admits this use",),
        entitlement_id=entitlement.id,
        expires_at=entitlement.expires_at,
        obligations=_obligations(entitlement),
        **context,
    )


def _obligations(e: EntitlementRow) -> dict:
    obligations: dict[str, Any] = {
        "expires_at": e.expires_at,
        "allowed_data_classifications": list(e.allowed_data_classifications),
        "allowed_regions": list(e.allowed_regions) or ([e.region] if e.region else []),
        "monthly_budget_usd": e.monthly_budget_usd,
        "offering_id": e.offering_id,
        "conditions": e.notes,
    }
    if e.status == EntitlementStatus.NEEDS_REVIEW:
        obligations["needs_review"] = e.needs_review_reason or "the catalog changed under this entitlement"
    return obligations

"""``decide``: may this team use this model now? The hot path of every gateway call.

Answered from the per-process cache (governance.decisions.cache) with no database query on a hit and exactly one
on a miss (governance.decisions.loader). It fails closed: any error becomes a deny whose reason is
"internal error", never an allow.
"""

from __future__ import annotations

import logging

from django.db import connection, models, transaction

from governance.choices import DataClassification
from governance.decisions import loader
from governance.decisions.cache import DecisionCache, now, valid_until
from governance.decisions.decision import INTERNAL_ERROR, Ask, Decision, decide_from_row, deny

logger = logging.getLogger(__name__)

CACHE = DecisionCache()


def decide(
    *,
    team: str | models.Model,
    model: str | models.Model,
    use_case: str | None = None,
    data_classification: str | None = None,
    region: str | None = None,
) -> Decision:
    """Allow only if a live entitlement of the team for the model admits this data class and region, the model is
    not retired and the active policy does not deny. ``team`` is a slug (or a Team), ``model`` a slug or any
    alias, case-insensitive (or an AIModel); ``use_case`` is the slug of one of the team's use cases.

    Staleness: a decision reflects every change committed more than a few milliseconds earlier (the version
    notification's delivery), and in the worst case (notifications lost, listener stalled) every change committed
    more than STALE_AFTER_SECONDS (0.6 s) earlier, because the cache is bypassed whenever the listener has not
    confirmed the version within that time. Expiry by time is exact: an entry is never served past the
    entitlement's expires_at. See governance.decisions.cache for why.
    """
    try:
        ask, ids = _ask(team, model, use_case, data_classification, region)
        if ask.data_classification and ask.data_classification not in DataClassification.values:
            known = ", ".join(DataClassification.values)
            return deny(f"unknown data classification '{ask.data_classification}' (one of {known})")
        if connection.in_atomic_block:
            return _decide_uncached(ask, ids)
        return _decide_cached(ask, ids)
    except Exception:
        # Fail closed: a gateway must never be told "allow" because something broke.
        logger.exception("decision failed for team=%r model=%r; denying", team, model)
        return deny(INTERNAL_ERROR)


def decision_cache_clear() -> None:
    """Forget every cached decision of this process (tests, benchmarks; production relies on the version)."""
    CACHE.clear()


def decision_listener_stop() -> None:
    """Stop this process's listener thread (tests stop it before the test database is dropped)."""
    CACHE.listener.stop()
    CACHE.clear()


def decision_listener_ready(timeout: float = 5.0) -> bool:
    """Start the listener if needed and wait until it has confirmed the current version."""
    CACHE.listener.ensure_running()
    return CACHE.listener.wait_ready(timeout)


def _ask(team, model, use_case, data_classification, region) -> tuple[Ask, tuple[int | None, int | None]]:
    team_id = team.pk if isinstance(team, models.Model) else None
    model_id = model.pk if isinstance(model, models.Model) else None
    team_name = team.slug if isinstance(team, models.Model) else str(team or "").strip()
    model_name = model.slug if isinstance(model, models.Model) else str(model or "").strip()
    ask = Ask(
        team=team_name,
        model=model_name,
        use_case=(use_case or "").strip() or None,
        data_classification=(data_classification or "").strip().lower() or None,
        region=(region or "").strip() or None,
    )
    return ask, (team_id, model_id)


def _decide_cached(ask: Ask, ids) -> Decision:
    CACHE.listener.ensure_running()
    key = (ids, ask)
    decision = CACHE.get(CACHE.decisions, key)
    if decision is not None:
        return decision
    pair_key = (ids, ask.team, ask.model)
    row = CACHE.get(CACHE.pairs, pair_key)
    at = now()
    if row is None:
        row = _load(ask, ids)
        CACHE.put(CACHE.pairs, pair_key, version=row.version, valid_until=valid_until(at), value=row)
    decision = _decide(row, ask, at)
    expiry = decision.expires_at if decision.allowed else None
    CACHE.put(CACHE.decisions, key, version=row.version, valid_until=valid_until(at, expiry), value=decision)
    return decision


def _decide_uncached(ask: Ask, ids) -> Decision:
    # Inside someone's transaction: read through a savepoint so a failure cannot poison the caller's transaction,
    # and cache nothing, since this transaction may see rows that never commit.
    with transaction.atomic():
        row = _load(ask, ids)
    return _decide(row, ask, now())


def _load(ask: Ask, ids) -> loader.PairRow:
    team_id, model_id = ids
    params = {"team_id": team_id, "team_name": ask.team, "model_id": model_id, "model_name": ask.model}
    row = loader.pair_load(**params, known_policy=CACHE.known_policy())
    if row.policy is not None and row.policy.rules_yaml is None and not CACHE.has_rule_set(row.policy):
        # The rule set was dropped from this process's memory between the two steps: read its text again.
        row = loader.pair_load(**params, known_policy=None)
    return row


def _decide(row: loader.PairRow, ask: Ask, at) -> Decision:
    rules = CACHE.rule_set_for(row)
    if rules is None:
        return deny("no policy version is active; a governance admin must activate one")
    return decide_from_row(row, ask, rules, now=at)

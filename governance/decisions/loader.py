"""Everything one (team, model) decision needs, read in ONE SQL statement.

The statement returns a single JSON document: the decision version (read in the same snapshot as the data, so
what is cached under a version is exactly what that version saw), the team, the model found by id, exact slug,
alias (aliases are stored lower-cased) or case-insensitive slug, its lineage, provenance claims, offerings with
current prices, benchmark scores, the team's use cases, the pair's entitlements, and the active policy (its YAML
only when this process has not parsed that version yet).

The shape of ``team``, ``model``, ``ancestors``, ``claims``, ``offerings``, ``benchmarks`` and the use cases is
exactly governance.policy.facts.FactSources', so the policy facts are computed by the same code as in a request
review (a test compares the two loaders on the same data).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal

import psycopg
from django.conf import settings
from django.db import connection
from django.utils.dateparse import parse_date, parse_datetime

from governance.choices import LIVE_ENTITLEMENT_STATUSES

# How many past (revoked, expired) entitlements of a pair are read, to explain a deny.
PAST_ENTITLEMENTS = 3

PAIR_SQL = """
WITH RECURSIVE
team AS (
    SELECT t.id, t.slug, t.regulated, t.allowed_data_classifications, t.allowed_regions
    FROM governance_team t
    WHERE t.id = COALESCE(
        %(team_id)s,
        (SELECT id FROM governance_team WHERE slug = %(team_name)s),
        (SELECT id FROM governance_team WHERE lower(slug) = lower(%(team_name)s) ORDER BY id LIMIT 1)
    )
),
model AS (
    SELECT m.id, m.slug, m.lifecycle, m.deprecation_date, m.retirement_date, m.open_weights,
           l.key AS license_key, l.category AS license_category
    FROM catalog_aimodel m LEFT JOIN catalog_license l ON l.id = m.license_id
    WHERE m.id = COALESCE(
        %(model_id)s,
        (SELECT id FROM catalog_aimodel WHERE slug = %(model_name)s),
        (SELECT model_id FROM catalog_modelalias WHERE name = lower(%(model_name)s)),
        (SELECT id FROM catalog_aimodel WHERE lower(slug) = lower(%(model_name)s) ORDER BY id LIMIT 1)
    )
),
walk (id, depth, path) AS (
    SELECT e.base_model_id, 1, ARRAY[e.model_id, e.base_model_id]
    FROM catalog_lineageedge e WHERE e.model_id = (SELECT id FROM model) AND e.base_model_id <> e.model_id
    UNION ALL
    SELECT e.base_model_id, w.depth + 1, w.path || e.base_model_id
    FROM catalog_lineageedge e JOIN walk w ON e.model_id = w.id
    WHERE w.depth < %(max_depth)s AND NOT e.base_model_id = ANY (w.path)
),
ancestors AS (
    SELECT b.slug, l.category AS license_category, min(w.depth) AS depth
    FROM walk w JOIN catalog_aimodel b ON b.id = w.id LEFT JOIN catalog_license l ON l.id = b.license_id
    GROUP BY b.id, b.slug, l.category
)
SELECT json_build_object(
    'version', (SELECT value FROM governance_decisionversion WHERE id = 1),
    'team', (SELECT row_to_json(team) FROM team),
    'model', (SELECT row_to_json(model) FROM model),
    'ancestors', COALESCE((SELECT json_agg(a ORDER BY a.depth, a.slug) FROM ancestors a), '[]'),
    'claims', COALESCE((
        SELECT json_agg(json_build_object('topic', c.topic, 'values', c."values", 'status', c.status) ORDER BY c.id)
        FROM catalog_provenanceclaim c WHERE c.model_id = (SELECT id FROM model)), '[]'),
    'offerings', COALESCE((
        SELECT json_agg(json_build_object(
            'id', o.id, 'channel', o.channel, 'regions', o.regions, 'status', o.status,
            'zero_data_retention', o.zero_data_retention, 'trains_on_prompts', o.trains_on_prompts,
            'input_usd', (SELECT p.usd FROM catalog_price p WHERE p.offering_id = o.id AND p.unit = 'input_token'
                          AND p.tier = '' AND p.variant = 'standard' AND p.effective_to IS NULL),
            'output_usd', (SELECT p.usd FROM catalog_price p WHERE p.offering_id = o.id AND p.unit = 'output_token'
                           AND p.tier = '' AND p.variant = 'standard' AND p.effective_to IS NULL)
        ) ORDER BY o.id)
        FROM catalog_offering o WHERE o.model_id = (SELECT id FROM model)), '[]'),
    'benchmarks', COALESCE((
        SELECT json_agg(json_build_object('slug', b.slug, 'score', r.score, 'source_tier', r.source_tier)
                        ORDER BY r.id)
        FROM catalog_benchmarkresult r JOIN catalog_benchmark b ON b.id = r.benchmark_id
        WHERE r.model_id = (SELECT id FROM model)), '[]'),
    'use_cases', COALESCE((
        SELECT json_agg(json_build_object(
            'id', u.id, 'slug', u.slug, 'risk_tier', u.risk_tier, 'production', u.production,
            'user_facing', u.user_facing, 'data_classification', u.data_classification) ORDER BY u.id)
        FROM governance_usecase u WHERE u.team_id = (SELECT id FROM team)), '[]'),
    'entitlements', COALESCE((
        SELECT json_agg(e ORDER BY e.live DESC, e.id DESC) FROM (
            SELECT e.id, e.status, e.offering_id, e.region, e.use_case_id, e.allowed_data_classifications,
                   e.allowed_regions, e.monthly_budget_usd, e.notes, e.granted_at, e.expires_at,
                   e.needs_review_reason, e.revoked_at, e.revoke_reason, e.status = ANY (%(live)s) AS live,
                   row_number() OVER (PARTITION BY e.status = ANY (%(live)s) ORDER BY e.id DESC) AS position
            FROM governance_entitlement e
            WHERE e.team_id = (SELECT id FROM team) AND e.model_id = (SELECT id FROM model)
        ) e WHERE e.live OR e.position <= %(past)s), '[]'),
    'policy', (
        SELECT json_build_object(
            'id', p.id, 'version', p.version, 'digest', md5(p.rules_yaml),
            'rules_yaml', CASE WHEN p.id = %(policy_id)s AND md5(p.rules_yaml) = %(policy_digest)s
                               THEN NULL ELSE p.rules_yaml END)
        FROM governance_policyversion p WHERE p.is_active),
    'policy_versions', (SELECT count(*) FROM governance_policyversion)
)::text
"""


@dataclass(frozen=True)
class EntitlementRow:
    id: int
    status: str
    live: bool
    offering_id: int | None
    region: str
    use_case_id: int | None
    allowed_data_classifications: tuple[str, ...]
    allowed_regions: tuple[str, ...]
    monthly_budget_usd: Decimal | None
    notes: str
    granted_at: dt.datetime
    expires_at: dt.datetime
    needs_review_reason: str
    revoked_at: dt.datetime | None
    revoke_reason: str


@dataclass(frozen=True)
class PolicyRow:
    id: int
    version: int
    digest: str  # md5 of the YAML, computed by PostgreSQL: identifies the text this process parsed
    rules_yaml: str | None  # None: the same text this process already parsed


@dataclass
class PairRow:
    """What the database said about one (team, model) at one decision version."""

    version: int
    team: dict | None
    model: dict | None
    ancestors: list[dict] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)
    offerings: list[dict] = field(default_factory=list)
    benchmarks: list[dict] = field(default_factory=list)
    use_cases: list[dict] = field(default_factory=list)
    entitlements: list[EntitlementRow] = field(default_factory=list)
    policy: PolicyRow | None = None
    policy_versions: int = 0


def pair_load(
    *,
    team_id: int | None,
    team_name: str,
    model_id: int | None,
    model_name: str,
    known_policy: tuple[int, str] | None = None,
    max_depth: int = 10,
) -> PairRow:
    """One round trip. ``known_policy`` (id, digest) skips the YAML of a policy version already parsed."""
    policy_id, policy_digest = known_policy or (None, None)
    params = {
        "team_id": team_id,
        "team_name": team_name,
        "model_id": model_id,
        "model_name": model_name,
        "max_depth": max_depth,
        "live": list(LIVE_ENTITLEMENT_STATUSES),
        "past": PAST_ENTITLEMENTS,
        "policy_id": policy_id,
        "policy_digest": policy_digest,
    }
    with _cursor() as cursor:
        cursor.execute(PAIR_SQL, params)
        (document,) = cursor.fetchone()
    # Numbers as Decimal: prices, budgets and scores must never pass through float.
    return _pair_row(json.loads(document, parse_float=Decimal))


class _PreparedCursor(psycopg.Cursor):
    """Server-side binding, prepared on first use and kept for the connection's life (psycopg's cache)."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


def _cursor():
    """A Django cursor (counted by query-budget tests, logged, errors translated) over a prepared statement.

    Why prepared: PostgreSQL takes 1-6 ms to plan the pair statement and under 1 ms to run it, so planning it
    once per connection is most of what a miss costs. ``MODELGATE_DECISION_PREPARED = False`` turns it off for
    a connection pooler that cannot keep prepared statements (PgBouncer before 1.21 in transaction mode)."""
    if not getattr(settings, "MODELGATE_DECISION_PREPARED", True):
        return connection.cursor()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    if connection.connection.prepare_threshold is None:
        # Django turns psycopg's automatic preparing off, and psycopg then ignores prepare=True too. A threshold
        # no statement reaches keeps it off for every other statement and lets this one ask for it.
        connection.connection.prepare_threshold = 2**31 - 1
    raw = _PreparedCursor(connection.connection)
    return connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)


def _pair_row(doc: dict) -> PairRow:
    model = doc["model"]
    if model is not None:
        model["deprecation_date"] = _date(model["deprecation_date"])
        model["retirement_date"] = _date(model["retirement_date"])
    policy = doc["policy"]
    return PairRow(
        version=int(doc["version"]),
        team=doc["team"],
        model=model,
        ancestors=[
            {"slug": a["slug"], "license_category": a["license_category"], "depth": a["depth"]}
            for a in doc["ancestors"]
        ],
        claims=doc["claims"],
        offerings=[_offering(o) for o in doc["offerings"]],
        benchmarks=[{**b, "score": Decimal(b["score"])} for b in doc["benchmarks"]],
        use_cases=doc["use_cases"],
        entitlements=[_entitlement(e) for e in doc["entitlements"]],
        policy=PolicyRow(policy["id"], policy["version"], policy["digest"], policy["rules_yaml"]) if policy else None,
        policy_versions=int(doc["policy_versions"]),
    )


def _offering(row: dict) -> dict:
    return {**row, "input_usd": _decimal(row["input_usd"]), "output_usd": _decimal(row["output_usd"])}


def _entitlement(row: dict) -> EntitlementRow:
    return EntitlementRow(
        id=row["id"],
        status=row["status"],
        live=row["live"],
        offering_id=row["offering_id"],
        region=row["region"],
        use_case_id=row["use_case_id"],
        allowed_data_classifications=tuple(row["allowed_data_classifications"]),
        allowed_regions=tuple(row["allowed_regions"]),
        monthly_budget_usd=_decimal(row["monthly_budget_usd"]),
        notes=row["notes"],
        granted_at=parse_datetime(row["granted_at"]),
        expires_at=parse_datetime(row["expires_at"]),
        needs_review_reason=row["needs_review_reason"],
        revoked_at=parse_datetime(row["revoked_at"]) if row["revoked_at"] else None,
        revoke_reason=row["revoke_reason"],
    )


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def _date(value: str | None) -> dt.date | None:
    return parse_date(value) if value else None

"""`python manage.py generate_scale_data`: fill a database with a large, plausible catalog and organisation, to
measure how Modelgate behaves at scale (bench/scale.py). Never run it on a database people use.

    python manage.py generate_scale_data --models 100000 --teams 10000 --entitlements 100000 \\
        --audit-events 1000000 [--prefix scale] [--verify]

Everything generated is named under ``--prefix`` (slugs ``<prefix>-...``, audit actor label ``scale:<prefix>``), so
a second run with the same prefix only adds what is missing, and two prefixes can share a database.

Why not through the services: the services write one audited row at a time (~ms each), which would take hours for
a million rows. Catalog and governance rows are built inside PostgreSQL (INSERT ... SELECT over generate_series,
one statement per table). Audit events cannot be: each one's hash covers the previous one's, computed by the same
Python code that writes and verifies real events (core.audit.chain.event_hash), so they are hashed here and sent
with COPY, appended to the existing chain under the chain's advisory lock, chunk by chunk.
"""

from __future__ import annotations

import datetime as dt
import re
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from core.audit.chain import HASHED_FIELDS, event_hash
from core.audit.services import CHAIN_LOCK_KEY
from core.models import AuditEvent

PREFIX_PATTERN = re.compile(r"^[a-z][a-z0-9]{0,19}$")
MODELS_PER_PUBLISHER = 500
AUDIT_CHUNK = 50_000
AUDIT_WINDOW = dt.timedelta(days=365)
# Words the generated names and descriptions draw from, so full-text and typo search have something to find.
ADJECTIVES = ["swift", "bright", "quiet", "nimble", "vast", "lucid", "brave", "keen", "calm", "vivid", "agile"]
NOUNS = ["falcon", "otter", "comet", "cedar", "harbor", "prism", "atlas", "ember", "delta", "quartz", "raven", "tundra"]
DOMAINS = ["legal contracts", "support tickets", "source code", "medical notes", "invoices", "search", "translation"]

TEXT_ARRAYS = {"adjectives": ADJECTIVES, "nouns": NOUNS, "domains": DOMAINS}

PUBLISHERS_SQL = """
INSERT INTO catalog_organization (created_at, updated_at, slug, name, is_publisher, is_provider, country,
                                  jurisdiction, website)
SELECT now(), now(), %(prefix)s || '-lab-' || g, initcap(%(prefix)s) || ' Lab ' || g, true, true, 'US', 'US', ''
FROM generate_series(1, %(count)s) g
ON CONFLICT (slug) DO NOTHING
"""

MODELS_SQL = """
WITH publishers AS (
    SELECT array_agg(id ORDER BY id) AS ids, array_agg(slug ORDER BY id) AS slugs
    FROM catalog_organization WHERE slug LIKE %(prefix)s || '-lab-%%'
), named AS (
    SELECT g, (%(adjectives)s::text[])[1 + g %% cardinality(%(adjectives)s::text[])] AS adj,
           (%(nouns)s::text[])[1 + (g / 7) %% cardinality(%(nouns)s::text[])] AS noun,
           (%(domains)s::text[])[1 + (g / 3) %% cardinality(%(domains)s::text[])] AS domain
    FROM generate_series(%(first)s + 1, %(last)s + 1) g
)
INSERT INTO catalog_aimodel (created_at, updated_at, slug, display_name, family, version, description, release_date,
    lifecycle, input_modalities, output_modalities, task_types, capabilities, architecture, context_window,
    max_output_tokens, open_weights, is_unresolved, publisher_id)
SELECT now(), now(),
       p.slugs[1 + n.g %% cardinality(p.ids)] || '/' || n.adj || '-' || n.noun || '-' || n.g,
       initcap(n.adj) || ' ' || initcap(n.noun) || ' ' || n.g,
       n.noun, '', 'A ' || n.adj || ' model for ' || n.domain || ', generated for scale tests.',
       date '2023-01-01' + (n.g %% 900),
       (ARRAY['ga', 'ga', 'ga', 'preview', 'deprecated'])[1 + n.g %% 5],
       CASE WHEN n.g %% 3 = 0 THEN '{text,image}'::varchar[] ELSE '{text}'::varchar[] END, '{text}'::varchar[],
       CASE WHEN n.g %% 4 = 0 THEN '{chat,code}'::varchar[] ELSE '{chat}'::varchar[] END,
       CASE WHEN n.g %% 2 = 0 THEN '{tools}'::varchar[] ELSE '{}'::varchar[] END, 'dense',
       (ARRAY[8192, 32768, 128000, 200000, 1000000])[1 + n.g %% 5], 8192, n.g %% 3 = 1, false,
       p.ids[1 + n.g %% cardinality(p.ids)]
FROM named n, publishers p
"""

ALIASES_SQL = """
INSERT INTO catalog_modelalias (created_at, updated_at, name, resolution, model_id, source_id)
SELECT now(), now(), %(prefix)s || '-' || split_part(m.slug, '/', 2), 'exact', m.id, %(source)s
FROM catalog_aimodel m
WHERE m.slug LIKE %(prefix)s || '-lab-%%'
  AND NOT EXISTS (SELECT 1 FROM catalog_modelalias a WHERE a.model_id = m.id AND a.source_id = %(source)s)
"""

OFFERINGS_SQL = """
INSERT INTO catalog_offering (created_at, updated_at, channel, external_id, deployment_type, regions, status,
    quantization, context_window, max_output_tokens, last_seen_at, model_id, provider_id, source_id,
    zero_data_retention, trains_on_prompts)
SELECT now(), now(), 'vendor_api', m.slug, 'serverless',
       CASE WHEN m.id %% 2 = 0 THEN '{eu,us}'::varchar[] ELSE '{us}'::varchar[] END, 'active', '',
       m.context_window, 8192, now(), m.id, m.publisher_id, %(source)s, m.id %% 5 = 0, false
FROM catalog_aimodel m
WHERE m.slug LIKE %(prefix)s || '-lab-%%'
  AND NOT EXISTS (SELECT 1 FROM catalog_offering o WHERE o.model_id = m.id AND o.source_id = %(source)s)
"""

PRICES_SQL = """
INSERT INTO catalog_price (unit, tier, variant, usd, effective_from, offering_id, source_id)
SELECT u.unit, '', 'standard', round((0.05 + (o.id %% 400) * 0.05) * u.factor, 4), now() - interval '30 days',
       o.id, %(source)s
FROM catalog_offering o CROSS JOIN (VALUES ('input_token', 1), ('output_token', 4)) AS u (unit, factor)
WHERE o.source_id = %(source)s AND NOT EXISTS (SELECT 1 FROM catalog_price p WHERE p.offering_id = o.id)
"""

TEAMS_SQL = """
INSERT INTO governance_team (created_at, updated_at, slug, name, business_unit, cost_centre, regulated,
                             allowed_data_classifications, allowed_regions)
SELECT now(), now(), %(prefix)s || '-team-' || g, initcap(%(prefix)s) || ' Team ' || g, 'Unit ' || (g %% 40),
       'CC-' || (g %% 400), g %% 10 = 0, '{public,internal,confidential}'::varchar[],
       CASE WHEN g %% 10 = 0 THEN '{eu}'::varchar[] ELSE '{}'::varchar[] END
FROM generate_series(1, %(count)s) g
ON CONFLICT (slug) DO NOTHING
"""

USE_CASES_SQL = """
INSERT INTO governance_usecase (created_at, updated_at, slug, name, description, data_classification, risk_tier,
                                user_facing, production, team_id)
SELECT now(), now(), 'assistant', 'Internal assistant', '', 'internal',
       CASE WHEN t.id %% 5 = 0 THEN 'limited' ELSE 'minimal' END, t.id %% 2 = 0, true, t.id
FROM governance_team t
WHERE t.slug LIKE %(prefix)s || '-team-%%'
ON CONFLICT (team_id, slug) DO NOTHING
"""

# Pair k goes to team k mod T and model (k div T + 37 * team) mod M: distinct pairs for k < T * M. Every 20th is
# a revoked one, so decisions also meet history. A pair that already has a live one is skipped (ON CONFLICT).
ENTITLEMENTS_SQL = """
WITH teams AS (
    SELECT array_agg(id ORDER BY id) AS ids FROM governance_team WHERE slug LIKE %(prefix)s || '-team-%%'
), models AS (
    SELECT array_agg(id ORDER BY id) AS ids FROM catalog_aimodel WHERE slug LIKE %(prefix)s || '-lab-%%'
), pairs AS (
    SELECT k, t.ids[1 + k %% cardinality(t.ids)] AS team_id,
           m.ids[1 + (k / cardinality(t.ids) + 37 * (k %% cardinality(t.ids))) %% cardinality(m.ids)] AS model_id
    FROM generate_series(%(first)s, %(last)s) k, teams t, models m
)
INSERT INTO governance_entitlement (created_at, updated_at, region, status, allowed_data_classifications,
    allowed_regions, notes, granted_at, expires_at, needs_review_reason, revoked_at, revoke_reason, version,
    model_id, team_id, use_case_id)
SELECT now(), now(), '', CASE WHEN p.k %% 20 = 19 THEN 'revoked' ELSE 'active' END, ARRAY['public', 'internal'],
       ARRAY[]::varchar[], '', now() - interval '10 days', now() + interval '365 days', '',
       CASE WHEN p.k %% 20 = 19 THEN now() END, '', 1, p.model_id, p.team_id,
       (SELECT u.id FROM governance_usecase u WHERE u.team_id = p.team_id ORDER BY u.id LIMIT 1)
FROM pairs p
ON CONFLICT (team_id, model_id, offering_id, region)
    WHERE status IN ('active', 'needs_review', 'suspended') DO NOTHING
"""

ANALYZED = "catalog_organization, catalog_aimodel, catalog_modelalias, catalog_offering, catalog_price, " \
           "governance_team, governance_usecase, governance_entitlement, core_auditevent"  # fmt: skip


class Command(BaseCommand):
    help = "Generate a large catalog and organisation for benchmarks (idempotent per --prefix). Not for real data."

    def add_arguments(self, parser):
        parser.add_argument("--models", type=int, default=100_000)
        parser.add_argument("--teams", type=int, default=10_000)
        parser.add_argument("--entitlements", type=int, default=100_000)
        parser.add_argument("--audit-events", dest="audit_events", type=int, default=1_000_000)
        parser.add_argument("--prefix", default="scale", help="namespace of everything generated (a-z, 0-9)")
        parser.add_argument("--verify", action="store_true", help="walk the whole audit chain afterwards")

    def handle(self, *args, models, teams, entitlements, audit_events, prefix, verify, **options):
        _check(models=models, teams=teams, entitlements=entitlements, audit_events=audit_events, prefix=prefix)
        params = {"prefix": prefix, "source": _source(prefix), **TEXT_ARRAYS}
        publishers = -(-models // MODELS_PER_PUBLISHER)
        steps = (
            ("publishers", lambda: _execute(PUBLISHERS_SQL, {**params, "count": publishers})),
            ("models", lambda: _top_up(MODELS_SQL, params, _count_models(prefix), models)),
            ("aliases", lambda: _execute(ALIASES_SQL, params)),
            ("offerings", lambda: _execute(OFFERINGS_SQL, params)),
            ("prices", lambda: _execute(PRICES_SQL, params)),
            ("teams", lambda: _execute(TEAMS_SQL, {**params, "count": teams})),
            ("use cases", lambda: _execute(USE_CASES_SQL, params)),
            ("entitlements", lambda: _top_up(ENTITLEMENTS_SQL, params, _count_entitlements(prefix), entitlements)),
            ("audit events", lambda: audit_events_append(prefix=prefix, target=audit_events)),
            # Fresh statistics, or the planner meets 100k rows with the estimates of an empty table.
            ("vacuum", _vacuum_analyze),
        )
        for name, work in steps:
            self._step(name, work)
        if verify:
            self._verify()

    def _step(self, name: str, work) -> None:
        started = time.perf_counter()
        added = work()
        detail = f"{added:>9,} added" if isinstance(added, int) else f"{'':>15}"
        self.stdout.write(f"{name:<14} {detail}  {time.perf_counter() - started:7.1f} s")

    def _verify(self) -> None:
        from core.audit.chain import audit_verify

        result = audit_verify()
        if not result.intact:
            raise CommandError(f"audit chain broken at event {result.first_broken_id}: {result.reason}")
        self.stdout.write(f"audit chain intact: {result.checked:,} events")


def _check(*, models: int, teams: int, entitlements: int, audit_events: int, prefix: str) -> None:
    counts = {"--models": models, "--teams": teams, "--entitlements": entitlements, "--audit-events": audit_events}
    negative = [name for name, value in counts.items() if value < 0]
    if negative:
        raise CommandError(f"{', '.join(negative)} must be 0 or more")
    if not PREFIX_PATTERN.match(prefix):
        raise CommandError(
            f"--prefix must be 1-20 lower-case letters and digits, starting with a letter, not {prefix!r}"
        )
    if entitlements and not (models and teams):
        raise CommandError("--entitlements needs --models and --teams above 0 (an entitlement is a team and a model)")
    if entitlements > models * teams:
        raise CommandError(f"--entitlements {entitlements} exceeds the {models * teams} distinct (team, model) pairs")


def _execute(sql: str, params: dict | None) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def _vacuum_analyze() -> None:
    """VACUUM (ANALYZE) the tables written: statistics for the planner, and the dead rows and full-text index
    entries left by the cheapest-price refresh (a trigger rewrites every model whose prices were just inserted)
    cleared, as autovacuum would do later. VACUUM cannot run inside a transaction: a caller holding one (a test)
    gets ANALYZE alone."""
    statement = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        cursor.execute(f"{statement} {ANALYZED}")


def _top_up(sql: str, params: dict, existing: int, target: int) -> int:
    """Add rows numbered existing .. target-1, so a second run with the same target adds none."""
    if existing >= target:
        return 0
    return _execute(sql, {**params, "first": existing, "last": target - 1})


def _source(prefix: str) -> int:
    from catalog.models import Source

    source, _ = Source.objects.get_or_create(
        slug=f"{prefix}-generated",
        defaults={"name": f"Generated ({prefix})", "connector": "curated", "precedence": 900, "enabled": False},
    )
    return source.pk


def _count_models(prefix: str) -> int:
    from catalog.models import AIModel

    return AIModel.objects.filter(slug__startswith=f"{prefix}-lab-").count()


def _count_entitlements(prefix: str) -> int:
    from governance.models import Entitlement

    return Entitlement.objects.filter(team__slug__startswith=f"{prefix}-team-").count()


def audit_events_append(*, prefix: str, target: int, chunk: int = AUDIT_CHUNK) -> int:
    """Append events labelled ``scale:<prefix>`` until there are ``target`` of them; returns how many were added.

    Each chunk is one transaction holding the chain lock, like audit_record: it reads the head, reserves ids from
    the sequence and links its first event to the head, so other writers can interleave between chunks and the
    chain stays one line. Timestamps are spread over the last year (or since the head, if later) in chain order.
    """
    label = f"scale:{prefix}"
    missing = target - AuditEvent.objects.filter(actor_label=label).count()
    if missing <= 0:
        return 0
    subjects = _audit_subjects(prefix)
    now = timezone.now()
    head_time = AuditEvent.objects.order_by("-id").values_list("occurred_at", flat=True).first()
    window_start = max(head_time or now - AUDIT_WINDOW, now - AUDIT_WINDOW)
    step = (now - window_start) / (missing + 1)
    added = 0
    while added < missing:
        size = min(chunk, missing - added)
        with transaction.atomic(), connection.cursor() as cursor:
            head_hash, head_time, first_id = _lock_and_reserve(cursor, size)
            timing = (window_start, step, head_time)
            columns = ", ".join((*HASHED_FIELDS, "hash"))
            with cursor.cursor.copy(f"COPY core_auditevent ({columns}) FROM STDIN") as copy:
                for row in _audit_rows(label, subjects, first_id, added, size, head_hash, timing):
                    copy.write_row(row)
        added += size
    return added


def _lock_and_reserve(cursor, size: int):
    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
    cursor.execute("SELECT hash, occurred_at FROM core_auditevent ORDER BY id DESC LIMIT 1")
    head = cursor.fetchone()
    cursor.execute("SELECT nextval(pg_get_serial_sequence('core_auditevent', 'id'))")
    (first_id,) = cursor.fetchone()
    # Nobody else takes ids while we hold the chain lock (audit_record takes its id under the same lock).
    cursor.execute("SELECT setval(pg_get_serial_sequence('core_auditevent', 'id'), %s)", [first_id + size - 1])
    return (head[0], head[1], first_id) if head else (AuditEvent.GENESIS_HASH, None, first_id)


def _audit_subjects(prefix: str) -> list[tuple]:
    from governance.models import Entitlement

    rows = list(
        Entitlement.objects.filter(team__slug__startswith=f"{prefix}-team-")
        .order_by("id")
        .values_list("id", "team__slug", "model__slug")[:10_000]
    )
    return rows or [(0, f"{prefix}-team-0", f"{prefix}-lab-0/none")]


ACTIONS = ("entitlement.granted", "decision.export", "request.submitted", "review.approved", "entitlement.reconfirmed")


def _audit_rows(label, subjects, first_id, offset, size, prev_hash, timing):
    window_start, step, last_time = timing
    for j in range(size):
        index = offset + j
        entitlement_id, team, model = subjects[index % len(subjects)]
        occurred_at = window_start + step * (index + 1)
        if last_time is not None and occurred_at <= last_time:
            occurred_at = last_time + dt.timedelta(microseconds=1)  # chain order is time order
        fields = {
            "id": first_id + j,
            "occurred_at": occurred_at,
            "actor_id": None,
            "actor_username": "",
            "actor_label": label,
            "action": ACTIONS[index % len(ACTIONS)],
            "target_type": "governance.entitlement",
            "target_id": str(entitlement_id),
            "target_repr": f"{team} may use {model} (active)"[:255],
            "before": None if index % 2 else {"status": "active", "version": index % 7},
            "after": {"status": "active", "version": index % 7 + 1},
            "context": {"team": team, "generated": True},
            "request_id": f"{label}-{index}",
            "ip": f"10.{index % 250}.{(index // 250) % 250}.{index % 200 + 1}",
            "prev_hash": prev_hash,
        }
        fields["hash"] = prev_hash = event_hash(fields)
        last_time = occurred_at
        yield tuple(_copy_value(fields[name]) for name in (*HASHED_FIELDS, "hash"))


def _copy_value(value):
    return Jsonb(value) if isinstance(value, dict) else value

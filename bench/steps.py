"""The Django side of the benchmark: steps bench/run.py runs in a child process, one database each time.

    DATABASE_URL=... DJANGO_SETTINGS_MODULE=bench.settings python -m bench.steps <step> [--option value]

Each step prints progress on stderr and its result as one JSON object on the last line of stdout. They run under
the benchmark server's settings (bench.settings), so the tokens and the session they create verify there.

- ``catalog``: initial load of every embedded snapshot into an empty catalog, then the same load again (a resync
  that should change nothing): seconds for each, and the rows the resync wrote, counted by PostgreSQL itself.
- ``fixtures``: the demo organisation, a gateway token (scope ``decisions``), a catalog token, a logged-in session,
  and one (team, model) pair with a live entitlement: everything the HTTP measurements send.
- ``decide``: decision latency in this process, without HTTP: a cache miss (one SQL statement) over many distinct
  (team, model) pairs, first with cold buffers and then warm, and a cache hit; the pairs are drawn from the
  database, or read from ``--questions`` (the same questions on two databases).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentiles(values: list[float]) -> dict:
    from bench.load import percentile

    return {"p50": percentile(values, 50), "p95": percentile(values, 95), "p99": percentile(values, 99)}


def step_catalog(args) -> dict:
    from django.db import connection

    from catalog.models import AIModel
    from catalog.services.embedded import catalog_load_embedded

    if AIModel.objects.exists():
        raise SystemExit("the catalog step needs an empty catalog (run.py recreates the bench database)")
    started = time.perf_counter()
    first = catalog_load_embedded(trigger="bench")
    initial = time.perf_counter() - started
    log(f"initial load: {initial:.1f} s, {AIModel.objects.count()} models")
    before = _row_writes(connection)
    started = time.perf_counter()
    second = catalog_load_embedded(trigger="bench")
    resync = time.perf_counter() - started
    written = {table: n for table, n in _diff(before, _row_writes(connection)).items() if n}
    log(f"no-change resync: {resync:.1f} s, rows written per table: {written}")
    forced = _forced_resync(connection)
    log(f"no-change resync, full reconcile: {forced}")
    planner = _list_query_before_and_after_analyze(connection)
    log(f"model list query, 100 rows: {planner}")
    return {
        "list_query_ms": planner,
        "initial_seconds": round(initial, 2),
        "resync_seconds": round(resync, 2),
        "models": AIModel.objects.count(),
        "initial_runs": [_run(run) for run in first],
        "resync_runs": [_run(run) for run in second],
        "resync_rows_written": written,
        "resync_rows_written_besides_syncrun": sum(n for t, n in written.items() if t != "catalog_syncrun"),
        "forced_resync": forced,
    }


def _forced_resync(connection) -> dict:
    """The same snapshots reconciled record by record (``force``): what a resync costs when the bytes differ but
    nothing in them changed (a refetch), since an identical payload is recognised by its hash and skipped."""
    from catalog.connectors import connector_class, embedded_payload
    from catalog.services import source_sync, sources_ensure_all

    payloads = {}
    for source in sources_ensure_all():
        payload = embedded_payload(connector_class(source.connector or source.slug))
        if payload is not None:
            payloads[source.slug] = payload
    before = _row_writes(connection)
    started = time.perf_counter()
    for slug, payload in payloads.items():
        source_sync(source_slug=slug, payload=payload, trigger="bench", force=True)
    seconds = time.perf_counter() - started
    written = {table: n for table, n in _diff(before, _row_writes(connection)).items() if n}
    besides = sum(n for table, n in written.items() if table != "catalog_syncrun")
    return {"seconds": round(seconds, 2), "rows_written": written, "rows_written_besides_syncrun": besides}


def _list_query_before_and_after_analyze(connection) -> dict:
    """The catalog list's query (100 rows) as the load left the tables, then after ANALYZE.

    A bulk load leaves PostgreSQL without statistics on the new rows until (auto)ANALYZE runs; until then the
    planner can pick a plan that is orders of magnitude slower. Measured both ways so the table shows it, then
    left analyzed, as autovacuum would leave it on a server where it is on."""
    from catalog import listing

    def timed() -> float:
        started = time.perf_counter()
        list(listing.model_list().order_by("slug")[:100])
        return round((time.perf_counter() - started) * 1000, 1)

    before = timed()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SHOW autovacuum")
        autovacuum = cursor.fetchone()[0]
    return {"before_analyze": before, "after_analyze": timed(), "autovacuum": autovacuum}


def _run(run) -> dict:
    fields = ("status", "created", "updated", "unchanged", "retired", "rejected")
    return {"source": run.source.slug, **{name: getattr(run, name) for name in fields}}


def _row_writes(connection) -> dict[str, int]:
    """Rows inserted, updated and deleted per table since the server started, as PostgreSQL counts them.

    This backend's own counts reach the shared statistics when it reports them; forcing the next report and ending
    a transaction makes that happen now rather than up to a second later (PostgreSQL 15+)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT 1")
        time.sleep(0.2)
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables")
        return dict(cursor.fetchall())


def _diff(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {table: after[table] - before.get(table, 0) for table in after}


def step_fixtures(args) -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from governance import demo
    from governance.choices import LIVE_ENTITLEMENT_STATUSES
    from governance.models import Entitlement
    from governance.services.tokens import api_token_create

    demo.demo_organisation_ensure(log=log)
    admin = get_user_model().objects.get(username="admin")
    _, gateway = api_token_create(actor=admin, name="bench gateway", scopes=["decisions"])
    _, reader = api_token_create(actor=admin, name="bench catalog reader", scopes=["catalog:read"])
    client = Client()
    client.force_login(admin)
    live = (
        Entitlement.objects.filter(status__in=LIVE_ENTITLEMENT_STATUSES, team__slug="search-platform")
        .select_related("team", "model")
        .order_by("id")
        .first()
    )
    if live is None:
        raise SystemExit("the demo organisation has no live entitlement to ask about (did the demo approval fail?)")
    return {
        "gateway_token": gateway,
        "catalog_token": reader,
        "session_cookie": client.cookies["sessionid"].value,
        "team": live.team.slug,
        "model": live.model.slug,
    }


HITS_PER_PAIR = 5


def step_decide(args) -> dict:
    import random

    from catalog.models import AIModel
    from governance.decisions import decide, decision_cache_clear, decision_listener_ready
    from governance.models import Entitlement, Team

    if not decision_listener_ready(timeout=10):
        log("warning: the decision listener did not confirm the version; hits may read the database")
    if args.questions:  # the same questions as another database was asked (the scale phase's comparison)
        pairs = [tuple(pair) for pair in json.loads(Path(args.questions).read_text())]
    else:
        pairs = _pairs(random.Random(args.seed), args.pairs, Team, AIModel, Entitlement)

    def miss(team: str, model: str) -> float:
        decision_cache_clear()
        started = time.perf_counter()
        decide(team=team, model=model)
        return (time.perf_counter() - started) * 1000

    # First pass: each pair's rows are read for the first time, possibly from disk rather than PostgreSQL's
    # buffers (on the scale database far more of them are not cached than on the demo's, which fits in memory).
    cold = [miss(team, model) for team, model in pairs]
    # Then the steady state the target compares: the same pairs, the process cache cleared before each question,
    # so every call is still a full miss (one SQL statement and the policy), over buffers that hold the rows.
    misses, hits = [], []
    for team, model in pairs:
        misses.append(miss(team, model))
        # Hits: the same question again, a few times. The first one alone, right after a miss, measures the CPU
        # caches that the miss's SQL round trip left cold more than the lookup (0.017-0.030 ms between runs).
        for _ in range(HITS_PER_PAIR):
            started = time.perf_counter()
            decide(team=team, model=model)
            hits.append((time.perf_counter() - started) * 1000)
    return {
        "pairs": len(pairs),
        "questions": pairs,
        "miss_ms": percentiles(misses),
        "first_miss_ms": percentiles(cold),
        "hit_ms": percentiles(hits),
    }


def _pairs(rng, count: int, Team, AIModel, Entitlement) -> list[tuple[str, str]]:
    """Half the questions about pairs with an entitlement (allow or a revoked one), half about random pairs."""
    entitled = list(Entitlement.objects.order_by("?").values_list("team__slug", "model__slug")[: count // 2])
    teams = list(Team.objects.order_by("?").values_list("slug", flat=True)[:count])
    models = list(AIModel.objects.order_by("?").values_list("slug", flat=True)[:count])
    randoms = [(rng.choice(teams), rng.choice(models)) for _ in range(count - len(entitled))]
    return entitled + randoms


def step_catalog_ensure(args) -> dict:
    """Load the embedded catalog if the database has none (the scale database keeps it between runs)."""
    from catalog.models import AIModel
    from catalog.services.embedded import catalog_load_embedded

    if not AIModel.objects.exists():
        catalog_load_embedded(trigger="bench")
    return {"models": AIModel.objects.count()}


def step_counts(args) -> dict:
    from catalog.models import AIModel
    from core.models import AuditEvent
    from governance.models import Entitlement, Team

    return {
        "models": AIModel.objects.count(),
        "teams": Team.objects.count(),
        "entitlements": Entitlement.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }


STEPS = {
    "catalog": step_catalog,
    "catalog_ensure": step_catalog_ensure,
    "counts": step_counts,
    "fixtures": step_fixtures,
    "decide": step_decide,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="One Django-side benchmark step; prints its result as JSON.")
    parser.add_argument("step", choices=sorted(STEPS))
    parser.add_argument("--pairs", type=int, default=400, help="decide: distinct (team, model) questions")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--questions", help="decide: a JSON file of [team, model] pairs to ask instead")
    args = parser.parse_args(argv)
    django.setup()
    result = STEPS[args.step](args)
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

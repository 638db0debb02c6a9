"""The scale phase of ``make bench``: the same questions on a database with 100k models, 10k teams, 100k
entitlements and a million audit events, beside the answers on the demo-sized one.

The scale database (``<name>_bench_scale``) is kept between runs: ``generate_scale_data`` only adds what is missing
(its ``--prefix`` namespace), so the first run pays the generation (minutes) and later runs reuse it. ``--fresh``
on bench/run.py drops it first.
"""

from __future__ import annotations

import time

from bench import measure, server

SIZES = {
    "full": {"models": 100_000, "teams": 10_000, "entitlements": 100_000, "audit_events": 1_000_000},
    "quick": {"models": 10_000, "teams": 1_000, "entitlements": 10_000, "audit_events": 100_000},
}
PREFIX = "scale"


def prepare(url: str, sizes: dict, *, fresh: bool, log) -> dict:
    """Create (or reuse) the scale database: migrations, the embedded catalog, the demo, the generated data."""
    if fresh:
        server.database_recreate(url)
        created = True
    else:
        created = server.database_ensure(url)
    log(f"scale database {server.database_name(url)}: {'created' if created else 'reused'}; migrating")
    server.manage(url, "migrate", "--noinput", "-v0")
    server.step(url, "catalog_ensure")
    log("generating scale data (the first run takes minutes)")
    started = time.perf_counter()
    output = server.manage(
        url,
        "generate_scale_data",
        f"--models={sizes['models']}",
        f"--teams={sizes['teams']}",
        f"--entitlements={sizes['entitlements']}",
        f"--audit-events={sizes['audit_events']}",
        f"--prefix={PREFIX}",
    )
    seconds = time.perf_counter() - started
    log(output.rstrip())
    return {"database_created": created, "generate_seconds": round(seconds, 1), "generate_output": output}


def measure_scaled(url: str, *, profile, decision_rate: float, log) -> dict:
    """Decision latency (in process, and over HTTP at the demo's rate) and catalog search on the scale database."""
    fixtures = server.step(url, "fixtures")
    counts = server.step(url, "counts")
    log(f"scale database holds {counts}")
    decide = server.step(url, "decide", f"--pairs={profile.decide_pairs}")
    with server.Gunicorn(url, workers=profile.workers, log_path=profile.log_dir / "gunicorn-scale.log") as app:
        targets = measure.decision_targets(app.base, fixtures)
        measure.check_decision_targets(targets)
        decision = {"decision": targets["decision"]}
        measure.warm(decision, profile)
        http = measure.decision_latency(decision, {"decision": decision_rate}, profile)["decision"]
        search = measure.catalog_search(app.base, fixtures, profile)
    return {"counts": counts, "decide": decide, "decision_http": http, "search": search}

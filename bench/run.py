"""``make bench``: every performance number of Modelgate in one run, printed as one table beside its target.

    python -m bench.run            # full run (the first one also generates the scale database: minutes)
    python -m bench.run --quick    # smaller loops and a smaller scale database
    python -m bench.run --skip-scale / --fresh / --workers 3

Phases, each on its own database next to the configured one (DATABASE_URL, else the embedded PostgreSQL):

1. catalog (``<db>_bench``, recreated): initial load of every embedded snapshot, then a no-change resync with the
   rows it wrote counted by PostgreSQL;
2. decision endpoint vs a bare JsonResponse view vs one raw SQL join per request, all in the same gunicorn (sync
   workers, production settings, same middleware): saturation throughput (closed loop) and server-side p50/p99 at
   half of each one's saturation (open loop, fixed rate); then again isolated, the server pinned to half of the CPUs
   (one worker per CPU) and the load generator to the other half;
3. catalog list API and page latency at small and large page sizes, the first page's server-side render time;
4. scale (``<db>_bench_scale``, kept between runs): decision latency demo vs scaled, catalog search p95.

The table is printed and written, with every raw number, to bench/results/ (git-ignored). bench/README.md explains
each number and its target.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench import measure, scale, server
from bench.report import table

RESULTS = Path(__file__).resolve().parent / "results"


@dataclasses.dataclass(frozen=True)
class Profile:
    """How long and how hard each loop runs. Every loop stops at its request cap or its time cap."""

    name: str
    rounds: int  # interleaved closed-loop rounds per decision variant
    seconds: float  # time cap of one closed-loop run
    open_seconds: float  # time cap of one open-loop run
    max_requests: int  # request cap of any one run
    connections: int  # closed loop: requests outstanding
    samples: int  # sequential requests per catalog URL
    search_samples: int  # sequential requests per search term (ten terms)
    sample_seconds: float
    decide_pairs: int
    workers: int = 3
    log_dir: Path = RESULTS


PROFILES = {
    "full": Profile("full", rounds=3, seconds=5, open_seconds=8, max_requests=60_000, connections=8, samples=40,
                    search_samples=15, sample_seconds=30, decide_pairs=200),
    "quick": Profile("quick", rounds=1, seconds=2, open_seconds=3, max_requests=20_000, connections=8, samples=10,
                     search_samples=5, sample_seconds=15, decide_pairs=100),
}  # fmt: skip


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def demo_phase(url: str, profile: Profile) -> dict:
    log(f"bench database {server.database_name(url)}: recreating and migrating")
    server.database_recreate(url)
    server.manage(url, "migrate", "--noinput", "-v0")
    log("catalog: initial load of the embedded snapshots, then a no-change resync")
    catalog = server.step(url, "catalog")
    fixtures = server.step(url, "fixtures")
    log(f"decision question: team {fixtures['team']}, model {fixtures['model']}")
    with server.Gunicorn(url, workers=profile.workers, log_path=profile.log_dir / "gunicorn.log") as app:
        targets = measure.decision_targets(app.base, fixtures)
        measure.check_decision_targets(targets)
        log("decision: closed-loop throughput, variants interleaved")
        throughput = measure.decision_throughput(targets, profile)
        rates = {name: rate / 2 for name, rate in throughput["req_per_s"].items()}
        log("decision: open loop at half of each variant's saturation")
        latency = measure.decision_latency(targets, rates, profile)
        log("catalog: list API and page latency")
        pages = measure.catalog_latency(app.base, fixtures, profile)
    isolated = isolated_decision(url, fixtures, profile)
    log("decision: in-process latency (cache miss and hit)")
    _, step_cpus = server.isolated_cpus(isolated)  # as in the scale phase's comparison
    decide = server.step(url, "decide", f"--pairs={profile.decide_pairs}", cpus=step_cpus)
    return {
        "catalog": catalog,
        "throughput": throughput,
        "latency": latency,
        "isolated": isolated,
        "pages": pages,
        "decide": decide,
        "fixtures": fixtures,
    }


def isolated_decision(url: str, fixtures: dict, profile: Profile) -> dict | None:
    """The same three views with the server and the load generator on separate CPUs: one sync worker per server
    CPU, pinned, and the load generator pinned to the other half. Above, all of them share every CPU, so a
    request's server time also counts the moments the load generator or another worker held its CPU."""
    split = server.split_cpus()
    if split is None:
        log("decision, isolated: skipped (fewer than two CPUs)")
        return None
    server_cpus, client_cpus = split
    log(f"decision, isolated: server on CPUs {sorted(server_cpus)}, load generator on CPUs {sorted(client_cpus)}")
    log_path = profile.log_dir / "gunicorn-isolated.log"
    with (
        server.Gunicorn(url, workers=len(server_cpus), log_path=log_path, cpus=server_cpus) as app,
        server.running_on(client_cpus),
    ):
        targets = measure.decision_targets(app.base, fixtures)
        measure.check_decision_targets(targets)
        throughput = measure.decision_throughput(targets, profile)
        rates = {name: rate / 2 for name, rate in throughput["req_per_s"].items()}
        latency = measure.decision_latency_rounds(targets, rates, profile)
    return {
        "server_cpus": sorted(server_cpus),
        "client_cpus": sorted(client_cpus),
        "workers": len(server_cpus),
        "throughput": throughput,
        "latency": latency,
    }


# Benches others keep beside this one (their own database, their own printout): run as they are, output kept.
COMPONENTS = {
    "catalog_sync.py": {"full": [], "quick": []},
    "decisions.py": {"full": ["--seconds", "3"], "quick": ["--seconds", "1"]},
    "decision_endpoint.py": {"full": [], "quick": []},
}
COMPONENT_TIMEOUT = 900


def component_benches(url: str, profile: Profile) -> dict:
    """Run each component bench that exists (bench/<name>), bounded in time, on a database named after ``url``."""
    out = {}
    for name, options in COMPONENTS.items():
        path = Path(__file__).resolve().parent / name
        if not path.exists():
            continue
        log(f"component bench {name}")
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        env["DATABASE_URL"] = url
        try:
            process = subprocess.run(
                [sys.executable, str(path), *options[profile.name]],
                cwd=server.ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=COMPONENT_TIMEOUT,
            )
            out[name] = {"exit": process.returncode, "output": (process.stdout + process.stderr[-2000:]).strip()}
        except subprocess.TimeoutExpired:
            out[name] = {"exit": None, "output": f"stopped after {COMPONENT_TIMEOUT} s"}
    return out


def components_text(components: dict) -> str:
    parts = []
    for name, run in components.items():
        status = "ok" if run["exit"] == 0 else f"exit {run['exit']}"
        parts.append(f"--- bench/{name} ({status})\n{run['output']}")
    return "\n\n".join(parts)


def scale_phase(url: str, demo_url: str, demo: dict, profile: Profile, *, fresh: bool) -> dict:
    prepared = scale.prepare(url, scale.SIZES[profile.name], fresh=fresh, log=log)
    isolated = demo["isolated"]
    rate = (isolated or demo)["latency"]["decision"]["rate"]
    measured = scale.measure_scaled(
        url, demo_url, demo["fixtures"], profile=profile, decision_rate=rate, isolated=isolated, log=log
    )
    return {**prepared, **measured}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run every Modelgate benchmark and print one table.")
    parser.add_argument("--quick", action="store_true", help="shorter loops, smaller scale database")
    parser.add_argument("--skip-scale", action="store_true", help="no scale database phase")
    parser.add_argument("--fresh", action="store_true", help="drop and regenerate the scale database")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (default 3)")
    parser.add_argument("--no-components", action="store_true", help="skip bench/catalog_sync.py and the like")
    args = parser.parse_args(argv)
    RESULTS.mkdir(exist_ok=True)
    profile = dataclasses.replace(PROFILES["quick" if args.quick else "full"], workers=args.workers)
    # Like `make test`: the embedded server is stopped at the end only if this run started it.
    started_embedded = "DATABASE_URL" not in os.environ and server.embedded_status() != "running"
    try:
        return run(args, profile, server.configured_database_url())
    finally:
        if started_embedded:
            server.embedded_stop()


def run(args, profile: Profile, base_url: str) -> int:
    name = server.database_name(base_url)
    results = {
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "profile": {k: str(v) for k, v in dataclasses.asdict(profile).items()},
        "machine": server.server_facts(base_url),
        "embedded_database": "DATABASE_URL" not in os.environ,
    }
    started = time.perf_counter()
    demo_url = server.sibling_url(base_url, f"{name}_bench")
    results["demo"] = demo_phase(demo_url, profile)
    if not args.skip_scale:
        scale_url = server.sibling_url(base_url, f"{name}_bench_scale")
        results["scale"] = scale_phase(scale_url, demo_url, results["demo"], profile, fresh=args.fresh)
    # Tokens and the session stay out of the saved results (they work only on the bench databases, but still).
    results["demo"].pop("fixtures")
    if not args.no_components:
        results["components"] = component_benches(server.sibling_url(base_url, f"{name}_bench"), profile)
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["machine_after"] = server.server_facts(base_url)
    text = table(results)
    if results.get("components"):
        text += "\n\nComponent benches (their own databases and printouts):\n\n" + components_text(
            results["components"]
        )
    print(text)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    for path in (RESULTS / f"bench-{stamp}.json", RESULTS / "latest.json"):
        path.write_text(json.dumps({**results, "table": text}, indent=2, default=str))
    log(f"written to {RESULTS / f'bench-{stamp}.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

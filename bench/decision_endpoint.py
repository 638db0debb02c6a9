"""The decision endpoint against a bare JsonResponse view: same gunicorn, same process, same middleware.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/modelgate .venv/bin/python bench/decision_endpoint.py

What it does, every step bounded in requests and seconds:

1. creates a throwaway sibling database (``<name>_decision_endpoint``), migrates it and seeds one team, one model
   with an alias, a live entitlement and a gateway token (scope ``decisions``);
2. starts gunicorn (sync workers, bench.settings: the production settings with DEBUG off, persistent
   connections) serving ``POST /api/v1/decisions/`` and the bare ``POST /api/v1/bench/bare/`` (mounted only with
   MODELGATE_BENCH_VIEWS=1) in the same processes, behind the same middleware;
3. from a second process on loopback (``python -m bench.load``), drives both with a closed loop (saturation
   throughput, rounds interleaved so a noisy neighbour hits both) and then an open loop at the same fixed rate for
   both (latency counted from each request's scheduled start, so a stall cannot hide);
4. prints the throughput ratio decision/bare and p50/p99 (client side, and server side from Server-Timing:
   ``app`` is the whole Django request, ``decide`` the decision alone). The database is dropped at the end.

Printed, never asserted: speed depends on the machine and on what else runs on it (DESIGN-NOTES measured ~4,000
req/s for the bare view with 3 sync workers on 2 cores; the target is a ratio of at least 0.7).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import server  # noqa: E402

VARIANTS = {"bare": "/api/v1/bench/bare/", "decision": "/api/v1/decisions/"}
LOAD_TIMEOUT = 120  # seconds per load run, whatever its own caps say


def seed() -> dict:
    """Runs inside the benchmark settings (the server's token pepper), in a child process: the fixtures as JSON."""
    import datetime as dt

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from catalog.models import AIModel, License, ModelAlias, Organization
    from governance.models import Entitlement, OrgRole, Team
    from governance.policy import policy_active
    from governance.services.tokens import api_token_create

    policy_active()
    publisher = Organization.objects.create(slug="bench", name="Bench", is_publisher=True)
    licence = License.objects.create(key="bench-permissive", name="Permissive", category="permissive")
    model = AIModel.objects.create(slug="bench/chat-1", display_name="Chat 1", publisher=publisher, license=licence)
    ModelAlias.objects.create(model=model, name="chat-1")
    team = Team.objects.create(slug="bench-team", name="Bench team")
    now = timezone.now()
    Entitlement.objects.create(
        team=team,
        model=model,
        granted_at=now,
        expires_at=now + dt.timedelta(days=365),
        allowed_data_classifications=["internal"],
    )
    admin = get_user_model().objects.create_user("bench-admin")
    OrgRole.objects.create(user=admin, role="governance_admin")
    _, token = api_token_create(actor=admin, name="gateway", scopes=["decisions"])
    return {"team": team.slug, "model": "chat-1", "token": token}


def load(base: str, path: str, fixtures: dict, *options: str) -> dict:
    """One load run from a separate process (the server's CPU is not the client's); its JSON summary."""
    body = json.dumps({"team": fixtures["team"], "model": fixtures["model"], "data_classification": "internal"})
    command = [
        sys.executable, "-m", "bench.load", base + path, "--method", "POST", "--body", body,
        "-H", "Content-Type: application/json", "-H", f"Authorization: Bearer {fixtures['token']}", *options,
    ]  # fmt: skip
    process = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=LOAD_TIMEOUT, check=True)
    return json.loads(process.stdout)


def check(base: str, fixtures: dict) -> None:
    """Refuse to measure error pages: each variant must answer 200, and the decision must be an allow."""
    for name, path in VARIANTS.items():
        summary = load(base, path, fixtures, "--connections", "1", "--requests", "1", "--seconds", "10")
        if summary["statuses"] != {"200": 1}:
            raise SystemExit(f"{name} answered {summary['statuses']} instead of 200; see the gunicorn log")


def closed_loops(base: str, fixtures: dict, args) -> dict[str, list[dict]]:
    caps = ["--requests", str(args.max_requests), "--seconds", str(args.seconds)]
    for path in VARIANTS.values():  # reach every worker: token cache, decision cache, listener, connection
        load(base, path, fixtures, "--connections", str(args.connections), "--requests", "600", "--seconds", "5")
    runs: dict[str, list[dict]] = {name: [] for name in VARIANTS}
    for _ in range(args.rounds):
        for name, path in VARIANTS.items():
            runs[name].append(load(base, path, fixtures, "--connections", str(args.connections), *caps))
    return runs


def open_loops(base: str, fixtures: dict, rate: float, args) -> dict[str, dict]:
    caps = ["--rate", f"{rate:.0f}", "--requests", str(args.max_requests), "--seconds", str(args.seconds)]
    return {name: load(base, path, fixtures, *caps) for name, path in VARIANTS.items()}


def ms(value) -> str:
    return f"{value:7.2f} ms" if value is not None else "      - ms"


def report(closed: dict[str, list[dict]], opened: dict[str, dict], rate: float, args) -> str:
    rates = {name: [run["throughput"] for run in runs] for name, runs in closed.items()}
    ratio = statistics.median(d / b for d, b in zip(rates["decision"], rates["bare"], strict=True))
    errors = {name: sum(run["errors"] for run in runs) for name, runs in closed.items()}
    lines = [
        f"Decision endpoint vs bare JsonResponse view: gunicorn, {args.workers} sync workers, DEBUG off, same "
        "middleware, loopback",
        f"closed loop, {args.connections} connections, {args.rounds} rounds of at most {args.seconds:g} s "
        f"(median of rounds):",
    ]
    for name in VARIANTS:
        lines.append(
            f"  {name:<9} {statistics.median(rates[name]):8,.0f} req/s   rounds "
            f"{', '.join(f'{r:,.0f}' for r in rates[name])}   errors {errors[name]}"
        )
    lines.append(f"  throughput ratio decision / bare: {ratio:.2f}   (target >= 0.70)")
    lines.append(f"open loop at {rate:,.0f} req/s for both (latency from each request's scheduled start):")
    for name, summary in opened.items():
        server_ms = summary["server_ms"]
        app, decide = server_ms.get("app", {}), server_ms.get("decide", {})
        line = (
            f"  {name:<9} client p50 {ms(summary['client_p50_ms'])}  p99 {ms(summary['client_p99_ms'])}   "
            f"server p50 {ms(app.get('p50'))}  p99 {ms(app.get('p99'))}"
        )
        if decide:
            line += f"   decide p50 {ms(decide.get('p50'))}  p99 {ms(decide.get('p99'))}"
        lines.append(line + f"   late {summary['late']}  errors {summary['errors']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--connections", type=int, default=8, help="closed loop: requests outstanding")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0, help="time cap of each loop")
    parser.add_argument("--max-requests", type=int, default=40_000, help="request cap of each loop")
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)  # the child process's job
    args = parser.parse_args(argv)
    if args.seed:
        print(json.dumps(seed()))
        return 0
    base_url = server.configured_database_url()
    database = server.sibling_url(base_url, f"{server.database_name(base_url)}_decision_endpoint")
    server.database_recreate(database)
    try:
        server.manage(database, "migrate", "--no-input")
        seeded = subprocess.run(
            [sys.executable, __file__, "--seed"],
            cwd=ROOT,
            env=server.bench_env(database),
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
        fixtures = json.loads(seeded.stdout.strip().splitlines()[-1])
        with tempfile.TemporaryDirectory() as logs:
            log_path = Path(logs) / "gunicorn.log"
            with server.Gunicorn(database, workers=args.workers, log_path=log_path) as app:
                check(app.base, fixtures)
                closed = closed_loops(app.base, fixtures, args)
                rate = statistics.median(run["throughput"] for run in closed["decision"]) / 2
                opened = open_loops(app.base, fixtures, rate, args)
        print(report(closed, opened, rate, args))
    finally:
        drop(database)
    return 0


def drop(database: str) -> None:
    import psycopg
    from psycopg import sql

    name = sql.Identifier(server.database_name(database))
    with psycopg.connect(server.sibling_url(database, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())

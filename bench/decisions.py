"""How fast decide() answers in one process: cache hits and misses per second, with latency percentiles.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/modelgate .venv/bin/python bench/decisions.py [--seconds 3]

It creates a throwaway database (``test_<name>``, migrated, dropped at the end), one team, one model with
aliases, offerings, lineage and an entitlement, then measures:

- hit: the same question again (answered from the per-process cache, no database query);
- pair hit: the decision forgotten but the (team, model) row cached: entitlement and policy checks, no query;
- miss: the cache emptied before every call: one SQL statement plus the checks.

Printed, never asserted: speed depends on the machine (DESIGN-NOTES "The decision endpoint").
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402
from django.utils import timezone  # noqa: E402

from catalog.models import AIModel, License, LineageEdge, ModelAlias, Offering, Organization, Source  # noqa: E402
from governance.decisions import decide, decision_cache_clear, decision_listener_ready, decision_listener_stop  # noqa: E402
from governance.decisions.service import CACHE  # noqa: E402
from governance.models import Entitlement, Team, UseCase  # noqa: E402
from governance.policy.services import policy_active  # noqa: E402


def build_world() -> None:
    policy_active()
    team = Team.objects.create(slug="bench-team", name="Bench team", allowed_regions=["eu-west"])
    UseCase.objects.create(team=team, slug="support", name="Support", data_classification="internal")
    licence = License.objects.create(key="bench-commercial", name="Bench", category="commercial")
    base = AIModel.objects.create(slug="bench/base", display_name="Base", license=licence)
    model = AIModel.objects.create(slug="bench/chat", display_name="Chat", license=licence)
    LineageEdge.objects.create(model=model, base_model=base, relation="finetune")
    for name in ("bench-chat", "azure/bench-chat", "openrouter/bench/chat"):
        ModelAlias.objects.create(model=model, name=name)
    provider = Organization.objects.create(slug="bench-cloud", name="Bench cloud", is_provider=True)
    source = Source.objects.create(slug="bench", name="Bench", connector="bench")
    for region in ("eu-west", "us-east"):
        Offering.objects.create(
            model=model,
            provider=provider,
            channel="vendor_api",
            source=source,
            external_id=f"bench-{region}",
            regions=[region],
            zero_data_retention=True,
        )
    now = timezone.now()
    Entitlement.objects.create(
        team=team,
        model=model,
        granted_at=now,
        expires_at=now + dt.timedelta(days=365),
        allowed_data_classifications=["public", "internal"],
        allowed_regions=["eu-west"],
    )


def measure(label: str, call, seconds: float, before=None) -> None:
    latencies = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        if before is not None:
            before()
        start = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - start)
    latencies.sort()
    p50 = statistics.median(latencies) * 1e6
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1e6
    rate = len(latencies) / sum(latencies)
    print(f"{label:<10} {rate:>12,.0f}/s   p50 {p50:>9,.1f} µs   p99 {p99:>9,.1f} µs   ({len(latencies):,} calls)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per measurement")
    args = parser.parse_args()
    settings.MODELGATE_DECISION_LISTENER = True
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        build_world()
        if not decision_listener_ready(timeout=10):
            sys.exit("the decision listener did not start")

        def ask(region="eu-west"):
            decision = decide(
                team="bench-team", model="Azure/Bench-Chat", data_classification="internal", region=region
            )
            assert decision.allowed or region != "eu-west", decision.reasons

        ask()
        measure("hit", ask, args.seconds)
        # Forget the decisions but keep the pair rows: the entitlement and policy checks run, no query.
        measure("pair hit", ask, args.seconds, before=CACHE.decisions.clear)
        measure("miss", ask, args.seconds, before=decision_cache_clear)
    finally:
        decision_listener_stop()
        teardown_databases(databases, verbosity=0)


if __name__ == "__main__":
    main()

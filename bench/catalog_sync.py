"""How long the catalog sync takes: the initial full load of every source from its shipped snapshot, then an
unchanged resync (the same bytes are recognised by hash), and a forced full resync that parses and diffs every
record; both must write no row but their SyncRuns.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/modelgate .venv/bin/python bench/catalog_sync.py [--repeat 2]

It creates a throwaway database (``test_<name>``, migrated, dropped at the end) and prints, per source and in
total: wall seconds, CPU seconds of this process (the part that is Python: parsing and diffing), rows written and
the run's counts. Targets: initial load < 20 s, unchanged resync < 5 s with 0 rows written. Printed, never
asserted: speed depends on the machine and on what else runs on it (compare wall with CPU time).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases  # noqa: E402

from catalog.connectors import connector_class, embedded_payload  # noqa: E402
from catalog.models import AIModel, Offering, Price  # noqa: E402
from catalog.services import source_sync, sources_ensure_all  # noqa: E402

WRITES = ("INSERT", "UPDATE", "DELETE", "COPY")


def payloads() -> dict:
    found = {}
    for source in sources_ensure_all():
        payload = embedded_payload(connector_class(source.connector or source.slug))
        if payload is not None:
            found[source.slug] = payload
    return found


def catalog_rows_written(queries) -> int:
    """Statements that wrote a table other than catalog_syncrun (the run's own bookkeeping)."""
    written = 0
    for query in queries:
        words = query["sql"].replace('"', " ").split()
        if words and words[0].upper() in WRITES:
            table = words[2] if words[0].upper() in ("INSERT", "DELETE") else words[1]
            written += table != "catalog_syncrun"
    return written


def one_pass(label: str, sources: dict, *, force: bool = False) -> float:
    print(f"\n{label}")
    print(f"  {'source':<12} {'wall s':>7} {'cpu s':>7} {'writes':>7} {'created':>8} {'updated':>8} {'unchanged':>9}")
    total_wall = total_cpu = 0.0
    for slug, payload in sources.items():
        wall, cpu = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as queries:
            run = source_sync(source_slug=slug, payload=payload, trigger="bench", force=force)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        total_wall += wall
        total_cpu += cpu
        writes = catalog_rows_written(queries.captured_queries)
        print(f"  {slug:<12} {wall:>7.2f} {cpu:>7.2f} {writes:>7} {run.created:>8} {run.updated:>8} "
              f"{run.unchanged:>9}  {run.status}")  # fmt: skip
    print(f"  {'total':<12} {total_wall:>7.2f} {total_cpu:>7.2f}")
    return total_wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="unchanged resyncs to time (default 1)")
    args = parser.parse_args()
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        sources = payloads()
        initial = one_pass("initial full load (empty catalog)", sources)
        resyncs = [one_pass(f"unchanged resync #{n + 1} (same bytes: skipped by hash)", sources)
                   for n in range(args.repeat)]  # fmt: skip
        forced = [one_pass(f"forced full resync #{n + 1} (parse and diff everything)", sources, force=True)
                  for n in range(args.repeat)]  # fmt: skip
        print(f"\ncatalog: {AIModel.objects.count()} models, {Offering.objects.count()} offerings, "
              f"{Price.objects.count()} prices")  # fmt: skip
        print(
            f"initial load {initial:.1f} s (target < 20 s); best unchanged resync {min(resyncs):.1f} s, forced full "
            f"diff {min(forced):.1f} s (target < 5 s, 0 catalog writes)"
        )
    finally:
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()

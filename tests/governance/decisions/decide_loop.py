"""Run by test_cross_process.py as a separate process: ask decide() in a loop and print each change of answer.

Prints one JSON line per change ({"at": unix time, "decision": ..., "calls": n, "queries": n}) and a final
{"done": true, ...} line with how many calls were made and how many database queries they cost."""

import json
import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from governance.decisions import decide, decision_listener_ready  # noqa: E402

queries = 0


def count_queries(execute, sql, params, many, context):
    global queries
    queries += 1
    return execute(sql, params, many, context)


def main(team: str, model: str, seconds: float) -> None:
    # Off by default under the test settings (see governance.decisions.cache.listener_enabled): this process
    # is exactly what it is for.
    settings.MODELGATE_DECISION_LISTENER = True
    if not decision_listener_ready(timeout=10):
        print(json.dumps({"error": "listener not ready"}), flush=True)
        return
    calls, last = 0, None
    deadline = time.monotonic() + seconds
    with connection.execute_wrapper(count_queries):
        while time.monotonic() < deadline:
            decision = decide(team=team, model=model, data_classification="internal")
            calls += 1
            if decision.decision != last:
                last = decision.decision
                line = {"at": time.time(), "decision": last, "calls": calls, "queries": queries}
                print(json.dumps(line | {"reasons": list(decision.reasons)}), flush=True)
                if last == "deny":
                    break
            time.sleep(0.001)
    print(json.dumps({"done": True, "calls": calls, "queries": queries}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]))

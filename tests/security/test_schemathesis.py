"""Schemathesis against the live app (scripts/schemathesis.sh): gunicorn on a loopback port, the test database
seeded with the security world, a governance admin's token, every check, 10 examples per operation.

What must hold, from its JSON report and the server's log:
- it ran to the end over every operation, without errors of its own;
- no 5xx (ST101, ST102), and no traceback in the server's log;
- no operation accepts missing or invalid credentials (ST401; tests/security/test_bad_credentials.py asserts the
  exact 401 on every operation), no object-level bypass (ST402), no lost or undead resource (ST301, ST302);
- no response breaks the schema (ST103-ST111) beyond the known defects (known_schema_defects), each of which has
  its own failing test in test_api_contract.py and its fix in the security report: a new one fails here.

Schema-valid requests refused (ST202) are the API's rules at work (a team or model that does not exist, a state
that forbids the step: 400/409 naming the field), and lenient query parsing (ST201: a malformed ``page_size`` falls
back to the default page) is DRF's documented behaviour; both are listed, neither fails the test.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def known_schema_defects() -> dict[str, set[str]]:
    """code -> the operations a known defect shows on. Each has its own failing test in test_api_contract.py and
    its fix in the security report; a fixed one leaves this list (as the HTML 404s, the undocumented 400 and 415,
    the catalog's nullable relations and the two exports documented by the wrong shape did, ST108), so that it
    cannot come back unnoticed. None is open today."""
    return {}


MUST_NOT_HAPPEN = {"ST101", "ST102", "ST203", "ST301", "ST302", "ST401", "ST402"}
NOT_ASSERTED = {"ST201", "ST202"}  # see the module docstring


def database_url() -> str:
    """The URL of the test database this session created (its data is what the live app serves)."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    if str(s["HOST"]).startswith("/"):
        return f"postgres://{auth}@/{s['NAME']}?host={s['HOST']}"
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def unexpected(failures: list[dict]) -> list[str]:
    known_defects, found = known_schema_defects(), []
    for failure in failures:
        code = failure["code"]
        if code in NOT_ASSERTED:
            continue
        known = known_defects.get(code, set())
        # The stateful phase reports under one name; it replays the same operations the other phases cover.
        extra = [op for op in failure["operations"] if op not in known and not (known and op == "Stateful tests")]
        if extra:
            found.append(f"{code} {failure['title']}: {extra}")
    return found


@pytest.mark.timeout(600)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_live_api_survives_schemathesis(tmp_path):
    env = {**os.environ, "DATABASE_URL": database_url(), "SCHEMATHESIS_REPORT_DIR": str(tmp_path)}
    run = subprocess.run(
        ["bash", "scripts/schemathesis.sh"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=540
    )
    reports = list(tmp_path.glob("json-*.json"))
    assert reports, run.stdout[-3000:] + run.stderr[-3000:]
    report = json.loads(reports[0].read_text())
    failures = report["failures"]
    server_log = (tmp_path / "server.log").read_text()
    print(run.stdout[-6000:])  # the summary, for whoever reads a failing run

    assert report["stop_reason"] == "completed" and report["errors"] == []
    assert report["operations"]["tested"] == report["operations"]["selected"] >= 50
    assert report["test_cases"]["generated"] >= 500
    assert [f["code"] for f in failures if f["code"] in MUST_NOT_HAPPEN] == []
    assert "Traceback" not in server_log and "Internal Server Error" not in server_log
    assert unexpected(failures) == []

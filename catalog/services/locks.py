"""One sync per source at a time, across every worker and machine: a PostgreSQL session-level advisory lock.

The lock belongs to the database session, not to a transaction: it is held across the fetch (no transaction
open) and the reconcile transaction, and PostgreSQL releases it by itself when the session ends, so a worker
killed mid-sync never leaves it taken. The partial unique index ``catalog_syncrun_one_running`` backs it up.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)
NAMESPACE = "modelgate.catalog.sync:"


def lock_key(name: str) -> int:
    """A stable signed 64-bit key (pg advisory locks take a bigint), the same in every process."""
    digest = hashlib.sha256((NAMESPACE + name).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def advisory_lock(name: str) -> Iterator[bool]:
    """Try to take the lock without waiting; yields whether it was taken and releases it on exit."""
    key = lock_key(name)
    with connection.cursor() as cursor:  # autocommit: its own short transaction
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        taken = cursor.fetchone()[0]
    try:
        yield taken
    finally:
        if taken:
            _unlock(key)


def _unlock(key: int) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
    except DatabaseError:
        # The connection is gone, and with it the session that held the lock: nothing left to release.
        logger.warning("advisory lock %s: connection lost before unlock (released with the session)", key)


def is_locked_elsewhere(name: str) -> bool:
    """Whether another session holds the lock now (for diagnostics and tests)."""
    key = lock_key(name) & 0xFFFFFFFFFFFFFFFF  # pg_locks shows a bigint key as two unsigned 32-bit halves
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
            "AND classid::text::bigint = %s AND objid::text::bigint = %s AND pid <> pg_backend_pid())",
            [key >> 32, key & 0xFFFFFFFF],
        )
        return cursor.fetchone()[0]

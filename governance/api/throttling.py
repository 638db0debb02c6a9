"""Rate limits that hold across processes and machines: an atomic count in PostgreSQL, not DRF's cache throttle.

DRF's throttles read and write a cache non-atomically (its documentation says they are not a security measure),
so twenty concurrent requests all see the same count. Here the count and the write it guards happen in ONE
transaction, serialised per caller by a transaction-level advisory lock:

    BEGIN
    SELECT pg_advisory_xact_lock(<scope>, hashtext(<caller>))   -- concurrent calls of this caller queue here
    SELECT count(*) FROM <rows the caller created in the window>  -- sees every committed earlier call
    ... 429, or the guarded write (a new token row) ...
    COMMIT                                                       -- releases the lock

Table-free: the counter is the rows the guarded action creates (API tokens, webhook subscriptions), so only
actions that leave a row can be limited this way. Failed logins and failed bearer authentications leave none; they
need a counter table (``INSERT ... ON CONFLICT ... DO UPDATE SET count = count + 1 RETURNING count``), which the
schema does not have yet.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Min, QuerySet
from django.utils import timezone
from rest_framework.exceptions import Throttled


@dataclass(frozen=True)
class WindowLimit:
    """At most ``limit`` rows per caller within ``window`` seconds."""

    scope: str
    limit: int
    window: int

    @property
    def lock_class(self) -> int:
        # The first key of the two-key advisory lock: a stable 31-bit number per scope, disjoint from callers.
        return zlib.crc32(f"throttle:{self.scope}".encode()) & 0x7FFFFFFF


def configured(scope: str, default: tuple[int, int]) -> WindowLimit:
    """``settings.MODELGATE_THROTTLES = {"token_create": (20, 3600)}`` overrides a default (limit, seconds)."""
    limit, window = getattr(settings, "MODELGATE_THROTTLES", {}).get(scope, default)
    return WindowLimit(scope=scope, limit=int(limit), window=int(window))


@contextlib.contextmanager
def throttled_write(rule: WindowLimit, *, caller_key: str, created: QuerySet, created_field: str = "created_at"):
    """Run the block (the guarded write) only if ``created`` holds fewer than ``rule.limit`` rows in the window.

    ``created`` is the caller's rows of the kind the block creates. Raises DRF's Throttled (429, Retry-After: when
    the oldest row in the window leaves it). Must not be entered inside another transaction that would hold the
    lock longer than the write: the block commits, and releases the lock, when the ``with`` ends."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [rule.lock_class, caller_key])
        now = timezone.now()
        since = now - dt.timedelta(seconds=rule.window)
        window_rows = created.filter(**{f"{created_field}__gte": since})
        stats = window_rows.aggregate(oldest=Min(created_field), count=Count("pk"))
        if stats["count"] >= rule.limit:
            retry_after = (stats["oldest"] + dt.timedelta(seconds=rule.window) - now).total_seconds()
            raise Throttled(
                wait=max(1, math.ceil(retry_after)),
                detail=f"At most {rule.limit} in {rule.window} seconds; try again later.",
            )
        yield


TOKEN_CREATE = ("token_create", (20, 3600))
WEBHOOK_CREATE = ("webhook_create", (20, 3600))

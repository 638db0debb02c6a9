"""Rate limits on an atomic PostgreSQL counter (fixed windows). Used where a limit is a security control — failed
sign-ins — and DRF's best-effort cache throttles (its docs say so) are not enough."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from core.models import RateCounter

# One statement: concurrent hits serialise on the row and every one is counted.
UPSERT = """
    INSERT INTO core_ratecounter (scope, key, window_start, count) VALUES (%s, %s, %s, 1)
    ON CONFLICT (scope, key, window_start) DO UPDATE SET count = core_ratecounter.count + 1
    RETURNING count
"""


@dataclass(frozen=True)
class RateState:
    count: int
    limit: int
    retry_after: int  # seconds until the window ends

    @property
    def exceeded(self) -> bool:
        return self.count >= self.limit


def _window(window_seconds: int, now: dt.datetime) -> dt.datetime:
    epoch = math.floor(now.timestamp() / window_seconds) * window_seconds
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC)


def _key(identity: str) -> str:
    return hashlib.sha256(identity.encode()).hexdigest()


def _retry_after(start: dt.datetime, window_seconds: int, now: dt.datetime) -> int:
    return max(1, math.ceil((start + dt.timedelta(seconds=window_seconds) - now).total_seconds()))


def rate_limit_hit(*, scope: str, identity: str, limit: int, window_seconds: int) -> RateState:
    """Count one hit and return the state after it. Atomic across processes and machines."""
    now = timezone.now()
    start = _window(window_seconds, now)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(UPSERT, [scope, _key(identity), start])
        count = cursor.fetchone()[0]
    return RateState(count=count, limit=limit, retry_after=_retry_after(start, window_seconds, now))


def rate_limit_state(*, scope: str, identity: str, limit: int, window_seconds: int) -> RateState:
    """The current count without counting a hit."""
    now = timezone.now()
    start = _window(window_seconds, now)
    row = RateCounter.objects.filter(scope=scope, key=_key(identity), window_start=start).values_list(
        "count", flat=True
    )
    return RateState(count=next(iter(row), 0), limit=limit, retry_after=_retry_after(start, window_seconds, now))


def rate_counters_purge(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    deleted, _ = RateCounter.objects.filter(window_start__lt=timezone.now() - older_than).delete()
    return deleted

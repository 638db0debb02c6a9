"""Catalog tasks: thin. Ids in, one service call; retries live here, idempotence in the service (advisory lock,
one running row per source, an unchanged snapshot writes nothing)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from catalog.services import source_sync
from catalog.services.sync import SourceUnavailableError

# Every task must end before the broker would redeliver it as lost (Redis' visibility timeout), or a second copy
# starts while the first still runs. A full sync takes seconds; the limit is there for a hung fetch.
SYNC_TIME_LIMIT = min(15 * 60, int(settings.CELERY_BROKER_VISIBILITY_TIMEOUT * 0.8))
# Never below one second, however short a visibility timeout someone configures.
SYNC_SOFT_TIME_LIMIT = max(1, SYNC_TIME_LIMIT - max(10, SYNC_TIME_LIMIT // 10))
# Transient fetch failures (network, 429, 5xx) back off exponentially, with jitter so sources that failed together
# do not retry together: ~1, 2, 4, 8, 16 minutes, never more than 30.
SYNC_MAX_RETRIES = 5
SYNC_RETRY_BACKOFF = 60
SYNC_RETRY_BACKOFF_MAX = 30 * 60


@shared_task(
    name="catalog.sync_source",
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(SourceUnavailableError,),
    max_retries=SYNC_MAX_RETRIES,
    retry_backoff=SYNC_RETRY_BACKOFF,
    retry_backoff_max=SYNC_RETRY_BACKOFF_MAX,
    retry_jitter=True,
    time_limit=SYNC_TIME_LIMIT,
    soft_time_limit=SYNC_SOFT_TIME_LIMIT,
)
def sync_source(source_slug: str, trigger: str = "beat") -> int:
    """Refresh one catalog source; returns the SyncRun id (a skipped run when another sync holds the source)."""
    return source_sync(source_slug=source_slug, trigger=trigger).pk

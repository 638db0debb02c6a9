"""Readiness checks: each returns (ok, detail) and never raises."""

from __future__ import annotations

from django.conf import settings
from django.db import connection


def check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means not ready; the detail says which
        return False, f"{type(exc).__name__}: {exc}"[:300]
    return True, "ok"


def check_broker(timeout: float = 2.0) -> tuple[bool, str]:
    from kombu import Connection

    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=timeout) as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
    except Exception as exc:
        return False, f"{type(exc).__name__}: {exc}"[:300]
    return True, "ok"


def background_status(max_age_seconds: int = 120) -> dict:
    """When beat last had the worker run its heartbeat (scheduled every 30 s)."""
    from django.utils import timezone

    from core.models import Heartbeat

    heartbeat = Heartbeat.objects.filter(component="worker").first()
    if heartbeat is None:
        return {"worker_and_beat": {"ok": False, "last_seen": None}}
    age = (timezone.now() - heartbeat.last_seen).total_seconds()
    return {"worker_and_beat": {"ok": age <= max_age_seconds, "last_seen": heartbeat.last_seen.isoformat()}}

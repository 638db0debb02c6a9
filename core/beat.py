"""A beat scheduler that only sends while it leads.

django-celery-beat's DatabaseScheduler elects no leader: two beats started by mistake (or during a rolling deploy)
would each send every periodic task. This scheduler takes a PostgreSQL session-level advisory lock on a connection
of its own before it sends anything; a second beat finds the lock taken and stands by, checking again every few
seconds. If the leader dies, its connection closes, PostgreSQL releases the lock, and a standby takes over.
"""

from __future__ import annotations

import logging

import psycopg
from django.conf import settings
from django_celery_beat.schedulers import DatabaseScheduler

logger = logging.getLogger(__name__)

# An arbitrary constant shared by every Modelgate beat: "mgbeat" in ASCII.
LEADER_LOCK_KEY = 0x6D6762656174
STANDBY_RECHECK_SECONDS = 5.0


def _connection_params() -> dict:
    db = settings.DATABASES["default"]
    params = {"dbname": db["NAME"], "user": db.get("USER") or None, "password": db.get("PASSWORD") or None}
    if db.get("HOST"):
        params["host"] = db["HOST"]
    if db.get("PORT"):
        params["port"] = db["PORT"]
    return {key: value for key, value in params.items() if value is not None}


class LeaderElectedDatabaseScheduler(DatabaseScheduler):
    def __init__(self, *args, **kwargs):
        self._leader_connection: psycopg.Connection | None = None
        self._leading = False
        super().__init__(*args, **kwargs)

    def _still_leading(self) -> bool:
        try:
            if self._leader_connection is None or self._leader_connection.closed:
                self._leading = False
                self._leader_connection = psycopg.connect(**_connection_params(), autocommit=True, connect_timeout=5)
            if self._leading:
                self._leader_connection.execute("SELECT 1")  # the lock lives as long as this connection does
                return True
            got = self._leader_connection.execute("SELECT pg_try_advisory_lock(%s)", [LEADER_LOCK_KEY]).fetchone()
            self._leading = bool(got and got[0])
            if self._leading:
                logger.info("beat: this scheduler leads and sends periodic tasks")
        except psycopg.Error:
            logger.warning("beat: lost the database connection of the leader lock; standing by", exc_info=True)
            self._leading = False
            if self._leader_connection is not None:
                self._leader_connection.close()
            self._leader_connection = None
        return self._leading

    def tick(self, *args, **kwargs):
        if not self._still_leading():
            return STANDBY_RECHECK_SECONDS
        return super().tick(*args, **kwargs)

    def close(self):
        super().close()
        if self._leader_connection is not None:
            self._leader_connection.close()
            self._leader_connection = None

"""Settings of the workers and beats the reliability tests start: the test settings, plus what a test must observe
from outside the process.

- Email is written to files under ``RELIABILITY_EMAIL_DIR`` (the test settings' in-memory outbox lives and dies
  inside the worker), so a test can count what a worker really sent.
- ``RELIABILITY_REDIS_RESTORE_INTERVAL`` makes kombu sweep for unacknowledged messages every that many seconds
  (default: every 10 s, scanning only every 10th sweep), so a task whose whole worker died is redelivered within
  the test's bound once ``CELERY_BROKER_VISIBILITY_TIMEOUT`` has passed.
- No decision-version listener: these processes never decide, and its connection would hold the test database open.
"""

from config.settings.test import *  # noqa: F403
from config.settings.test import CELERY_BROKER_TRANSPORT_OPTIONS, CELERY_BROKER_URL, env

MODELGATE_DECISION_LISTENER = False

if env("RELIABILITY_EMAIL_DIR", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = env("RELIABILITY_EMAIL_DIR")

_restore_interval = env.int("RELIABILITY_REDIS_RESTORE_INTERVAL", default=0)
if _restore_interval and CELERY_BROKER_URL.startswith("redis"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,
        "unacked_restore_interval": _restore_interval,
        "unacked_restore_throttle": 1,
    }

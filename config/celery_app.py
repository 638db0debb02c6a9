"""The Celery application. Periodic schedules are declared here, in one place, and copied into
django-celery-beat's tables by its DatabaseScheduler, where the admin can edit or disable them."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("modelgate")
# https://docs.celeryq.dev/en/stable/django/first-steps-with-django.html
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# name -> schedule entry. Each periodic task also guards itself with a database lock, so a second beat
# started by mistake cannot run a job twice.
app.conf.beat_schedule = {
    "core.heartbeat": {"task": "core.heartbeat", "schedule": 30.0},
    # The outbox's safety net: delivers what the on-commit kick could not (broker down at that moment).
    "core.outbox_relay": {"task": "core.outbox_relay", "schedule": 10.0},
    # Governance: catalog changes under live entitlements -> re-review; expiries and expiry reminders.
    "governance.rereview_catalog_changes": {"task": "governance.rereview_catalog_changes", "schedule": 300.0},
    "governance.expire_entitlements": {"task": "governance.expire_entitlements", "schedule": 900.0},
    "governance.remind_expiring_entitlements": {"task": "governance.remind_expiring_entitlements", "schedule": 3600.0},
    # Reviews past their stage's SLA: the job runs hourly; each review's reviewers are reminded once a day.
    "governance.remind_overdue_reviews": {"task": "governance.remind_overdue_reviews", "schedule": 3600.0},
    # Catalog refresh, one entry per source, staggered so syncs never compete for the worker (UTC): daily, the
    # licence list weekly. Each run takes the source's advisory lock: a duplicate beat only records a skipped run.
    **{
        f"catalog.sync.{slug}": {"task": "catalog.sync_source", "args": [slug], "schedule": schedule}
        for slug, schedule in (
            ("licenses", crontab(minute=5, hour=2, day_of_week="sun")),
            ("curated", crontab(minute=10, hour=2)),
            ("litellm", crontab(minute=20, hour=2)),
            ("models-dev", crontab(minute=30, hour=2)),
            ("openrouter", crontab(minute=40, hour=2)),
            ("huggingface", crontab(minute=50, hour=2)),
        )
    },
}

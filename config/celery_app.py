"""The Celery application. Periodic schedules are declared here, in one place, and copied into
django-celery-beat's tables by its DatabaseScheduler, where the admin can edit or disable them."""

import os

from celery import Celery

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
}

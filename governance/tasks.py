"""Governance's periodic jobs: thin tasks that call one service each. Every service guards itself with a
PostgreSQL advisory lock, so a second beat (or an overlapping run) does nothing instead of working twice."""

from celery import shared_task

from governance.services.entitlements import entitlements_expire_due, entitlements_remind_expiring
from governance.services.rereview import catalog_changes_process
from governance.services.reviews import reviews_remind_overdue


@shared_task(name="governance.rereview_catalog_changes", ignore_result=True)
def rereview_catalog_changes() -> int:
    """Flag entitlements whose model changed underneath them (price rise, licence, deprecation, provenance)."""
    return catalog_changes_process().flagged


@shared_task(name="governance.expire_entitlements", ignore_result=True)
def expire_entitlements() -> int:
    return entitlements_expire_due()


@shared_task(name="governance.remind_expiring_entitlements", ignore_result=True)
def remind_expiring_entitlements() -> int:
    return entitlements_remind_expiring()


@shared_task(name="governance.remind_overdue_reviews", ignore_result=True)
def remind_overdue_reviews() -> int:
    """Remind the reviewers of open reviews past their due date (at most once a day per review)."""
    return reviews_remind_overdue()

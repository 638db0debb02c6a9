"""Beat's governance jobs: scheduled in code, thin, and guarded so an overlapping run does nothing."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from config.celery_app import app
from governance import tasks
from governance.choices import EntitlementStatus
from governance.models import Entitlement, StageReview
from governance.services.requests import request_create, request_submit
from governance.services.rereview import catalog_changes_process
from tests.factories.catalog import ChangeEventFactory
from tests.factories.governance import EntitlementFactory

pytestmark = pytest.mark.django_db


def test_the_governance_jobs_are_in_beats_schedule():
    schedule = app.conf.beat_schedule
    for name in ("governance.rereview_catalog_changes", "governance.expire_entitlements",
                 "governance.remind_expiring_entitlements", "governance.remind_overdue_reviews"):  # fmt: skip
        assert schedule[name]["task"] == name and name in app.tasks


def test_the_tasks_run_their_service(model, team):
    past = timezone.now() - dt.timedelta(days=400)
    expired = EntitlementFactory(team=team, model=model, granted_at=past, expires_at=timezone.now())
    assert tasks.expire_entitlements() == 1
    assert Entitlement.objects.get(pk=expired.pk).status == EntitlementStatus.EXPIRED

    flagged = EntitlementFactory(team=team, model=model, granted_at=past)
    ChangeEventFactory(model=model, signal="license_changed", field="license", old_value="mit", new_value="nc",
                       occurred_at=timezone.now() - dt.timedelta(minutes=1))  # fmt: skip
    assert tasks.rereview_catalog_changes() == 1
    assert Entitlement.objects.get(pk=flagged.pk).status == EntitlementStatus.NEEDS_REVIEW

    EntitlementFactory(
        team=team, model=model, offering=None, region="eu", expires_at=timezone.now() + dt.timedelta(days=3)
    )
    assert tasks.remind_expiring_entitlements() == 1


def test_the_overdue_review_task_runs_its_service(requester, team, model, review_use_case, security_reviewer):
    request = request_create(actor=requester, team=team, model=model, use_case=review_use_case,
                             data_classification="internal", justification="Summaries.")  # fmt: skip
    request_submit(request=request, actor=requester)
    StageReview.objects.filter(request=request).update(due_at=timezone.now() - dt.timedelta(hours=1))

    assert tasks.remind_overdue_reviews() == 1
    assert tasks.remind_overdue_reviews() == 0


@pytest.mark.django_db(transaction=True)
def test_a_run_while_another_holds_the_lock_does_nothing(model, team):
    EntitlementFactory(team=team, model=model, granted_at=timezone.now() - dt.timedelta(days=30))
    ChangeEventFactory(model=model, signal="license_changed", occurred_at=timezone.now() - dt.timedelta(minutes=1))
    held, release = threading.Event(), threading.Event()

    def other_worker():
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(hashtext('governance.catalog_changes_process'))")
            held.set()
            release.wait(30)
            cursor.execute("SELECT pg_advisory_unlock(hashtext('governance.catalog_changes_process'))")
        connections["default"].close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert held.wait(30)
        assert catalog_changes_process().skipped
        assert Entitlement.objects.get().status == EntitlementStatus.ACTIVE
    finally:
        release.set()
        thread.join(30)
    assert catalog_changes_process().flagged == 1
    assert connection.is_usable()

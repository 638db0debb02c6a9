"""Entitlements: revoke, expire, re-review and reconfirm, reminders, and the beat jobs that drive them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from core.exceptions import ApplicationError, ConflictError, PermissionDeniedError
from core.models import AuditEvent, OutboxMessage
from core.outbox import outbox_relay
from governance.choices import EntitlementStatus, RequestStatus
from governance.models import ApprovalRequest, Entitlement, StageReview
from governance.services.entitlements import (
    entitlement_expire,
    entitlement_mark_needs_review,
    entitlement_reconfirm,
    entitlement_revoke,
    entitlements_expire_due,
    entitlements_remind_expiring,
)
from governance.services.requests import request_create, request_submit
from governance.services.reviews import review_approve
from tests.factories.governance import member
from tests.governance.conftest import audit_actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def entitlement(requester, team, model, minimal_use_case):
    """Auto-approved by the default policy (minimal risk, public data, GA model, permissive licence)."""
    request = request_create(
        actor=requester,
        team=team,
        model=model,
        use_case=minimal_use_case,
        data_classification="public",
        justification="Search our public docs.",
    )
    request_submit(request=request, actor=requester)
    return Entitlement.objects.get(request=request)


@pytest.fixture
def reviewed_entitlement(requester, team, model, review_use_case, security_reviewer):
    """Granted after a security review, so the security reviewer may reconfirm it."""
    request = request_create(
        actor=requester, team=team, model=model, use_case=review_use_case, data_classification="internal",
        justification="Summaries.",
    )  # fmt: skip
    request_submit(request=request, actor=requester)
    review_approve(review=StageReview.objects.get(request=request), actor=security_reviewer)
    return Entitlement.objects.get(request=request)


# --- revoke --------------------------------------------------------------------------------------------------


def test_revoking_flips_the_entitlement_and_mirrors_it_on_the_request(entitlement, gov_admin, requester):
    revoked = entitlement_revoke(entitlement=entitlement, actor=gov_admin, reason="Vendor breach")

    assert revoked.status == EntitlementStatus.REVOKED and revoked.revoked_by == gov_admin
    assert revoked.revoked_at is not None and revoked.revoke_reason == "Vendor breach"
    assert ApprovalRequest.objects.get(pk=entitlement.request_id).status == RequestStatus.REVOKED
    assert audit_actions(action__in=["entitlement.revoke", "approval_request.revoked"]) == [
        "entitlement.revoke",
        "approval_request.revoked",
    ]
    assert OutboxMessage.objects.filter(topic="notify.webhook.entitlement.revoked").count() == 1
    outbox_relay()
    [email] = [m for m in mail.outbox if "Revoked" in m.subject]
    assert requester.email in email.to and "Vendor breach" in email.body


def test_a_team_member_who_is_not_admin_cannot_revoke(entitlement, team):
    with pytest.raises(PermissionDeniedError):
        entitlement_revoke(entitlement=entitlement, actor=member(team), reason="Oops")
    entitlement.refresh_from_db()
    assert entitlement.status == EntitlementStatus.ACTIVE


def test_revoking_needs_a_reason_and_cannot_happen_twice(entitlement, gov_admin):
    with pytest.raises(ApplicationError, match="why"):
        entitlement_revoke(entitlement=entitlement, actor=gov_admin, reason=" ")
    entitlement_revoke(entitlement=entitlement, actor=gov_admin, reason="Done")
    events = AuditEvent.objects.count()
    with pytest.raises(ConflictError):
        entitlement_revoke(entitlement=entitlement, actor=gov_admin, reason="Again")
    assert AuditEvent.objects.count() == events


# --- expire and remind ---------------------------------------------------------------------------------------


def test_an_entitlement_cannot_expire_before_its_date(entitlement):
    with pytest.raises(ConflictError, match="cannot expire yet"):
        entitlement_expire(entitlement=entitlement)


def test_the_expiry_job_expires_a_due_entitlement_once(entitlement, requester):
    Entitlement.objects.filter(pk=entitlement.pk).update(
        granted_at=timezone.now() - dt.timedelta(days=400), expires_at=timezone.now() - dt.timedelta(minutes=1)
    )

    assert entitlements_expire_due() == 1
    assert entitlements_expire_due() == 0

    entitlement.refresh_from_db()
    assert entitlement.status == EntitlementStatus.EXPIRED
    assert ApprovalRequest.objects.get(pk=entitlement.request_id).status == RequestStatus.EXPIRED
    event = AuditEvent.objects.get(action="entitlement.expire")
    assert event.actor_id is None and event.actor_label == "system:expiry"
    outbox_relay()
    assert any("Expired" in m.subject and requester.email in m.to for m in mail.outbox)


def test_the_reminder_job_warns_once_before_expiry(entitlement, requester):
    Entitlement.objects.filter(pk=entitlement.pk).update(expires_at=timezone.now() + dt.timedelta(days=10))

    assert entitlements_remind_expiring(days=14) == 1
    assert entitlements_remind_expiring(days=14) == 0

    entitlement.refresh_from_db()
    assert entitlement.expiry_reminded_at is not None and entitlement.status == EntitlementStatus.ACTIVE
    assert OutboxMessage.objects.filter(topic="notify.webhook.entitlement.expiring").count() == 1
    outbox_relay()
    [email] = [m for m in mail.outbox if "Expiring" in m.subject]
    assert email.to == [requester.email]


def test_the_reminder_job_ignores_entitlements_far_from_expiry(entitlement):
    assert entitlements_remind_expiring(days=14) == 0


# --- needs review and reconfirm ------------------------------------------------------------------------------


def test_marking_for_review_keeps_the_entitlement_usable_and_tells_the_team(entitlement, requester):
    flagged = entitlement_mark_needs_review(
        entitlement=entitlement, reason="Licence changed to non-commercial", actor_label="system:rereview"
    )
    assert flagged.status == EntitlementStatus.NEEDS_REVIEW
    assert flagged.needs_review_reason == "Licence changed to non-commercial"
    assert AuditEvent.objects.get(action="entitlement.needs_review").actor_label == "system:rereview"
    outbox_relay()
    [email] = [m for m in mail.outbox if "Re-review" in m.subject]
    assert "non-commercial" in email.body


def test_a_stage_reviewer_of_the_original_request_reconfirms(reviewed_entitlement, security_reviewer):
    entitlement_mark_needs_review(entitlement=reviewed_entitlement, reason="Price +40 %", actor_label="system")

    confirmed = entitlement_reconfirm(entitlement=reviewed_entitlement, actor=security_reviewer, comment="Still ok")

    assert confirmed.status == EntitlementStatus.ACTIVE and confirmed.needs_review_reason == ""
    event = AuditEvent.objects.get(action="entitlement.reconfirm")
    assert event.context["reason"] == "Price +40 %" and event.actor_id == security_reviewer.pk


def test_the_team_itself_cannot_reconfirm(reviewed_entitlement, requester, team_admin):
    entitlement_mark_needs_review(entitlement=reviewed_entitlement, reason="Price +40 %", actor_label="system")
    for actor in (requester, team_admin):
        with pytest.raises(PermissionDeniedError):
            entitlement_reconfirm(entitlement=reviewed_entitlement, actor=actor)


def test_reconfirming_an_active_entitlement_is_a_conflict(entitlement, gov_admin):
    with pytest.raises(ConflictError):
        entitlement_reconfirm(entitlement=entitlement, actor=gov_admin)


def test_a_revoked_entitlement_cannot_be_sent_to_review(entitlement, gov_admin):
    entitlement_revoke(entitlement=entitlement, actor=gov_admin, reason="Gone")
    with pytest.raises(ConflictError):
        entitlement_mark_needs_review(entitlement=entitlement, reason="Price", actor_label="system")

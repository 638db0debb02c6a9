"""The admin shows the trail and the outbox but cannot edit them; "retry now" is audited."""

import pytest
from django.db import transaction
from django.urls import reverse

from core.audit import audit_record
from core.models import AuditEvent, OutboxMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    with transaction.atomic():
        return audit_record(action="model.update", target=("catalog.model", "1", "GPT-4o"), actor_label="system",
                            context={"team": "ml-platform"})  # fmt: skip


def test_audit_events_are_listed_filtered_and_viewable_but_not_editable(admin_client, event):
    listing = admin_client.get(reverse("admin:core_auditevent_changelist"), {"team": "ml-platform"})
    assert listing.status_code == 200
    assert b"GPT-4o" in listing.content
    assert (
        admin_client.get(reverse("admin:core_auditevent_changelist"), {"team": "other"}).context["cl"].result_count == 0
    )

    detail = admin_client.get(reverse("admin:core_auditevent_change", args=[event.pk]))
    assert detail.status_code == 200
    assert event.hash.encode() in detail.content
    assert b'name="_save"' not in detail.content

    assert admin_client.get(reverse("admin:core_auditevent_add")).status_code == 403
    assert (
        admin_client.post(reverse("admin:core_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    )
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_retry_now_makes_a_failed_message_due_and_records_who_did_it(admin_client, admin_user):
    message = OutboxMessage.objects.create(topic="governance.notify", key="k-1", status="failed", attempts=12,
                                           last_error="SMTP down")  # fmt: skip

    response = admin_client.post(
        reverse("admin:core_outboxmessage_changelist"),
        {"action": "retry_now", "_selected_action": [message.pk]},
        follow=True,
    )

    assert response.status_code == 200
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 0)
    event = AuditEvent.objects.get(action="outbox_message.retry")
    assert (event.actor_username, event.target_id) == (admin_user.username, str(message.pk))
    assert (event.before["status"], event.before["attempts"]) == ("failed", 12)

"""End to end with a real Celery worker: commit, on-commit kick, relay in the worker, handler, delivered."""

import uuid

import pytest
from django.db import transaction

from core.models import Heartbeat, OutboxMessage
from core.outbox import outbox_enqueue
from core.outbox.handlers import HEARTBEAT_TOPIC
from tests.worker import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.worker
def test_a_message_committed_here_is_delivered_by_the_worker(celery_worker_process):
    component = f"outbox-test-{uuid.uuid4().hex[:8]}"

    with transaction.atomic():
        message = outbox_enqueue(topic=HEARTBEAT_TOPIC, payload={"component": component}, key=f"hb:{component}")

    heartbeat = wait_for(lambda: Heartbeat.objects.filter(component=component).first(), message="heartbeat row")
    assert heartbeat.hostname  # stamped by the worker process that ran the handler
    delivered = wait_for(
        lambda: OutboxMessage.objects.filter(pk=message.pk, status="delivered").first(), message="delivered"
    )
    assert delivered.attempts == 1

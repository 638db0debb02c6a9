"""The relay: delivery, retries with backoff, giving up, unknown topics, and routing by topic prefix."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from core import request_context
from core.models import AuditEvent, OutboxMessage
from core.outbox import MAX_ATTEMPTS, outbox_enqueue, outbox_purge_delivered, outbox_relay, outbox_retry_now
from core.outbox.relay import BACKOFF_BASE_SECONDS, backoff

pytestmark = pytest.mark.django_db


def enqueue(topic="governance.notify.approved", key="notify:1", payload=None):
    with transaction.atomic():
        return outbox_enqueue(topic=topic, payload=payload or {"request": 1}, key=key)


def make_due(message):
    OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now() - datetime.timedelta(seconds=1))


def test_a_due_message_is_delivered_once(handlers, recorder):
    deliver = recorder()
    handlers.register_handler("governance.notify.", deliver)
    message = enqueue()

    assert outbox_relay() == 1
    assert outbox_relay() == 0

    assert deliver.delivered == [("governance.notify.approved", "notify:1", {"request": 1})]
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("delivered", 1, "")
    assert message.delivered_at is not None


def test_a_failing_handler_is_retried_later_with_growing_backoff(handlers, recorder):
    deliver = recorder(fail_times=2)
    handlers.register_handler("governance.notify.", deliver)
    message = enqueue()

    before = timezone.now()
    assert outbox_relay() == 0
    message.refresh_from_db()
    first_retry_at = message.available_at
    assert message.status == "pending"
    assert message.attempts == 1
    assert "mail server refused the connection" in message.last_error
    assert first_retry_at >= before + datetime.timedelta(seconds=BACKOFF_BASE_SECONDS / 2)
    assert outbox_relay() == 0  # not due yet: nothing is tried again at once

    make_due(message)
    outbox_relay()
    message.refresh_from_db()
    assert message.attempts == 2
    assert message.available_at - timezone.now() >= datetime.timedelta(seconds=BACKOFF_BASE_SECONDS)

    make_due(message)
    assert outbox_relay() == 1
    assert len(deliver.delivered) == 1


def test_backoff_grows_exponentially_with_jitter_and_is_capped():
    assert datetime.timedelta(seconds=5) <= backoff(1) <= datetime.timedelta(seconds=10)
    assert datetime.timedelta(seconds=40) <= backoff(4) <= datetime.timedelta(seconds=80)
    assert backoff(30) <= datetime.timedelta(hours=1)
    assert len({backoff(6) for _ in range(20)}) > 1  # jittered: retries of many messages spread out


def test_after_the_last_attempt_the_message_is_left_failed_and_visible(handlers, recorder):
    handlers.register_handler("governance.notify.", recorder(fail_times=MAX_ATTEMPTS + 5))
    message = enqueue()

    for _ in range(MAX_ATTEMPTS):
        make_due(message)
        outbox_relay()

    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", MAX_ATTEMPTS)
    assert "mail server refused" in message.last_error
    make_due(message)
    assert outbox_relay() == 0
    message.refresh_from_db()
    assert message.attempts == MAX_ATTEMPTS  # never tried again on its own


def test_retry_now_gives_a_failed_message_a_new_series_of_attempts(handlers, recorder, django_user_model):
    deliver = recorder(fail_times=MAX_ATTEMPTS)
    handlers.register_handler("governance.notify.", deliver)
    message = enqueue()
    for _ in range(MAX_ATTEMPTS):
        make_due(message)
        outbox_relay()
    operator = django_user_model.objects.create_user("ops")

    assert outbox_retry_now(message_ids=[message.pk], actor=operator) == 1

    assert outbox_relay() == 1
    assert len(deliver.delivered) == 1
    assert AuditEvent.objects.filter(action="outbox_message.retry", actor_username="ops").count() == 1


def test_a_topic_without_a_handler_waits_visibly_without_using_up_attempts(handlers):
    message = enqueue(topic="governance.unknown.thing")

    assert outbox_relay() == 0

    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 0)
    assert "no handler registered for topic 'governance.unknown.thing'" in message.last_error
    assert message.available_at > timezone.now()


def test_the_longest_matching_prefix_wins(handlers, recorder):
    general, specific = recorder(), recorder()
    handlers.register_handler("catalog.", general)
    handlers.register_handler("catalog.price.", specific)
    enqueue(topic="catalog.price.changed", key="a")
    enqueue(topic="catalog.model.retired", key="b")

    assert outbox_relay() == 2

    assert [key for _, key, _ in specific.delivered] == ["a"]
    assert [key for _, key, _ in general.delivered] == ["b"]


def test_a_taken_prefix_cannot_be_silently_taken_over(handlers, recorder):
    first = recorder()
    handlers.register_handler("catalog.", first)
    handlers.register_handler("catalog.", first)  # the same handler again (ready() twice) is fine
    with pytest.raises(ValueError, match="already has a handler"):
        handlers.register_handler("catalog.", recorder())


def test_handlers_run_with_the_request_id_of_the_request_that_enqueued(handlers):
    seen = []
    handlers.register_handler("governance.", lambda message: seen.append(request_context.request_id.get()))
    token = request_context.request_id.set("req-abc")
    try:
        enqueue()
    finally:
        request_context.request_id.reset(token)

    relay_request_id = request_context.request_id.get()
    outbox_relay()

    assert seen == ["req-abc"]
    assert request_context.request_id.get() == relay_request_id  # restored after the handler


def test_batch_size_bounds_one_run(handlers, recorder):
    handlers.register_handler("governance.", recorder())
    for n in range(5):
        enqueue(key=f"notify:{n}")

    assert outbox_relay(batch_size=2) == 2
    assert OutboxMessage.objects.filter(status="pending").count() == 3


def test_old_delivered_messages_are_purged_but_pending_and_failed_ones_never(handlers, recorder):
    handlers.register_handler("governance.", recorder())
    old = enqueue(key="old")
    enqueue(key="recent")
    outbox_relay()
    OutboxMessage.objects.filter(pk=old.pk).update(delivered_at=timezone.now() - datetime.timedelta(days=15))
    waiting = enqueue(key="waiting")
    OutboxMessage.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - datetime.timedelta(days=60))
    OutboxMessage.objects.create(topic="governance.x", key="gave-up", status="failed", attempts=12)

    assert outbox_purge_delivered() == 1

    assert set(OutboxMessage.objects.values_list("key", flat=True)) == {"recent", "waiting", "gave-up"}


def test_a_batch_size_below_one_is_refused():
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        outbox_relay(batch_size=0)

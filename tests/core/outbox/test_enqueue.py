"""outbox_enqueue: the message exists exactly when the change committed, once per key."""

import logging

import pytest
from django.db import transaction
from kombu.exceptions import OperationalError

from core.models import OutboxMessage
from core.outbox import OutboxError, outbox_enqueue, outbox_relay
from core.tasks import outbox_relay_task

pytestmark = pytest.mark.django_db


def enqueue(**overrides):
    fields = {"topic": "governance.entitlement.revoked", "payload": {"entitlement": 9}, "key": "revoked:9:1"}
    fields.update(overrides)
    with transaction.atomic():
        return outbox_enqueue(**fields)


def test_a_message_enqueued_in_a_committed_transaction_is_pending_and_due():
    message = enqueue()

    stored = OutboxMessage.objects.get(pk=message.pk)
    assert (stored.topic, stored.payload, stored.status, stored.attempts) == (
        "governance.entitlement.revoked",
        {"entitlement": 9},
        "pending",
        0,
    )
    assert stored.delivered_at is None


def test_a_rolled_back_transaction_leaves_no_message():
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_enqueue(topic="governance.entitlement.revoked", payload={}, key="revoked:1:1")
        raise RuntimeError("the revoke failed")
    assert not OutboxMessage.objects.exists()


def test_the_same_key_twice_is_one_message():
    first = enqueue(payload={"entitlement": 9})
    second = enqueue(payload={"entitlement": 9, "again": True})

    assert second.pk == first.pk
    assert OutboxMessage.objects.count() == 1
    assert OutboxMessage.objects.get().payload == {"entitlement": 9}  # the first one is kept as written


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"topic": "Not A Topic"}, "topic must be"),
        ({"key": ""}, "key must be"),
        ({"key": "k" * 256}, "key must be"),
        ({"payload": ["not", "a", "dict"]}, "payload must be a dict"),
        ({"payload": {"when": object()}}, "not JSON-serialisable"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error_and_nothing_is_written(overrides, message):
    with pytest.raises(OutboxError, match=message):
        enqueue(**overrides)
    assert not OutboxMessage.objects.exists()


def test_the_relay_is_kicked_once_after_commit_however_many_messages(django_capture_on_commit_callbacks, monkeypatch):
    kicks = []
    monkeypatch.setattr(outbox_relay_task, "apply_async", lambda **kwargs: kicks.append(kwargs))

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        outbox_enqueue(topic="catalog.price.changed", payload={"price": 1}, key="price:1")
        outbox_enqueue(topic="catalog.price.changed", payload={"price": 2}, key="price:2")
        outbox_enqueue(topic="catalog.price.changed", payload={"price": 1}, key="price:1")  # duplicate: no kick

    assert len(callbacks) == 1
    assert len(kicks) == 1 and kicks[0]["retry"] is False


def test_a_broker_outage_at_commit_loses_nothing(django_capture_on_commit_callbacks, monkeypatch, caplog, handlers,
                                                 recorder):  # fmt: skip
    # The broker is the outside world here: refuse the publish as kombu does when Redis is unreachable.
    def broker_down(**kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(outbox_relay_task, "apply_async", broker_down)
    deliver = recorder()
    handlers.register_handler("catalog.", deliver)

    with (
        caplog.at_level(logging.WARNING, logger="core.outbox.services"),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        outbox_enqueue(topic="catalog.price.changed", payload={"price": 1}, key="price:1")

    assert "could not kick the relay" in caplog.text
    assert OutboxMessage.objects.get(key="price:1").status == "pending"
    # Later, beat's periodic relay delivers it.
    assert outbox_relay() == 1
    assert deliver.delivered == [("catalog.price.changed", "price:1", {"price": 1})]

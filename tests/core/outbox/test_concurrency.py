"""Relays running at the same time, on their own connections with real commits, deliver each message once."""

import threading
from collections import Counter

import pytest
from django.db import connection, transaction

from core.models import OutboxMessage
from core.outbox import outbox_enqueue, outbox_relay

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_relay_kick")]

MESSAGES = 40
RELAYS = 3


class CountingHandler:
    def __init__(self):
        self.lock = threading.Lock()
        self.keys = Counter()

    def __call__(self, message):
        with self.lock:
            self.keys[message.key] += 1


def relay_until_empty(start: threading.Barrier, errors: list):
    try:
        start.wait(timeout=30)
        for _ in range(MESSAGES):  # bounded: each run delivers at least one while any is due
            if outbox_relay(batch_size=3) == 0 and not OutboxMessage.objects.filter(status="pending").exists():
                return
    except Exception as exc:
        errors.append(exc)
    finally:
        connection.close()


def test_concurrent_relays_deliver_each_message_exactly_once(handlers):
    handler = CountingHandler()
    handlers.register_handler("catalog.", handler)
    with transaction.atomic():
        for n in range(MESSAGES):
            outbox_enqueue(topic="catalog.price.changed", payload={"n": n}, key=f"price:{n}")
    start, errors = threading.Barrier(RELAYS), []
    threads = [threading.Thread(target=relay_until_empty, args=(start, errors)) for _ in range(RELAYS)]

    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert handler.keys == Counter({f"price:{n}": 1 for n in range(MESSAGES)})
    assert OutboxMessage.objects.filter(status="delivered").count() == MESSAGES


def test_a_message_locked_by_another_relay_is_skipped_not_waited_for(handlers):
    handler = CountingHandler()
    handlers.register_handler("catalog.", handler)
    with transaction.atomic():
        locked = outbox_enqueue(topic="catalog.price.changed", payload={}, key="locked")
        outbox_enqueue(topic="catalog.price.changed", payload={}, key="free")
    claimed, release = threading.Event(), threading.Event()

    def other_relay_claiming():
        try:
            with transaction.atomic():
                OutboxMessage.objects.select_for_update().get(pk=locked.pk)
                claimed.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    other = threading.Thread(target=other_relay_claiming)
    other.start()
    try:
        assert claimed.wait(timeout=30)
        assert outbox_relay() == 1  # returns at once with the free one, not blocked by the lock
        assert list(handler.keys) == ["free"]
    finally:
        release.set()
        other.join(timeout=30)
    assert outbox_relay() == 1
    assert handler.keys == Counter({"free": 1, "locked": 1})

"""Concurrent writers, each on its own connection and committing for real, never fork the chain."""

import threading

import pytest
from django.db import connection, transaction

from core.audit import AuditError, audit_record, audit_verify
from core.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)

WRITERS = 6
EVENTS_EACH = 8


def write_events(writer: int, start: threading.Barrier, errors: list):
    try:
        start.wait(timeout=30)
        for n in range(EVENTS_EACH):
            with transaction.atomic():
                audit_record(action="model.update", target=("catalog.model", f"{writer}-{n}", "m"), actor_label="t")
    except Exception as exc:  # reported to the test thread, which fails on it
        errors.append(exc)
    finally:
        connection.close()


def test_concurrent_writers_never_fork_the_chain():
    start = threading.Barrier(WRITERS)
    errors: list = []
    threads = [threading.Thread(target=write_events, args=(w, start, errors)) for w in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert AuditEvent.objects.count() == WRITERS * EVENTS_EACH
    result = audit_verify()
    assert (result.intact, result.checked) == (True, WRITERS * EVENTS_EACH)
    # One successor per event: no two events share a predecessor.
    prev_hashes = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(set(prev_hashes)) == len(prev_hashes)


def test_outside_a_transaction_it_refuses_and_writes_nothing():
    with pytest.raises(AuditError, match=r"inside transaction\.atomic"):
        audit_record(action="model.update", target=("catalog.model", "1", "x"), actor_label="system")
    assert not AuditEvent.objects.exists()


def test_under_repeatable_read_it_refuses_rather_than_risk_a_fork():
    with pytest.raises(AuditError, match="READ COMMITTED"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        audit_record(action="model.update", target=("catalog.model", "1", "x"), actor_label="system")
    assert not AuditEvent.objects.exists()


def test_the_test_runner_can_still_empty_the_table_between_tests():
    # This test's own teardown TRUNCATEs every table; the row written here must not break it (see migration 0003).
    with transaction.atomic():
        audit_record(action="model.update", target=("catalog.model", "1", "x"), actor_label="system")
    assert AuditEvent.objects.count() == 1

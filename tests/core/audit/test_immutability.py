"""The database itself refuses to change or remove audit events, whoever asks."""

import pytest
from django.db import DatabaseError, connection, transaction

from core.audit import audit_record
from core.models import AUDIT_TRUNCATE_SWITCH, AuditEvent, ImmutableAuditError

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    with transaction.atomic():
        return audit_record(action="model.update", target=("catalog.model", "1", "m"), actor_label="system")


def run_sql(sql: str, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    "sql",
    [
        'UPDATE core_auditevent SET after = \'{"status": "approved"}\'',
        "DELETE FROM core_auditevent",
        "TRUNCATE core_auditevent",
    ],
)
def test_raw_sql_cannot_change_or_remove_events(event, sql):
    # The test runner's switch is on for this connection; turn it off as every production connection has it.
    run_sql("SELECT set_config(%s, 'off', false)", [AUDIT_TRUNCATE_SWITCH])
    try:
        with pytest.raises(DatabaseError, match="core_auditevent is append-only"):
            run_sql(sql)
    finally:
        run_sql("SELECT set_config(%s, 'on', false)", [AUDIT_TRUNCATE_SWITCH])
    assert AuditEvent.objects.get(pk=event.pk).after is None


def test_the_orm_cannot_change_or_remove_events_either(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(ImmutableAuditError):
        event.save()
    with pytest.raises(ImmutableAuditError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "model.update"


def test_deleting_a_user_keeps_the_events_they_caused_and_their_name(django_user_model):
    dave = django_user_model.objects.create_user("dave")
    with transaction.atomic():
        event = audit_record(action="model.update", target=("catalog.model", "1", "m"), actor=dave)

    dave.delete()

    kept = AuditEvent.objects.get(pk=event.pk)
    assert (kept.actor_username, kept.actor_id) == ("dave", event.actor_id)


def test_only_the_test_settings_switch_on_truncation(settings):
    from config.settings import base
    from core.models import audit_truncate_allowed

    assert audit_truncate_allowed()  # this test run: the runner flushes tables between transactional tests
    assert base.AUDIT_ALLOW_TRUNCATE is False  # what local and production settings inherit
    settings.AUDIT_ALLOW_TRUNCATE = False
    assert not audit_truncate_allowed()

"""verify_audit: intact chains pass; an edit or a removal made around the trigger is found and named."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from core.audit import audit_record, audit_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def events():
    with transaction.atomic():
        return [
            audit_record(action="model.update", target=("catalog.model", str(n), f"m{n}"), actor_label="system",
                         after={"status": "draft"})
            for n in range(5)
        ]  # fmt: skip


def forge(sql: str, params=()):
    """What an attacker with the table owner's rights would do: switch the trigger off, edit, switch it back."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER USER")


def test_an_untouched_chain_is_intact(events, capsys):
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "intact (5 events)" in out
    assert f"head hash: {events[-1].hash}" in out


def test_an_empty_trail_is_intact(capsys):
    call_command("verify_audit")
    assert "intact (0 events)" in capsys.readouterr().out


def test_an_edited_event_is_reported_by_id(events):
    forged = events[2]
    forge("UPDATE core_auditevent SET after = %s WHERE id = %s", ['{"status": "approved"}', forged.pk])

    with pytest.raises(CommandError) as excinfo:
        call_command("verify_audit")

    assert excinfo.value.returncode == 1
    assert f"broken at event {forged.pk}" in str(excinfo.value)
    assert "changed after it was written" in str(excinfo.value)
    result = audit_verify()
    assert (result.intact, result.first_broken_id, result.checked) == (False, forged.pk, 2)


def test_an_edit_that_also_recomputes_the_hash_breaks_the_next_link(events):
    # A forger who recomputes the edited event's own hash still cannot fix its successor's prev_hash.
    forged = events[1]
    forge("UPDATE core_auditevent SET hash = %s WHERE id = %s", ["f" * 64, forged.pk])

    result = audit_verify()

    assert result.first_broken_id == forged.pk  # its hash no longer matches its contents
    forge("UPDATE core_auditevent SET hash = %s WHERE id = %s", [forged.hash, forged.pk])
    assert audit_verify().intact


def test_a_removed_event_is_reported_at_the_event_after_the_gap(events):
    forge("DELETE FROM core_auditevent WHERE id = %s", [events[3].pk])

    result = audit_verify()

    assert (result.intact, result.first_broken_id) == (False, events[4].pk)
    assert "removed" in result.reason


def test_removing_the_first_event_is_noticed_too(events):
    forge("DELETE FROM core_auditevent WHERE id = %s", [events[0].pk])
    assert audit_verify().first_broken_id == events[1].pk

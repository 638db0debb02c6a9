"""audit_record: what one call writes, how events chain, and what it refuses."""

import datetime
import decimal
import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from core.audit import AuditError, audit_record, audit_verify, snapshot
from core.audit.snapshot import json_safe
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def record(**overrides):
    fields = {"action": "model.update", "target": ("catalog.model", "42", "GPT-4o"), "actor_label": "system"}
    fields.update(overrides)
    with transaction.atomic():
        return audit_record(**fields)


def test_an_event_records_who_what_and_the_request_it_came_from(django_user_model, request_from):
    user = django_user_model.objects.create_user("alice", password="x")
    request_from("req-123", "203.0.113.7")

    event = record(
        actor=user,
        before={"status": "in_review"},
        after={"status": "approved", "price": decimal.Decimal("2.50")},
        context={"team": "ml-platform"},
    )

    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor_id, stored.actor_username) == (user.pk, "alice")
    assert (stored.action, stored.target_type, stored.target_id, stored.target_repr) == (
        "model.update",
        "catalog.model",
        "42",
        "GPT-4o",
    )
    assert stored.before == {"status": "in_review"}
    assert stored.after == {"status": "approved", "price": "2.50"}  # Decimal kept exact, as text
    assert stored.context == {"team": "ml-platform"}
    assert (stored.request_id, stored.ip) == ("req-123", "203.0.113.7")
    assert stored.occurred_at.tzinfo is not None


def test_events_chain_each_to_the_one_before():
    first, second, third = record(), record(action="model.retire"), record(action="model.delete")

    assert first.prev_hash == AuditEvent.GENESIS_HASH
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert len({first.hash, second.hash, third.hash}) == 3
    assert first.pk < second.pk < third.pk
    assert audit_verify().intact


def test_a_model_instance_target_is_named_by_label_id_and_str(django_user_model):
    bob = django_user_model.objects.create_user("bob")

    event = record(target=bob)

    assert (event.target_type, event.target_id, event.target_repr) == ("auth.user", str(bob.pk), "bob")


def test_a_rolled_back_transaction_leaves_no_event_and_the_chain_continues_from_the_last_commit():
    kept = record()
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(action="model.update", target=("catalog.model", "1", "x"), actor_label="system")
        raise RuntimeError("the change failed after auditing")

    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [kept.pk]
    after = record()
    assert after.prev_hash == kept.hash
    assert audit_verify().intact


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"actor_label": ""}, "needs an actor"),
        ({"action": ""}, "needs an action"),
        ({"target": "catalog.model:1"}, "target must be"),
        ({"target": ("catalog.model", "", "x")}, "target must be"),
        ({"context": ["team"]}, "context must be a dict"),
        ({"after": {"ratio": float("nan")}}, "not JSON-serialisable"),
    ],
)
def test_bad_arguments_are_refused_with_a_clear_error_and_nothing_is_written(overrides, message):
    with pytest.raises((AuditError, ValueError), match=message):
        record(**overrides)
    assert not AuditEvent.objects.exists()


def test_an_unsaved_target_is_refused(django_user_model):
    with pytest.raises(AuditError, match="unsaved"):
        record(target=django_user_model(username="ghost"))


def test_an_anonymous_actor_is_recorded_as_anonymous_not_as_the_system():
    event = record(actor=AnonymousUser(), actor_label="")
    assert (event.actor_id, event.actor_label) == (None, "anonymous")


def test_a_long_representation_is_clipped_not_refused():
    event = record(target=("catalog.model", "1", "x" * 400))
    assert len(event.target_repr) == 255
    assert event.target_repr.endswith("…")
    assert audit_verify().intact


def test_a_malformed_client_address_is_recorded_as_none(request_from):
    request_from("req-1", "unix-socket")
    assert record().ip is None


def test_an_ipv6_address_is_stored_in_its_canonical_form_and_still_verifies(request_from):
    request_from("req-1", "2001:DB8:0:0::1")
    event = record()
    assert AuditEvent.objects.get(pk=event.pk).ip == "2001:db8::1"
    assert audit_verify().intact


def test_numbers_that_jsonb_rewrites_still_verify():
    # jsonb hands 1e16 back as 10000000000000000 and keeps 1.10 as a decimal: the hash must not depend on that.
    record(after={"big": 1e16, "one": 1.0, "small": 1.5e-7, "n": 2**70})
    assert audit_verify().intact


def test_snapshot_is_json_safe_and_leaves_out_the_password(django_user_model):
    user = django_user_model.objects.create_user("carol", password="secret-password", email="c@example.com")

    picture = snapshot(user)

    assert "password" not in picture
    assert picture["username"] == "carol"
    assert picture["date_joined"] == user.date_joined.isoformat()  # microseconds kept
    assert snapshot(user, fields=["username", "email"]) == {"username": "carol", "email": "c@example.com"}
    with pytest.raises(ValueError, match="no field"):
        snapshot(user, fields=["username", "nickname"])


def test_json_safe_keeps_money_exact_and_dates_readable():
    moment = datetime.datetime(2026, 1, 31, 12, 0, 0, 123456, tzinfo=datetime.UTC)
    value = json_safe(
        {
            "price": decimal.Decimal("0.000150"),
            "day": datetime.date(2026, 1, 31),
            "at": moment,
            "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        }
    )
    assert value == {
        "price": "0.000150",
        "day": "2026-01-31",
        "at": "2026-01-31T12:00:00.123456+00:00",
        "id": "12345678-1234-5678-1234-567812345678",
    }

"""Exports: what an auditor receives, filtered, and whether they can re-check it without Modelgate."""

import csv
import datetime
import hashlib
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from core.audit import audit_events, audit_export_csv, audit_export_json, audit_record
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(django_user_model):
    erin = django_user_model.objects.create_user("erin")
    with transaction.atomic():
        approve = audit_record(action="approval_request.approve", target=("governance.approvalrequest", "7", "R-7"),
                               actor=erin, before={"status": "in_review"}, after={"status": "approved"},
                               context={"team": "ml-platform"})  # fmt: skip
        price = audit_record(action="price.change", target=("catalog.price", "3", "=HYPERLINK(\"http://x\")"),
                             actor_label="sync:litellm", after={"input_per_1m": "2.50"})  # fmt: skip
        reject = audit_record(action="approval_request.reject", target=("governance.approvalrequest", "8", "R-8"),
                              actor=erin, context={"team": "search"})  # fmt: skip
    return {"approve": approve, "price": price, "reject": reject, "erin": erin}


def exported_json(queryset) -> list[dict]:
    stream = io.StringIO()
    audit_export_json(queryset, stream)
    return json.loads(stream.getvalue())


def test_json_export_holds_every_event_in_order_with_its_hashes(trail):
    rows = exported_json(audit_events())

    assert [row["id"] for row in rows] == [trail["approve"].pk, trail["price"].pk, trail["reject"].pk]
    first = rows[0]
    assert first["actor_username"] == "erin"
    assert first["before"] == {"status": "in_review"}
    assert first["context"] == {"team": "ml-platform"}
    assert first["hash"] == trail["approve"].hash


def test_an_auditor_can_recheck_the_json_export_with_nothing_but_sha256(trail):
    # The recipe from core.audit.chain, written out independently: sha256(prev_hash + canonical JSON).
    previous = AuditEvent.GENESIS_HASH
    for row in exported_json(audit_events()):
        claimed = row.pop("hash")
        assert row["prev_hash"] == previous
        canonical = json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert hashlib.sha256((previous + canonical).encode()).hexdigest() == claimed
        previous = claimed


def test_csv_export_is_one_line_per_event_and_defuses_formulas(trail):
    stream = io.StringIO()
    count = audit_export_csv(audit_events(), stream)

    rows = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert count == len(rows) == 3
    assert rows[0]["action"] == "approval_request.approve"
    assert json.loads(rows[0]["after"]) == {"status": "approved"}
    assert rows[0]["actor_username"] == "erin"
    # A vendor-supplied name starting with "=" must not run as a formula in a spreadsheet.
    assert rows[1]["target_repr"] == '\'=HYPERLINK("http://x")'
    assert rows[2]["before"] == "null"


def test_filters_by_team_actor_action_and_target(trail):
    assert [e.pk for e in audit_events(team="ml-platform")] == [trail["approve"].pk]
    assert [e.pk for e in audit_events(actor=trail["erin"])] == [trail["approve"].pk, trail["reject"].pk]
    assert [e.pk for e in audit_events(actor="sync:litellm")] == [trail["price"].pk]
    assert [e.pk for e in audit_events(action="approval_request.*")] == [trail["approve"].pk, trail["reject"].pk]
    assert [e.pk for e in audit_events(target_type="catalog.price", target_id=3)] == [trail["price"].pk]


def test_since_is_inclusive_and_until_exclusive(trail):
    at = trail["price"].occurred_at
    assert [e.pk for e in audit_events(since=at)] == [trail["price"].pk, trail["reject"].pk]
    assert [e.pk for e in audit_events(until=at)] == [trail["approve"].pk]


def test_export_command_writes_a_filtered_file(trail, tmp_path):
    target = tmp_path / "audit.json"

    call_command("export_audit", "--format", "json", "--team", "search", "--output", str(target))

    rows = json.loads(target.read_text())
    assert [row["id"] for row in rows] == [trail["reject"].pk]


def test_export_command_csv_to_stdout_with_date_range(trail, capsys):
    today = trail["approve"].occurred_at.date()
    tomorrow = today + datetime.timedelta(days=1)

    call_command("export_audit", "--since", today.isoformat(), "--until", tomorrow.isoformat(), "--actor", "erin")

    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [row["action"] for row in rows] == ["approval_request.approve", "approval_request.reject"]


def test_export_command_refuses_a_bad_date_and_leaves_an_existing_file_alone(trail, tmp_path):
    target = tmp_path / "audit.csv"
    target.write_text("last month's export\n")

    with pytest.raises(CommandError, match="--since 'last week' is not a date"):
        call_command("export_audit", "--since", "last week", "--output", str(target))

    assert target.read_text() == "last month's export\n"

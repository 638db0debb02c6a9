"""The audit trail over the API, for auditors: filtered pages, exports identical to the ``export_audit`` command's
(streamed in batches), and verification of the hash chain."""

from __future__ import annotations

import io
import json

import pytest

from core.audit import audit_events, audit_export_csv, audit_export_json
from core.models import AuditEvent
from governance.api.views import audit as audit_views

pytestmark = pytest.mark.django_db

URL = "/api/v1/audit-events/"


def body_of(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def written(writer, events) -> str:
    buffer = io.StringIO()
    writer(events, buffer)
    return buffer.getvalue()


def test_auditors_page_through_the_trail_newest_first_with_filters(world):
    response = world.client("auditor").get(URL, {"action": "approval_request.*", "team": "search", "page_size": 2})

    assert response.status_code == 200
    page = response.json()
    expected = audit_events(action="approval_request.*", team="search").order_by("-id")
    assert [e["id"] for e in page["results"]] == list(expected.values_list("id", flat=True)[:2])
    assert all(e["context"]["team"] == "search" for e in page["results"])
    assert page["next"] is not None


def test_a_bad_filter_is_a_400_naming_it(world):
    response = world.client("auditor").get(URL, {"since": "last tuesday", "format": "xml"})

    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"since", "format"}


@pytest.mark.parametrize(("export", "writer"), [("csv", audit_export_csv), ("json", audit_export_json)])
def test_an_export_is_byte_for_byte_the_commands_across_batches(world, monkeypatch, export, writer):
    monkeypatch.setattr(audit_views, "EXPORT_BATCH", 2)  # force several batches out of the world's events
    assert AuditEvent.objects.count() > 5

    response = world.client("auditor").get(URL, {"format": export})
    filtered = world.client("auditor").get(URL, {"format": export, "team": "search", "action": "approval_request.*"})

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="audit-events-')
    assert body_of(response) == written(writer, audit_events())
    assert body_of(filtered) == written(writer, audit_events(team="search", action="approval_request.*"))


def test_an_empty_export_is_still_a_valid_file(world):
    client = world.client("admin")
    assert json.loads(body_of(client.get(URL, {"format": "json", "team": "nobody"}))) == []
    assert body_of(client.get(URL, {"format": "csv", "team": "nobody"})) == written(
        audit_export_csv, AuditEvent.objects.none()
    )


def test_the_json_export_carries_every_hashed_field(world):
    events = json.loads(body_of(world.client("auditor").get(URL, {"format": "json"})))

    assert len(events) == AuditEvent.objects.count()
    assert {"id", "prev_hash", "hash", "before", "after"} <= set(events[0])


def test_a_refused_export_answers_in_the_json_error_shape(world):
    response = world.client("member").get(URL, {"format": "csv"})

    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "permission_denied"


def test_verify_walks_the_whole_chain(world):
    result = world.client("auditor").get(f"{URL}verify/").json()

    assert result["intact"] is True and result["first_broken_id"] is None
    assert result["checked"] == AuditEvent.objects.count()
    assert result["head_hash"] == AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()

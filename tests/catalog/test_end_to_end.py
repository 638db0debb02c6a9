"""End to end with the real connectors and the snapshots shipped with the project: litellm's price map and
models.dev load a catalog of thousands of models whose every price says where and since when it comes from;
an older then a newer price map yield the events of what was added, removed and repriced, with both prices kept."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F, Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog import selectors
from catalog.choices import ChangeKind, ChangeSignal, SyncStatus
from catalog.connectors import ConnectorUnavailableError, connector_class, embedded_payload
from catalog.connectors.base import Payload
from catalog.models import AIModel, ChangeEvent, Organization, Price
from catalog.services import source_sync

pytestmark = pytest.mark.django_db


def real_payload(slug: str) -> Payload:
    try:
        payload = embedded_payload(connector_class(slug))
    except ConnectorUnavailableError as exc:
        pytest.skip(f"connector {slug} is not installed: {exc}")
    if payload is None:
        pytest.skip(f"connector {slug} ships no snapshot")
    return payload


def test_litellm_and_models_dev_load_a_real_catalog_with_sourced_prices():
    runs = [source_sync(source_slug=slug, payload=real_payload(slug), trigger="test") for slug in
            ("litellm", "models-dev")]  # fmt: skip

    assert [run.status for run in runs] == [SyncStatus.SUCCEEDED, SyncStatus.SUCCEEDED], [r.message for r in runs]
    assert AIModel.objects.count() >= 2000
    organizations = Organization.objects.filter(Q(models__isnull=False) | Q(offerings__isnull=False)).distinct()
    assert organizations.count() >= 50
    # Every price names its source (the offering's) and the run that opened it, from when it holds.
    assert Price.objects.count() > 5000
    assert not Price.objects.exclude(source=F("offering__source")).exists()
    for run in runs:
        window = Price.objects.filter(run=run)
        assert window.exists()
        assert not window.exclude(effective_from__range=(run.started_at, run.finished_at)).exists()
    # One identity whatever the name: litellm's routing names and models.dev's ids meet on one model.
    gpt4o = selectors.model_get_by_name("gpt-4o")
    assert gpt4o is not None and selectors.model_get_by_name("azure/gpt-4o") == gpt4o
    assert {o.source.slug for o in gpt4o.offerings.select_related("source")} == {"litellm", "models-dev"}
    # The two sources disagree somewhere (DESIGN-NOTES: a few context windows); the disagreement is shown.
    conflict = ChangeEvent.objects.filter(kind=ChangeKind.CONFLICT).select_related("model").first()
    assert conflict is not None and set(conflict.new_value) == {"litellm", "models-dev"}
    assert conflict.field in {c.field for c in selectors.model_conflicts(conflict.model)}


def test_an_unchanged_real_snapshot_resyncs_without_writing_a_row():
    payload = real_payload("litellm")
    source_sync(source_slug="litellm", payload=payload, trigger="test")

    with CaptureQueriesContext(connection) as queries:
        run = source_sync(source_slug="litellm", payload=payload, trigger="test", force=True)  # the full diff

    writes = [q["sql"] for q in queries.captured_queries if q["sql"].split(None, 1)[0] in ("INSERT", "UPDATE",
              "DELETE", "COPY")]  # fmt: skip
    assert writes and all('"catalog_syncrun"' in sql for sql in writes), writes[:3]
    assert (run.created, run.updated, run.retired) == (0, 0, 0) and run.unchanged > 4000


def test_an_older_then_a_newer_price_map_records_added_removed_and_repriced_models():
    newer = real_payload("litellm")
    entries = json.loads(newer.body)
    assert entries["gpt-4o"]["input_cost_per_token"] == 2.5e-06  # the fixture this test edits
    # o3-mini (under every name and channel) only in the newer map
    older = {key: entry for key, entry in entries.items() if "o3-mini" not in key}
    assert 0 < len(entries) - len(older) < 50
    older["contoso-legacy-1"] = {**entries["gpt-4o-mini"]}  # only in the older map: removed in the newer one
    older["gpt-4o"] = {**entries["gpt-4o"], "input_cost_per_token": 5e-06}  # the newer map halves it
    old_payload = Payload(body=json.dumps(older).encode(), origin="test:older", fetched_at=timezone.now())

    first = source_sync(source_slug="litellm", payload=old_payload, trigger="test")
    second = source_sync(source_slug="litellm", payload=newer, trigger="test")

    assert (first.status, second.status) == (SyncStatus.SUCCEEDED, SyncStatus.SUCCEEDED)
    changes = selectors.catalog_changes(since=second.started_at)
    o3_mini = selectors.model_get_by_name("o3-mini")
    assert changes.filter(signal=ChangeSignal.MODEL_ADDED, model=o3_mini).exists()
    legacy = selectors.model_get_by_name("contoso-legacy-1")
    assert changes.filter(signal=ChangeSignal.MODEL_REMOVED, model=legacy).exists()
    gpt4o = selectors.model_get_by_name("gpt-4o")
    repriced = changes.get(signal=ChangeSignal.PRICE_DOWN, model=gpt4o, object_repr="gpt-4o input_token")
    assert (repriced.old_value, repriced.new_value) == ("5.0000000000", "2.5000000000")
    standard_input = {"offering__external_id": "gpt-4o", "unit": "input_token", "tier": "", "variant": "standard"}
    history = [p.usd for p in selectors.price_history_for(gpt4o).filter(**standard_input)]
    assert history == [Decimal("2.5"), Decimal("5")]  # newest first, both kept

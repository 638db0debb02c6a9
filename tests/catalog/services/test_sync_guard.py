"""The garbage guard: a bad record is rejected alone, by name, and the rest is kept; a price jump is quarantined;
a snapshot that looks broken as a whole, or a payload that cannot be parsed, fails the run, writes nothing, keeps
the last good catalog and marks the source stale."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.choices import OfferingStatus, SyncStatus
from catalog.connectors.base import Payload, Rejection, Snapshot
from catalog.models import AIModel, Offering, Price, Source
from catalog.services import source_sync
from tests.catalog.conftest import catalog_state, gpt4o_snapshot, model, offering, price, sync

pytestmark = pytest.mark.django_db


def test_bad_records_are_rejected_by_name_and_the_rest_is_kept(make_source):
    source = make_source("feed-a")
    snapshot = gpt4o_snapshot()
    snapshot.models += [
        model("o1", slug="openai/o1", context_window="128k"),  # wrong type
        model("o3", slug="openai/o3", lifecycle="sunsetting"),  # not a lifecycle
        model("o4-mini", slug="openai/o4-mini"),
    ]
    snapshot.offerings += [
        offering("o1", "o1", price("input_token", "15")),  # its model was rejected
        offering(
            "o4-mini",
            "o4-mini",
            price("input_token", "-1"),
            price("output_token", "4.40"),
            price("cached_input_token", "27500"),
            price("reasoning_token", 4.4),
        ),
    ]

    run = sync(source, snapshot)

    assert run.status == SyncStatus.SUCCEEDED
    assert set(AIModel.objects.values_list("slug", flat=True)) == {"openai/gpt-4o", "openai/o4-mini"}
    errors = {e["record"]: e["error"] for e in run.errors}
    assert errors["model o1"] == "context_window must be a whole number, got str"
    assert errors["model o3"].startswith("lifecycle 'sunsetting' is not one of")
    assert errors["offering o1"] == "model_ref 'o1' names no accepted model of this snapshot"
    assert errors["price o4-mini input_token"] == "usd must not be below 0, got -1"
    assert "above the plausible maximum of 10000" in errors["price o4-mini cached_input_token"]
    assert errors["price o4-mini reasoning_token"] == "usd must be a Decimal, got float"
    assert run.rejected == 6
    o4 = Offering.objects.get(external_id="o4-mini")
    assert list(Price.objects.filter(offering=o4).values_list("unit", "usd")) == [("output_token", Decimal("4.4"))]


def test_the_connectors_own_rejections_are_counted_and_named(make_source):
    source = make_source("feed-a")
    snapshot = gpt4o_snapshot()
    snapshot.rejected = [Rejection(record="data[7]", error="a model entry must be an object, got list")]

    run = sync(source, snapshot)

    assert run.rejected == 1
    assert run.errors == [{"record": "record data[7]", "error": "a model entry must be an object, got list"}]


def test_a_rejected_record_keeps_its_existing_rows_instead_of_retiring_them(make_source):
    source = make_source("feed-a")
    sync(source, gpt4o_snapshot(input_usd="2.50"))

    broken = gpt4o_snapshot(input_usd="-3")
    broken.models[0].context_window = -5

    run = sync(source, broken)

    assert run.rejected == 2  # the model and its offering (whose model was rejected)
    offer = Offering.objects.get(external_id="gpt-4o")
    assert offer.status == OfferingStatus.ACTIVE
    assert Price.objects.get(offering=offer, unit="input_token").effective_to is None
    assert AIModel.objects.get().context_window == 128_000


def test_a_price_jump_above_10x_is_quarantined_and_the_old_price_kept(make_source):
    source = make_source("feed-a")
    sync(source, gpt4o_snapshot(input_usd="2.50", output_usd="10"))

    run = sync(source, gpt4o_snapshot(input_usd="30", output_usd="12"))  # 12x: a typo, or a unit mixed up

    current = {p.unit: p.usd for p in Price.objects.filter(effective_to__isnull=True)}
    assert current == {"input_token": Decimal("2.5"), "output_token": Decimal("12")}
    assert Price.objects.filter(unit="input_token").count() == 1
    assert run.errors == [{
        "record": "price gpt-4o input_token",
        "error": "price changes from 2.5 to 30 (more than 10x): quarantined, 2.5 kept",
    }]  # fmt: skip
    assert run.rejected == 1 and run.updated == 1  # the output price still moved


def test_a_snapshot_with_fewer_than_half_the_records_fails_and_keeps_the_last_good_catalog(make_source):
    source = make_source("feed-a")
    full = gpt4o_snapshot()
    full.models += [model(f"m{i}", slug=f"openai/m{i}") for i in range(8)]
    sync(source, full)
    before = catalog_state()

    run = sync(source, gpt4o_snapshot())  # 2 records where there were 10

    assert run.status == SyncStatus.FAILED
    assert "the snapshot has 2 records, the last good one had 10" in run.message
    assert catalog_state() == before
    assert Source.objects.get(pk=source.pk).is_stale


def test_an_empty_snapshot_fails_where_the_source_had_records(make_source):
    source = make_source("feed-a")
    sync(source, gpt4o_snapshot())
    before = catalog_state()

    run = sync(source, Snapshot())

    assert run.status == SyncStatus.FAILED and "has 0 records" in run.message
    assert catalog_state() == before


def test_a_malformed_payload_fails_the_run_writes_nothing_and_marks_the_source_stale(make_source):
    source = make_source("feed-a")
    sync(source, gpt4o_snapshot())
    before = catalog_state()

    broken = Payload(body=b"{not json", origin="test://broken", fetched_at=timezone.now())
    run = source_sync(source_slug=source.slug, payload=broken)

    assert run.status == SyncStatus.FAILED
    assert run.message.startswith("test://broken: not a stub snapshot")
    assert (run.created, run.updated) == (0, 0)
    assert catalog_state() == before
    source.refresh_from_db()
    assert source.is_stale

    recovered = sync(source, gpt4o_snapshot(output_usd="11"))
    source.refresh_from_db()
    assert recovered.status == SyncStatus.SUCCEEDED and not source.is_stale


def test_an_error_in_the_middle_of_the_reconcile_rolls_everything_back(make_source, monkeypatch):
    source = make_source("feed-a")
    sync(source, gpt4o_snapshot())
    before = catalog_state()

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    # Offerings are reconciled after models and organizations were written in the same transaction.
    monkeypatch.setattr("catalog.services.reconcile.offerings_reconcile", explode)
    changed = gpt4o_snapshot(context_window=1_000_000)
    changed.models.append(model("o1", slug="openai/o1"))
    run = sync(source, changed)

    assert run.status == SyncStatus.FAILED
    assert run.message == "reconcile failed, nothing written: RuntimeError: disk full"
    assert catalog_state() == before

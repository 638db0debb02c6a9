"""source_sync reconciles a snapshot: creates, updates per field, leaves the unchanged alone, keeps price history,
retires what a complete snapshot no longer lists, and records every change as a ChangeEvent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import selectors
from catalog.choices import AliasResolution, ChangeKind, ChangeSignal, OfferingStatus, SyncStatus
from catalog.connectors.base import OrganizationRecord, Snapshot
from catalog.models import AIModel, ChangeEvent, FieldObservation, ModelAlias, Offering, Price, Source
from core.models import AuditEvent
from tests.catalog.conftest import gpt4o_snapshot, model, offering, price, rows_written_by, sync

pytestmark = pytest.mark.django_db

WRITE_VERBS = ("INSERT", "UPDATE", "DELETE")


def written_tables(queries) -> set[str]:
    tables = set()
    for query in queries:
        sql = query["sql"]
        verb = sql.split(None, 1)[0].upper()
        if verb in WRITE_VERBS or sql.upper().startswith("COPY"):
            tables.add(sql.split('"')[1])
    return tables


def test_first_sync_creates_the_model_its_offering_and_prices_with_events(make_source):
    source = make_source("feed-a")

    run = sync(source, gpt4o_snapshot())

    assert run.status == SyncStatus.SUCCEEDED
    model_row = AIModel.objects.get(slug="openai/gpt-4o")
    assert (model_row.display_name, model_row.context_window, model_row.publisher.slug) == ("GPT-4o", 128_000, "openai")
    assert not model_row.is_unresolved
    offer = Offering.objects.get(source=source, external_id="gpt-4o")
    prices = {p.unit: p for p in Price.objects.filter(offering=offer)}
    assert prices["input_token"].usd == Decimal("2.5") and prices["output_token"].usd == Decimal("10")
    assert all(p.source == source and run.started_at <= p.effective_from <= run.finished_at for p in prices.values())
    assert {p.effective_to for p in prices.values()} == {None}
    added = ChangeEvent.objects.get(signal=ChangeSignal.MODEL_ADDED)
    assert (added.model, added.run, added.source, added.kind) == (model_row, run, source, ChangeKind.CREATED)
    created_offering = ChangeEvent.objects.get(object_type="offering")
    assert created_offering.new_value == {"prices": {"input_token": "2.5000000000", "output_token": "10.0000000000"}}
    assert FieldObservation.objects.get(model=model_row, source=source, field="context_window").value == 128_000
    assert ModelAlias.objects.get(name="gpt-4o").resolution == AliasResolution.CANONICAL
    assert run.created >= 3 and run.updated == 0 and run.rejected == 0


def test_every_name_gets_an_alias_and_the_slug_resolves_too(make_source):
    source = make_source("feed-a")
    snapshot = Snapshot(models=[model("gpt-4o", "gpt-4o", "openai/gpt-4o", "GPT-4o-Latest", slug="openai/gpt-4o")])

    sync(source, snapshot)

    aliases = dict(ModelAlias.objects.values_list("name", "resolution"))
    assert aliases == {
        "gpt-4o": AliasResolution.CANONICAL,
        "openai/gpt-4o": AliasResolution.CANONICAL,
        "gpt-4o-latest": AliasResolution.CANONICAL,
    }
    assert selectors.model_get_by_name("GPT-4O-latest").slug == "openai/gpt-4o"


def test_a_resync_of_the_same_snapshot_writes_nothing_but_its_run(make_source):
    source = make_source("feed-a")
    snapshot = gpt4o_snapshot()
    snapshot.models.append(model("o1", slug="openai/o1", lifecycle="deprecated", retirement_date=dt.date(2026, 7, 1)))
    snapshot.offerings.append(offering("azure/o1", "o1", price("input_token", "15"), provider="azure", channel="azure"))
    sync(source, snapshot)
    events_before = ChangeEvent.objects.count()
    runs = []

    with CaptureQueriesContext(connection) as queries:
        written = rows_written_by(lambda: runs.append(sync(source, snapshot, force=True)))

    run = runs[0]
    assert written_tables(queries.captured_queries) == {"catalog_syncrun"}
    assert written == {"catalog_syncrun": 2}  # the run's row, inserted then finished; nothing else
    assert (run.status, run.created, run.updated, run.retired) == (SyncStatus.SUCCEEDED, 0, 0, 0)
    assert run.unchanged >= 4  # two models, two offerings, organizations
    assert ChangeEvent.objects.count() == events_before


def test_a_changed_price_closes_the_open_row_and_opens_a_new_one(make_source):
    source = make_source("feed-a")
    first = sync(source, gpt4o_snapshot(input_usd="2.50"))
    runs = []

    written = rows_written_by(lambda: runs.append(sync(source, gpt4o_snapshot(input_usd="3.00"))))

    second = runs[0]
    # one price closed, one opened, one event, the run, what the source read, the audit event, and the model's stored
    # cheapest price, once per price statement (none current after the close, 3.00 after the open): nothing else
    assert written == {"catalog_price": 2, "catalog_aimodel": 2, "catalog_changeevent": 1, "catalog_syncrun": 2,
                       "catalog_source": 1, "core_auditevent": 1}  # fmt: skip
    audit = AuditEvent.objects.get(action="catalog.source_sync", target_id=str(source.pk), after__run=second.pk)
    assert (audit.actor_label, audit.after["updated"]) == ("sync:feed-a", 1)

    rows = list(Price.objects.filter(unit="input_token").order_by("effective_from"))
    assert [(p.usd, p.effective_to is None) for p in rows] == [(Decimal("2.5"), False), (Decimal("3"), True)]
    assert rows[0].effective_to == rows[1].effective_from
    assert rows[0].run_id == first.pk and rows[1].run_id == second.pk
    assert Price.objects.filter(unit="output_token").count() == 1  # unchanged: no new row
    event = ChangeEvent.objects.get(object_type="price", kind=ChangeKind.UPDATED)
    assert (event.signal, event.old_value, event.new_value) == (ChangeSignal.PRICE_UP, "2.5000000000", "3.0000000000")
    assert event.model.slug == "openai/gpt-4o" and event.run == second
    assert second.updated == 1 and second.created == 0
    model_row = AIModel.objects.get(slug="openai/gpt-4o")
    history = [(p.unit, p.usd) for p in selectors.price_history_for(model_row)]
    assert ("input_token", Decimal("2.5")) in history and ("input_token", Decimal("3")) in history
    assert {(p.unit, p.usd) for p in selectors.current_prices_for(model_row)} == {
        ("input_token", Decimal("3")),
        ("output_token", Decimal("10")),
    }


def test_a_lower_price_signals_price_down(make_source):
    source = make_source("feed-a")
    sync(source, gpt4o_snapshot(output_usd="10"))

    sync(source, gpt4o_snapshot(output_usd="8"))

    event = ChangeEvent.objects.get(object_type="price", kind=ChangeKind.UPDATED)
    assert event.signal == ChangeSignal.PRICE_DOWN
    assert list(selectors.catalog_changes(signal=ChangeSignal.PRICE_DOWN)) == [event]


def test_a_price_no_longer_stated_is_closed_not_deleted(make_source):
    source = make_source("feed-a")
    sync(source, gpt4o_snapshot())
    snapshot = gpt4o_snapshot()
    snapshot.offerings[0].prices = [price("input_token", "2.50")]

    sync(source, snapshot)

    output = Price.objects.get(unit="output_token")
    assert output.effective_to is not None
    assert ChangeEvent.objects.filter(object_type="price", kind=ChangeKind.RETIRED).count() == 1


def test_an_offering_missing_from_a_complete_snapshot_is_retired_and_its_prices_closed(make_source):
    source = make_source("feed-a")
    snapshot = gpt4o_snapshot()
    snapshot.models.append(model("o1", slug="openai/o1"))
    snapshot.offerings.append(offering("o1", "o1", price("input_token", "15")))
    sync(source, snapshot)

    run = sync(source, gpt4o_snapshot())

    gone = Offering.objects.get(external_id="o1")
    assert gone.status == OfferingStatus.RETIRED
    assert Price.objects.get(offering=gone).effective_to is not None  # closed, kept as history
    assert Offering.objects.get(external_id="gpt-4o").status == OfferingStatus.ACTIVE
    removed = ChangeEvent.objects.get(signal=ChangeSignal.MODEL_REMOVED)
    assert removed.model.slug == "openai/o1" and removed.kind == ChangeKind.RETIRED
    assert AIModel.objects.filter(slug="openai/o1").exists()  # the model stays in the catalog
    assert run.retired == 2  # the offering and the model's listing

    again = sync(source, gpt4o_snapshot(), force=True)
    assert again.retired == 0  # retired once, not on every run
    assert ChangeEvent.objects.filter(signal=ChangeSignal.MODEL_REMOVED).count() == 1


def test_an_incomplete_snapshot_retires_nothing(make_source):
    source = make_source("feed-a")
    snapshot = gpt4o_snapshot()
    snapshot.models.append(model("o1", slug="openai/o1"))
    snapshot.offerings.append(offering("o1", "o1", price("input_token", "15")))
    sync(source, snapshot)
    partial = gpt4o_snapshot()
    partial.complete = False

    run = sync(source, partial)

    assert run.retired == 0
    assert Offering.objects.get(external_id="o1").status == OfferingStatus.ACTIVE


def test_a_changed_field_is_one_event_with_old_and_new_values(make_source):
    source = make_source("feed-a")
    sync(source, gpt4o_snapshot(context_window=128_000))

    run = sync(source, gpt4o_snapshot(context_window=200_000, lifecycle="deprecated"))

    model_row = AIModel.objects.get(slug="openai/gpt-4o")
    assert model_row.context_window == 200_000 and model_row.lifecycle == "deprecated"
    events = {e.field: e for e in ChangeEvent.objects.filter(run=run, object_type="model")}
    assert (events["context_window"].old_value, events["context_window"].new_value) == (128_000, 200_000)
    assert events["context_window"].signal == ""
    assert events["lifecycle"].signal == ChangeSignal.DEPRECATION_ANNOUNCED
    assert run.updated == 1


def test_a_retirement_date_appearing_is_a_deprecation_signal_and_a_new_licence_a_licence_signal(make_source):
    source = make_source("feed-a")
    sync(source, gpt4o_snapshot(license="apache-2.0"))

    run = sync(source, gpt4o_snapshot(license="MIT", retirement_date=dt.date(2026, 6, 30)))

    signals = dict(ChangeEvent.objects.filter(run=run, object_type="model").values_list("field", "signal"))
    assert signals == {"retirement_date": ChangeSignal.DEPRECATION_ANNOUNCED, "license": ChangeSignal.LICENSE_CHANGED}
    assert AIModel.objects.get().license.key == "mit"


def test_the_best_precedence_wins_the_display_and_a_disagreement_is_one_conflict(make_source):
    primary, secondary = make_source("primary", precedence=20), make_source("secondary", precedence=30)
    sync(secondary, gpt4o_snapshot(context_window=200_000))
    model_row = AIModel.objects.get(slug="openai/gpt-4o")
    assert model_row.context_window == 200_000

    sync(primary, gpt4o_snapshot(context_window=128_000))
    sync(primary, gpt4o_snapshot(context_window=128_000), force=True)  # unchanged: no second conflict
    sync(secondary, gpt4o_snapshot(context_window=200_000))

    model_row.refresh_from_db()
    assert model_row.context_window == 128_000  # primary (20) beats secondary (30)
    conflict = ChangeEvent.objects.get(kind=ChangeKind.CONFLICT)
    assert conflict.field == "context_window"
    assert conflict.new_value == {"primary": 128_000, "secondary": 200_000}
    conflicts = selectors.model_conflicts(model_row)
    assert [(c.field, c.displayed, [(o.source.slug, o.value) for o in c.observations]) for c in conflicts] == [
        ("context_window", 128_000, [("primary", 128_000), ("secondary", 200_000)])
    ]


def test_when_the_winning_source_stops_stating_a_field_the_next_source_shows(make_source):
    primary, secondary = make_source("primary", precedence=20), make_source("secondary", precedence=30)
    sync(primary, gpt4o_snapshot(context_window=128_000))
    sync(secondary, gpt4o_snapshot(context_window=200_000))

    sync(primary, gpt4o_snapshot(context_window=None))

    assert AIModel.objects.get().context_window == 200_000
    assert not FieldObservation.objects.filter(source=primary, field="context_window").exists()
    assert selectors.model_conflicts(AIModel.objects.get()) == []


def test_agreeing_sources_are_no_conflict_and_a_feed_only_fills_organization_blanks(make_source):
    primary, secondary = make_source("primary", precedence=20), make_source("secondary", precedence=30)
    first = gpt4o_snapshot()
    sync(primary, first)

    second = gpt4o_snapshot()
    second.organizations = [OrganizationRecord(slug="openai", name="OpenAI, Inc.", country="US", is_publisher=True)]
    sync(secondary, second)

    assert not ChangeEvent.objects.filter(kind=ChangeKind.CONFLICT).exists()
    org = AIModel.objects.get().publisher
    assert (org.name, org.country, org.is_publisher, org.is_provider) == ("openai", "US", True, True)


def test_the_source_row_records_what_was_read(make_source):
    source = make_source("feed-a")

    run = sync(source, gpt4o_snapshot())

    source = Source.objects.get(pk=source.pk)
    assert source.snapshot["sha256"] == run.payload_sha256 and source.snapshot["records"] == 2
    assert source.last_success_at is not None and not source.is_stale


def test_the_very_payload_already_applied_is_not_reconciled_again(make_source, monkeypatch):
    source = make_source("feed-a")
    sync(source, gpt4o_snapshot())
    monkeypatch.setattr("tests.catalog.stubs.StubConnector.parse", lambda self, payload: pytest.fail("parsed"))

    runs = []
    written = rows_written_by(lambda: runs.append(sync(source, gpt4o_snapshot())))

    assert written == {"catalog_syncrun": 2}
    run = runs[0]
    assert (run.status, run.unchanged, run.created) == (SyncStatus.SUCCEEDED, 3, 0)  # organization, model, offering
    assert run.message.startswith("payload unchanged since the last good run: nothing to apply (sha256 ")


def test_a_precedence_change_is_applied_on_the_next_run_of_an_unchanged_payload(make_source):
    primary, secondary = make_source("primary", precedence=20), make_source("secondary", precedence=30)
    sync(secondary, gpt4o_snapshot(context_window=200_000))
    sync(primary, gpt4o_snapshot(context_window=128_000))
    Source.objects.filter(pk=secondary.pk).update(precedence=10)  # a person trusts it more now

    run = sync(secondary, gpt4o_snapshot(context_window=200_000))

    assert not run.message.startswith("payload unchanged")
    assert AIModel.objects.get().context_window == 200_000


def test_a_run_that_rejected_records_for_want_of_catalog_data_is_tried_again(make_source):
    source = make_source("feed-a")
    sync(source, gpt4o_snapshot(input_usd="2.50"))
    jumped = gpt4o_snapshot(input_usd="30")
    quarantined = sync(source, jumped)
    assert quarantined.rejected == 1

    again = sync(source, jumped)  # the same bytes: not skipped, the price is still held back and reported

    assert not again.message.startswith("payload unchanged")
    assert again.rejected == 1 and "quarantined" in again.errors[0]["error"]

"""Shared helpers of the catalog tests: stub sources and hand-built snapshot records."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog.connectors.base import ModelRecord, OfferingRecord, PriceRecord, Snapshot
from catalog.models import AIModel, ChangeEvent, FieldObservation, ModelAlias, Offering, Organization, Price
from catalog.services import source_sync
from tests.catalog.stubs import STUB, snapshot_payload
from tests.factories.catalog import SourceFactory


@pytest.fixture
def make_source(db):
    def make(slug: str = "feed-a", precedence: int = 20, connector: str = STUB):
        return SourceFactory(slug=slug, name=slug.title(), connector=connector, precedence=precedence)

    return make


def sync(source, snapshot: Snapshot, **options):
    """Run the real sync service on a hand-built snapshot, as a connector's parse() would return it."""
    return source_sync(source_slug=source.slug, payload=snapshot_payload(snapshot), trigger="test", **options)


def model(external_id: str, *names: str, slug: str | None = None, publisher: str | None = "openai", **fields):
    return ModelRecord(external_id=external_id, names=list(names) or [external_id], slug=slug, publisher=publisher,
                       **fields)  # fmt: skip


def offering(external_id: str, model_ref: str, *prices: PriceRecord, provider: str = "openai", **fields):
    return OfferingRecord(external_id=external_id, model_ref=model_ref, provider=provider,
                          channel=fields.pop("channel", "vendor_api"), prices=list(prices), **fields)  # fmt: skip


def price(unit: str, usd: str | Decimal, **fields) -> PriceRecord:
    return PriceRecord(unit=unit, usd=Decimal(usd) if isinstance(usd, str) else usd, **fields)


def gpt4o_snapshot(input_usd: str = "2.50", output_usd: str = "10", **model_fields) -> Snapshot:
    """One model sold by its vendor, the smallest realistic snapshot."""
    fields = {"context_window": 128_000, "display_name": "GPT-4o", **model_fields}
    return Snapshot(
        models=[model("gpt-4o", "gpt-4o", slug="openai/gpt-4o", **fields)],
        offerings=[offering("gpt-4o", "gpt-4o", price("input_token", input_usd), price("output_token", output_usd))],
    )


def catalog_state() -> dict:
    """Everything a sync could have written, to compare before and after a refused run."""
    return {
        "models": sorted(AIModel.objects.values_list("slug", "context_window")),
        "offerings": sorted(Offering.objects.values_list("external_id", "status")),
        "prices": sorted(Price.objects.values_list("offering__external_id", "unit", "usd", "effective_to")),
        "observations": FieldObservation.objects.count(),
        "events": ChangeEvent.objects.count(),
        "aliases": sorted(ModelAlias.objects.values_list("name", "model__slug")),
        "organizations": Organization.objects.count(),
    }


def rows_written_in_transaction() -> dict[str, int]:
    """table -> rows inserted, updated or deleted so far by this transaction, as PostgreSQL counts them (whatever
    the statement: INSERT, UPDATE, DELETE or COPY). Tests run inside a transaction, so a diff of two readings is
    what the code between them wrote."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables")
        return {table: count for table, count in cursor.fetchall() if count}


def rows_written_by(action) -> dict[str, int]:
    before = rows_written_in_transaction()
    action()
    after = rows_written_in_transaction()
    return {table: n - before.get(table, 0) for table, n in after.items() if n != before.get(table, 0)}

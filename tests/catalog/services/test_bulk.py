"""copy_insert and copy_update: the sync's COPY-based bulk writes give the rows bulk_create and bulk_update would
(ids, JSON, arrays, decimals, times, foreign keys to parents saved later), inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import AIModel, FieldObservation, Offering, Price
from catalog.services.bulk import COPY_THRESHOLD, copy_insert, copy_update
from tests.factories.catalog import OfferingFactory, OrganizationFactory, SourceFactory

pytestmark = pytest.mark.django_db
N = COPY_THRESHOLD + 50  # above the threshold: the COPY path


def test_copy_insert_sets_ids_and_stores_every_kind_of_value():
    org, source = OrganizationFactory(slug="acme"), SourceFactory(slug="feed")
    models = [
        AIModel(slug=f"acme/m{i}", display_name=f"M{i}", publisher=org, input_modalities=["text", "image"],
                release_date=dt.date(2025, 1, i % 28 + 1), context_window=1000 + i)
        for i in range(N)
    ]  # fmt: skip

    copy_insert(AIModel, models)

    assert all(model.pk for model in models) and len({model.pk for model in models}) == N
    stored = AIModel.objects.get(pk=models[7].pk)
    assert (stored.slug, stored.input_modalities, stored.release_date, stored.publisher) == (
        "acme/m7",
        ["text", "image"],
        dt.date(2025, 1, 8),
        org,
    )
    assert stored.created_at is not None and AIModel.objects.filter(search_document__isnull=False).count() == N
    now = timezone.now()
    observations = [FieldObservation(model=m, field="tags", source=source, value={"a": [1, "x"], "n": None},
                                     observed_at=now) for m in models]  # fmt: skip
    copy_insert(FieldObservation, observations)
    assert FieldObservation.objects.get(pk=observations[3].pk).value == {"a": [1, "x"], "n": None}


def test_copy_insert_takes_the_id_of_a_parent_saved_after_the_child_was_built():
    template = OfferingFactory()
    offerings = [Offering(model=template.model, provider=template.provider, source=template.source,
                          channel="vendor_api", external_id=f"o{i}") for i in range(N)]  # fmt: skip
    prices = [Price(offering=o, unit="input_token", usd=Decimal("0.0000000001"), effective_from=timezone.now(),
                    source=template.source) for o in offerings]  # fmt: skip

    copy_insert(Offering, offerings)
    copy_insert(Price, prices)

    assert Price.objects.get(pk=prices[-1].pk).offering_id == offerings[-1].pk
    assert Price.objects.get(pk=prices[0].pk).usd == Decimal("1E-10")


def test_copy_update_changes_only_the_named_fields_of_the_given_rows():
    org = OrganizationFactory(slug="acme")
    models = copy_insert(AIModel, [AIModel(slug=f"acme/m{i}", display_name="old", publisher=org, family="f")
                                   for i in range(N)])  # fmt: skip
    for model in models[:-1]:
        model.display_name, model.family, model.capabilities = "new", "changed in memory only", ["tools"]

    copy_update(AIModel, models[:-1], ["display_name", "capabilities"])
    copy_update(AIModel, models[:-1], ["display_name"])  # twice in one transaction: a fresh temporary table

    assert AIModel.objects.filter(display_name="new", capabilities=["tools"], family="f").count() == N - 1
    assert AIModel.objects.get(pk=models[-1].pk).display_name == "old"

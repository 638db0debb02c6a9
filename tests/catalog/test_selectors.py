"""Catalog reads: a model by any of its names, its prices (current and history), the sources' disagreements, and
the change feed governance re-reviews from."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog import selectors
from catalog.choices import ChangeSignal, OfferingStatus
from tests.factories.catalog import (
    AIModelFactory,
    ChangeEventFactory,
    FieldObservationFactory,
    ModelAliasFactory,
    OfferingFactory,
    PriceFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


def test_a_model_is_found_by_its_slug_or_any_alias_whatever_the_case():
    model = AIModelFactory(slug="openai/gpt-4o")
    ModelAliasFactory(model=model, name="azure/gpt-4o")

    assert selectors.model_get_by_name("OpenAI/GPT-4o") == model
    assert selectors.model_get_by_name("  Azure/GPT-4o ") == model
    assert selectors.model_get_by_name("gpt-5") is None
    assert selectors.model_get_by_name("") is None


def test_price_history_keeps_closed_prices_and_current_prices_skip_retired_offerings():
    model = AIModelFactory()
    live = OfferingFactory(model=model, external_id="a")
    gone = OfferingFactory(model=model, external_id="b", status=OfferingStatus.RETIRED)
    start = timezone.now() - dt.timedelta(days=10)
    PriceFactory(offering=live, usd=Decimal("3"), effective_from=start, effective_to=start + dt.timedelta(days=5))
    PriceFactory(offering=live, usd=Decimal("2"), effective_from=start + dt.timedelta(days=5))
    PriceFactory(offering=gone, usd=Decimal("9"), effective_from=start)
    PriceFactory(offering=OfferingFactory(), usd=Decimal("1"))  # another model's

    assert [(p.offering.external_id, p.usd) for p in selectors.price_history_for(model)] == [
        ("a", Decimal("2")), ("a", Decimal("3")), ("b", Decimal("9")),
    ]  # fmt: skip
    assert [p.usd for p in selectors.current_prices_for(model)] == [Decimal("2")]


def test_conflicts_list_each_disagreeing_field_best_source_first():
    model = AIModelFactory(context_window=128_000, max_output_tokens=4096)
    first, second = SourceFactory(slug="first", precedence=10), SourceFactory(slug="second", precedence=20)
    for source, window in ((second, 200_000), (first, 128_000)):
        FieldObservationFactory(model=model, source=source, field="context_window", value=window)
        FieldObservationFactory(model=model, source=source, field="max_output_tokens", value=4096)  # agree

    conflicts = selectors.model_conflicts(model)

    assert [(c.field, c.displayed) for c in conflicts] == [("context_window", 128_000)]
    assert [(o.source.slug, o.value) for o in conflicts[0].observations] == [("first", 128_000), ("second", 200_000)]


def test_the_change_feed_filters_by_time_and_signal_newest_first():
    now = timezone.now()
    old = ChangeEventFactory(occurred_at=now - dt.timedelta(days=2), signal=ChangeSignal.PRICE_UP)
    new = ChangeEventFactory(occurred_at=now, signal=ChangeSignal.PRICE_UP)
    other = ChangeEventFactory(occurred_at=now - dt.timedelta(hours=1), signal=ChangeSignal.LICENSE_CHANGED)

    assert list(selectors.catalog_changes()) == [new, other, old]
    assert list(selectors.catalog_changes(since=now - dt.timedelta(days=1))) == [new, other]
    assert list(selectors.catalog_changes(signal=ChangeSignal.PRICE_UP)) == [new, old]

"""Each model's listed price is the cheapest current standard price of its offerings that are not retired, kept by
PostgreSQL (catalog migration 0004) whoever writes the prices: the ORM, a queryset update, bulk SQL."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Min, Q
from django.utils import timezone

from catalog.choices import OfferingStatus, PriceUnit, PriceVariant
from catalog.models import AIModel, Offering, Price
from tests.factories.catalog import AIModelFactory, OfferingFactory, OrganizationFactory, PriceFactory

pytestmark = pytest.mark.django_db
LIST = "/api/v1/models/"


def listed(api, model) -> tuple[str | None, str | None]:
    """(input, output) price as the model's card in the API shows them."""
    response = api.get(f"{LIST}{model.slug}/")
    assert response.status_code == 200, response.content
    return response.json()["input_price"], response.json()["output_price"]


def usd(value: str) -> str:
    return f"{Decimal(value):.10f}"


@pytest.fixture
def model():
    return AIModelFactory(slug="acme/chat-1")


@pytest.fixture
def vendor(model):
    """The vendor's offering: input 2.50, output 10."""
    offering = OfferingFactory(model=model, external_id="vendor")
    PriceFactory(offering=offering, unit=PriceUnit.INPUT_TOKEN, usd=Decimal("2.50"))
    PriceFactory(offering=offering, unit=PriceUnit.OUTPUT_TOKEN, usd=Decimal("10"))
    return offering


@pytest.fixture
def cloud(model, vendor):
    """A cheaper reseller: input 1.20, output 8."""
    offering = OfferingFactory(model=model, external_id="cloud")
    PriceFactory(offering=offering, unit=PriceUnit.INPUT_TOKEN, usd=Decimal("1.20"))
    PriceFactory(offering=offering, unit=PriceUnit.OUTPUT_TOKEN, usd=Decimal("8"))
    return offering


def test_a_model_with_no_price_is_listed_unpriced(api, model):
    OfferingFactory(model=model)

    assert listed(api, model) == (None, None)


def test_a_cheaper_current_price_lowers_the_listed_price(api, model, vendor):
    assert listed(api, model) == (usd("2.50"), usd("10"))

    offering = OfferingFactory(model=model, external_id="cloud")
    PriceFactory(offering=offering, unit=PriceUnit.INPUT_TOKEN, usd=Decimal("1.20"))

    assert listed(api, model) == (usd("1.20"), usd("10"))
    PriceFactory(offering=offering, unit=PriceUnit.OUTPUT_TOKEN, usd=Decimal("12"))  # dearer: the vendor's stays
    assert listed(api, model) == (usd("1.20"), usd("10"))


def test_closing_the_cheapest_price_raises_the_listed_price_and_closing_the_last_leaves_it_unpriced(
    api, model, vendor, cloud
):
    now = timezone.now()
    cloud_input = Price.objects.get(offering=cloud, unit=PriceUnit.INPUT_TOKEN)
    cloud_input.effective_to = now
    cloud_input.save()

    assert listed(api, model) == (usd("2.50"), usd("8"))
    Price.objects.filter(unit=PriceUnit.INPUT_TOKEN).exclude(effective_to__isnull=False).update(effective_to=now)
    assert listed(api, model) == (None, usd("8"))


def test_a_price_change_as_the_sync_makes_it_closes_then_opens_and_lists_the_new_price(api, model, vendor):
    now = timezone.now()
    Price.objects.filter(offering=vendor, unit=PriceUnit.INPUT_TOKEN).update(effective_to=now)
    PriceFactory(offering=vendor, unit=PriceUnit.INPUT_TOKEN, usd=Decimal("3.00"), effective_from=now)

    assert listed(api, model) == (usd("3.00"), usd("10"))


def test_retiring_an_offering_drops_its_prices_and_bringing_it_back_restores_them(api, model, vendor, cloud):
    Offering.objects.filter(pk=cloud.pk).update(status=OfferingStatus.RETIRED)
    assert listed(api, model) == (usd("2.50"), usd("10"))

    vendor.status = OfferingStatus.RETIRED
    vendor.save()
    assert listed(api, model) == (None, None)

    Offering.objects.filter(pk=cloud.pk).update(status=OfferingStatus.DEPRECATED)  # still sold: it counts
    assert listed(api, model) == (usd("1.20"), usd("8"))


def test_moving_an_offering_to_another_model_moves_its_price(api, model, vendor, cloud):
    other = AIModelFactory(slug="acme/chat-2")

    Offering.objects.filter(pk=cloud.pk).update(model=other)

    assert listed(api, model) == (usd("2.50"), usd("10"))
    assert listed(api, other) == (usd("1.20"), usd("8"))


def test_deleting_prices_or_offerings_raises_the_listed_price(api, model, vendor, cloud):
    Price.objects.filter(offering=cloud, unit=PriceUnit.OUTPUT_TOKEN).delete()
    assert listed(api, model) == (usd("1.20"), usd("10"))

    cloud.delete()  # with its prices
    assert listed(api, model) == (usd("2.50"), usd("10"))


def test_only_current_standard_untiered_token_prices_count(api, model, vendor):
    PriceFactory(offering=vendor, unit=PriceUnit.INPUT_TOKEN, variant=PriceVariant.BATCH, usd=Decimal("1.25"))
    PriceFactory(offering=vendor, unit=PriceUnit.INPUT_TOKEN, tier="above_200k", usd=Decimal("0.50"))
    PriceFactory(offering=vendor, unit=PriceUnit.CACHED_INPUT_TOKEN, usd=Decimal("0.10"))
    PriceFactory(
        offering=vendor,
        unit=PriceUnit.OUTPUT_TOKEN,
        usd=Decimal("1"),
        effective_from=timezone.now() - timezone.timedelta(days=90),
        effective_to=timezone.now() - timezone.timedelta(days=60),
    )

    assert listed(api, model) == (usd("2.50"), usd("10"))


def test_a_model_saved_from_a_stale_copy_keeps_its_current_price(api, model, vendor):
    stale = AIModel.objects.get(pk=model.pk)  # loaded at 2.50
    PriceFactory(offering=OfferingFactory(model=model), unit=PriceUnit.INPUT_TOKEN, usd=Decimal("0.75"))

    stale.description = "Edited in the admin."
    stale.save()  # writes every column, the old 2.50 included

    assert listed(api, model) == (usd("0.75"), usd("10"))


def test_bulk_sql_writes_are_priced_like_any_other(api):
    call_command("generate_scale_data", prefix="t", models=30, teams=2, entitlements=4, audit_events=4,
                 stdout=io.StringIO())  # fmt: skip
    current = Q(
        offerings__prices__effective_to__isnull=True,
        offerings__prices__tier="",
        offerings__prices__variant=PriceVariant.STANDARD,
    ) & ~Q(offerings__status=OfferingStatus.RETIRED)
    expected = AIModel.objects.filter(slug__startswith="t-lab-").annotate(
        cheapest_input=Min("offerings__prices__usd", filter=current & Q(offerings__prices__unit="input_token")),
        cheapest_output=Min("offerings__prices__usd", filter=current & Q(offerings__prices__unit="output_token")),
    )

    rows = {row["slug"]: row for row in api.get(LIST, {"page_size": 100}).json()["results"]}
    assert len(expected) == 30
    for model in expected:
        assert model.cheapest_input is not None and model.cheapest_output is not None
        assert (rows[model.slug]["input_price"], rows[model.slug]["output_price"]) == (
            usd(str(model.cheapest_input)),
            usd(str(model.cheapest_output)),
        )


@pytest.fixture
def priced_catalog():
    """Seven models: five priced (two tie at 1.00), two unpriced. Cheapest first, ties by slug, unpriced last."""
    publisher = OrganizationFactory(slug="acme")
    for slug, price in [("e", "3"), ("b", "1"), ("d", "1"), ("a", "0.5"), ("c", "2"), ("f", None), ("g", None)]:
        model = AIModelFactory(slug=f"acme/{slug}", publisher=publisher)
        offering = OfferingFactory(model=model)
        if price is not None:
            PriceFactory(offering=offering, unit=PriceUnit.INPUT_TOKEN, usd=Decimal(price))
    return ["acme/a", "acme/b", "acme/d", "acme/c", "acme/e", "acme/f", "acme/g"]


def all_pages(api, query: dict) -> list[str]:
    slugs, response = [], api.get(LIST, query)
    while True:
        assert response.status_code == 200, response.content
        slugs += [row["slug"] for row in response.json()["results"]]
        if not response.json()["next"]:
            return slugs
        response = api.get(response.json()["next"])


def test_a_price_sorted_list_puts_unpriced_models_last_and_pages_across_cursors(api, priced_catalog):
    # Pages of two: a page boundary falls between the two models tied at 1.00, and another in the unpriced ones.
    assert all_pages(api, {"ordering": "input_price", "page_size": 2}) == priced_catalog
    assert all_pages(api, {"ordering": "-input_price", "page_size": 2}) == priced_catalog[::-1]
    first = api.get(LIST, {"ordering": "input_price", "page_size": 3}).json()
    assert [row["input_price"] for row in first["results"]] == [usd("0.5"), usd("1"), usd("1")]


def test_the_price_filter_reads_the_listed_price(api, priced_catalog):
    assert all_pages(api, {"max_input_price": "1", "ordering": "input_price"}) == ["acme/a", "acme/b", "acme/d"]

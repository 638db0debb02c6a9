"""A small, realistic catalog for the API and page tests: two publishers, licences, offerings with price history,
claims, a benchmark with a vendor claim beside an independent result, an alias, and a lineage edge."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.choices import ClaimStatus, LicenseCategory, PriceUnit, ProvenanceTopic, SourceTier
from tests.factories.catalog import (
    AIModelFactory,
    BenchmarkFactory,
    BenchmarkResultFactory,
    FieldObservationFactory,
    LicenseFactory,
    LineageEdgeFactory,
    ModelAliasFactory,
    OfferingFactory,
    OrganizationFactory,
    PriceFactory,
    ProvenanceClaimFactory,
    SourceFactory,
)
from tests.factories.governance import UserFactory


@pytest.fixture
def world(db):
    now = timezone.now()
    acme = OrganizationFactory(slug="acme", name="Acme AI", is_publisher=True)
    other = OrganizationFactory(slug="globex", name="Globex", is_publisher=True)
    apache = LicenseFactory(key="apache-2.0", name="Apache License 2.0", category=LicenseCategory.PERMISSIVE)
    nc = LicenseFactory(key="cc-by-nc-4.0", name="CC BY-NC 4.0", category=LicenseCategory.NON_COMMERCIAL)
    litellm = SourceFactory(slug="litellm", name="litellm price map", precedence=20)
    models_dev = SourceFactory(slug="models-dev", name="models.dev", precedence=30)
    reasoner = AIModelFactory(
        slug="acme/reasoner-1", display_name="Acme Reasoner 1", family="reasoner", publisher=acme, license=apache,
        context_window=256_000, input_modalities=["text", "image"],
        description="A sparse mixture-of-experts reasoning model.",
        architecture="moe", total_parameters=200_000_000_000, active_parameters=35_000_000_000,
    )  # fmt: skip
    small = AIModelFactory(slug="acme/small-1", display_name="Acme Small 1", publisher=acme, license=apache,
                           context_window=32_000)  # fmt: skip
    chat = AIModelFactory(slug="globex/chatter-2", display_name="Globex Chatter 2", publisher=other, license=nc,
                          context_window=128_000, open_weights=True)  # fmt: skip
    AIModelFactory(slug="globex/unpriced", display_name="Globex Unpriced", publisher=other)
    ModelAliasFactory(name="reasoner-latest", model=reasoner)
    LineageEdgeFactory(model=chat, base_model=small)

    offering = OfferingFactory(model=reasoner, source=litellm, external_id="acme/reasoner-1", regions=["us", "eu"],
                               zero_data_retention=True)  # fmt: skip
    PriceFactory(offering=offering, unit=PriceUnit.INPUT_TOKEN, usd=Decimal("3.00"),
                 effective_from=now - dt.timedelta(days=60), effective_to=now - dt.timedelta(days=10))  # fmt: skip
    PriceFactory(
        offering=offering, unit=PriceUnit.INPUT_TOKEN, usd=Decimal("2.50"), effective_from=now - dt.timedelta(days=10)
    )
    PriceFactory(offering=offering, unit=PriceUnit.OUTPUT_TOKEN, usd=Decimal("10.00"))
    cheap = OfferingFactory(model=small, source=litellm, external_id="acme/small-1")
    PriceFactory(offering=cheap, unit=PriceUnit.INPUT_TOKEN, usd=Decimal("0.10"))
    PriceFactory(offering=cheap, unit=PriceUnit.OUTPUT_TOKEN, usd=Decimal("0.40"))
    chat_offering = OfferingFactory(model=chat, source=litellm, external_id="globex/chatter-2")
    PriceFactory(offering=chat_offering, unit=PriceUnit.INPUT_TOKEN, usd=Decimal("1.00"))
    PriceFactory(offering=chat_offering, unit=PriceUnit.OUTPUT_TOKEN, usd=Decimal("2.00"))

    swe = BenchmarkFactory(slug="swe-bench-pro", name="SWE-Bench Pro", metric="resolved rate")
    BenchmarkResultFactory(model=reasoner, benchmark=swe, score=Decimal("53.0"), source_tier=SourceTier.VENDOR_CLAIMED,
                           source_name="Acme launch post")  # fmt: skip
    BenchmarkResultFactory(model=reasoner, benchmark=swe, score=Decimal("47.5"), source_tier=SourceTier.INDEPENDENT,
                           source_name="Independent lab")  # fmt: skip
    BenchmarkResultFactory(model=small, benchmark=swe, score=Decimal("20.0"), source_tier=SourceTier.INDEPENDENT,
                           source_name="Independent lab")  # fmt: skip
    BenchmarkResultFactory(model=chat, benchmark=swe, score=Decimal("15.0"), source_tier=SourceTier.INDEPENDENT,
                           source_name="Independent lab")  # fmt: skip
    ProvenanceClaimFactory(model=reasoner, topic=ProvenanceTopic.DISTILLATION, values=["none_declared"],
                           status=ClaimStatus.CLAIMED)  # fmt: skip
    FieldObservationFactory(model=reasoner, source=litellm, field="context_window", value=256_000)
    FieldObservationFactory(model=reasoner, source=models_dev, field="context_window", value=200_000)
    return {"reasoner": reasoner, "small": small, "chat": chat, "acme": acme, "swe": swe}


@pytest.fixture
def user(db):
    return UserFactory(username="reader")


@pytest.fixture
def api(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client

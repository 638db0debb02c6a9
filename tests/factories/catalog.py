"""Factories for catalog objects. They build rows directly (no sync, no change events): use them for the world a
test starts from, and call the services (catalog.services.source_sync) for the change under test.

    model = AIModelFactory(slug="openai/gpt-4o")
    offering = OfferingFactory(model=model)                     # a vendor-API offering with no price
    PriceFactory(offering=offering, unit="output_token", usd=Decimal("10"))
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from catalog.choices import (
    AliasResolution,
    ChangeKind,
    Channel,
    ClaimSourceKind,
    ClaimStatus,
    DeploymentType,
    LicenseCategory,
    LineageRelation,
    OfferingStatus,
    PriceUnit,
    ProvenanceTopic,
    SourceTier,
    SyncStatus,
)
from catalog.models import (
    AIModel,
    Benchmark,
    BenchmarkResult,
    ChangeEvent,
    FieldObservation,
    License,
    LineageEdge,
    ModelAlias,
    Offering,
    Organization,
    Price,
    ProvenanceClaim,
    Source,
    SyncRun,
)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"org-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    is_publisher = True
    is_provider = True
    country = "US"


class LicenseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = License
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"license-{n}")
    spdx_id = ""
    name = factory.LazyAttribute(lambda o: o.key.title())
    category = LicenseCategory.PERMISSIVE


class SourceFactory(factory.django.DjangoModelFactory):
    """A catalog source. ``connector`` defaults to the slug (a registry key); tests plug stubs in by dotted path."""

    class Meta:
        model = Source
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"source-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())
    connector = factory.LazyAttribute(lambda o: o.slug)
    precedence = 50


class AIModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AIModel
        django_get_or_create = ("slug",)

    publisher = factory.SubFactory(OrganizationFactory)
    slug = factory.LazyAttributeSequence(lambda o, n: f"{o.publisher.slug if o.publisher else 'unknown'}/model-{n}")
    display_name = factory.LazyAttribute(lambda o: o.slug.rpartition("/")[2].replace("-", " ").title())
    family = "test-family"
    context_window = 128_000
    max_output_tokens = 16_384
    input_modalities = factory.LazyFunction(lambda: ["text"])
    output_modalities = factory.LazyFunction(lambda: ["text"])
    task_types = factory.LazyFunction(lambda: ["chat"])
    license = None


class ModelAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModelAlias
        django_get_or_create = ("name",)

    model = factory.SubFactory(AIModelFactory)
    name = factory.LazyAttributeSequence(lambda o, n: f"{o.model.slug.rpartition('/')[2]}-alias-{n}".lower())
    resolution = AliasResolution.EXACT


class FieldObservationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FieldObservation

    model = factory.SubFactory(AIModelFactory)
    source = factory.SubFactory(SourceFactory)
    field = "context_window"
    value = 128_000
    observed_at = factory.LazyFunction(timezone.now)


class LineageEdgeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LineageEdge

    model = factory.SubFactory(AIModelFactory)
    base_model = factory.SubFactory(AIModelFactory)
    relation = LineageRelation.FINETUNE


class OfferingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offering

    model = factory.SubFactory(AIModelFactory)
    provider = factory.LazyAttribute(lambda o: o.model.publisher or OrganizationFactory())
    source = factory.SubFactory(SourceFactory)
    channel = Channel.VENDOR_API
    external_id = factory.Sequence(lambda n: f"offering-{n}")
    deployment_type = DeploymentType.SERVERLESS
    status = OfferingStatus.ACTIVE
    regions = factory.LazyFunction(list)
    last_seen_at = factory.LazyFunction(timezone.now)


class PriceFactory(factory.django.DjangoModelFactory):
    """An open (current) price, USD per 1M tokens for token units."""

    class Meta:
        model = Price

    offering = factory.SubFactory(OfferingFactory)
    unit = PriceUnit.INPUT_TOKEN
    usd = Decimal("2.50")
    effective_from = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=30))
    effective_to = None
    source = factory.LazyAttribute(lambda o: o.offering.source)


class BenchmarkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Benchmark
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"benchmark-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.upper())
    version = "1"


class BenchmarkResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BenchmarkResult

    model = factory.SubFactory(AIModelFactory)
    benchmark = factory.SubFactory(BenchmarkFactory)
    score = Decimal("71.5")
    source_tier = SourceTier.VENDOR_CLAIMED
    source_name = "Vendor blog"
    source_url = "https://example.com/blog"


class ProvenanceClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProvenanceClaim

    model = factory.SubFactory(AIModelFactory)
    topic = ProvenanceTopic.TRAINING_DATA
    values = factory.LazyFunction(lambda: ["public_web"])
    statement = "Trained on publicly available web data."
    source_kind = ClaimSourceKind.MODEL_CARD
    source_url = "https://example.com/model-card"
    stated_on = factory.LazyFunction(lambda: dt.date(2025, 1, 15))
    status = ClaimStatus.CLAIMED


class SyncRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SyncRun

    source = factory.SubFactory(SourceFactory)
    status = SyncStatus.SUCCEEDED
    started_at = factory.LazyFunction(timezone.now)
    finished_at = factory.LazyAttribute(lambda o: o.started_at)
    trigger = "test"


class ChangeEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChangeEvent

    run = None
    source = None
    occurred_at = factory.LazyFunction(timezone.now)
    kind = ChangeKind.UPDATED
    object_type = "model"
    model = factory.SubFactory(AIModelFactory)
    object_id = factory.LazyAttribute(lambda o: o.model.pk if o.model else None)
    object_repr = factory.LazyAttribute(lambda o: o.model.slug if o.model else "object")
    field = "context_window"
    old_value = 128_000
    new_value = 200_000

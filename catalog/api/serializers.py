"""Output serializers of the catalog API (the catalog is read-only over the API; sources write it)."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import (
    AIModel,
    Benchmark,
    BenchmarkResult,
    ChangeEvent,
    FieldObservation,
    License,
    Offering,
    Organization,
    Price,
    ProvenanceClaim,
    SyncRun,
)


class OrganizationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["slug", "name"]


class OrganizationSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Organization
        fields = ["slug", "name", "is_publisher", "is_provider", "country", "jurisdiction", "parent", "website"]


class LicenseSerializer(serializers.ModelSerializer):
    class Meta:
        model = License
        fields = ["key", "spdx_id", "name", "category", "is_osi_approved", "url"]


class PriceSerializer(serializers.ModelSerializer):
    source = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    usd = serializers.DecimalField(max_digits=20, decimal_places=10, coerce_to_string=True)

    class Meta:
        model = Price
        fields = ["unit", "tier", "variant", "usd", "effective_from", "effective_to", "source"]


class OfferingSerializer(serializers.ModelSerializer):
    provider = OrganizationRefSerializer(read_only=True)
    source = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    current_prices = serializers.SerializerMethodField()

    class Meta:
        model = Offering
        fields = [
            "external_id", "provider", "channel", "deployment_type", "regions", "status", "data_retention_days",
            "trains_on_prompts", "zero_data_retention", "quantization", "context_window", "max_output_tokens",
            "source", "last_seen_at", "current_prices",
        ]  # fmt: skip

    @extend_schema_field(PriceSerializer(many=True))
    def get_current_prices(self, offering):
        return PriceSerializer([p for p in offering.prices.all() if p.effective_to is None], many=True).data


class BenchmarkSerializer(serializers.ModelSerializer):
    class Meta:
        model = Benchmark
        fields = ["slug", "name", "version", "metric", "unit", "higher_is_better", "url", "description"]


class BenchmarkResultSerializer(serializers.ModelSerializer):
    benchmark = BenchmarkSerializer(read_only=True)
    score = serializers.DecimalField(max_digits=12, decimal_places=4, coerce_to_string=True)

    class Meta:
        model = BenchmarkResult
        fields = [
            "benchmark", "score", "source_tier", "source_name", "source_url", "measured_on", "settings_notes",
            "verified",
        ]  # fmt: skip


class ProvenanceClaimSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProvenanceClaim
        fields = [
            "topic", "values", "teachers", "statement", "source_kind", "source_url", "stated_on", "evidence", "status",
            "next_review_on",
        ]  # fmt: skip


class FieldObservationSerializer(serializers.ModelSerializer):
    source = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = FieldObservation
        fields = ["field", "source", "value", "observed_at"]


class LineageSerializer(serializers.Serializer):
    model = serializers.CharField(help_text="Slug of the other model.")
    relation = serializers.CharField()
    license = serializers.CharField(allow_null=True, help_text="Licence key of the base model (for bases).")


MODEL_LIST_FIELDS = [
    "slug", "display_name", "family", "publisher", "lifecycle", "release_date", "knowledge_cutoff", "context_window",
    "max_output_tokens", "input_modalities", "output_modalities", "task_types", "capabilities", "architecture",
    "total_parameters", "active_parameters", "open_weights", "license", "input_price", "output_price", "is_unresolved",
    "url",
]  # fmt: skip


class ModelFieldsSerializer(serializers.ModelSerializer):
    """The fields a model shows in a list; the detail serializer adds the rest."""

    publisher = OrganizationRefSerializer(read_only=True, allow_null=True)
    license = LicenseSerializer(read_only=True, allow_null=True)
    input_price = serializers.DecimalField(
        max_digits=20, decimal_places=10, read_only=True, allow_null=True,
        help_text="Cheapest current standard input price, USD per 1M tokens.",
    )  # fmt: skip
    output_price = serializers.DecimalField(
        max_digits=20, decimal_places=10, read_only=True, allow_null=True,
        help_text="Cheapest current standard output price, USD per 1M tokens.",
    )  # fmt: skip
    url = serializers.SerializerMethodField()

    class Meta:
        model = AIModel
        fields = MODEL_LIST_FIELDS

    def get_url(self, model) -> str:
        request = self.context.get("request")
        path = f"/api/v1/models/{model.slug}/"
        return request.build_absolute_uri(path) if request else path


PRICE_PLACES = Decimal(10) ** -10


def _price(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.quantize(PRICE_PLACES):f}"


def _date(value) -> str | None:
    return None if value is None else value.isoformat()


class AIModelListSerializer(ModelFieldsSerializer):
    """One row of the model list, written out field by field: a page holds up to 100 models, and DRF's generic
    path (a field object per value) cost about 0.2 ms a row, a fifth of a search request at 100k models
    (bench/README.md). The declared fields above still define the schema, and a test holds the two paths equal."""

    def to_representation(self, model) -> dict:
        publisher, licence = model.publisher, model.license
        return {
            "slug": model.slug,
            "display_name": model.display_name,
            "family": model.family,
            "publisher": None if publisher is None else {"slug": publisher.slug, "name": publisher.name},
            "lifecycle": model.lifecycle,
            "release_date": _date(model.release_date),
            "knowledge_cutoff": _date(model.knowledge_cutoff),
            "context_window": model.context_window,
            "max_output_tokens": model.max_output_tokens,
            "input_modalities": list(model.input_modalities),
            "output_modalities": list(model.output_modalities),
            "task_types": list(model.task_types),
            "capabilities": list(model.capabilities),
            "architecture": model.architecture,
            "total_parameters": model.total_parameters,
            "active_parameters": model.active_parameters,
            "open_weights": model.open_weights,
            "license": None
            if licence is None
            else {
                "key": licence.key,
                "spdx_id": licence.spdx_id,
                "name": licence.name,
                "category": licence.category,
                "is_osi_approved": licence.is_osi_approved,
                "url": licence.url,
            },
            "input_price": _price(model.input_price),
            "output_price": _price(model.output_price),
            "is_unresolved": model.is_unresolved,
            "url": self.get_url(model),
        }


class AIModelDetailSerializer(ModelFieldsSerializer):
    description = serializers.CharField(read_only=True)
    successor = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    aliases = serializers.SerializerMethodField()
    offerings = OfferingSerializer(many=True, read_only=True)
    price_history = serializers.SerializerMethodField()
    benchmark_results = BenchmarkResultSerializer(many=True, read_only=True)
    provenance_claims = ProvenanceClaimSerializer(many=True, read_only=True)
    base_models = serializers.SerializerMethodField()
    derived_models = serializers.SerializerMethodField()
    field_sources = FieldObservationSerializer(source="observations", many=True, read_only=True)

    class Meta:
        model = AIModel
        fields = [
            *MODEL_LIST_FIELDS, "description", "version", "deprecation_date", "retirement_date", "successor", "aliases",
            "offerings", "price_history", "benchmark_results", "provenance_claims", "base_models", "derived_models",
            "field_sources", "created_at", "updated_at",
        ]  # fmt: skip

    def get_aliases(self, model) -> list[str]:
        return sorted(alias.name for alias in model.aliases.all())

    @extend_schema_field(PriceSerializer(many=True))
    def get_price_history(self, model):
        rows = []
        for offering in model.offerings.all():
            for price in offering.prices.all():
                data = PriceSerializer(price).data
                data["offering"] = offering.external_id
                rows.append(data)
        return sorted(rows, key=lambda r: (r["offering"], r["unit"], r["effective_from"]))

    @extend_schema_field(LineageSerializer(many=True))
    def get_base_models(self, model):
        return [
            {
                "model": e.base_model.slug,
                "relation": e.relation,
                "license": e.base_model.license.key if e.base_model.license else None,
            }
            for e in model.base_edges.all()
        ]

    @extend_schema_field(LineageSerializer(many=True))
    def get_derived_models(self, model):
        return [{"model": e.model.slug, "relation": e.relation, "license": None} for e in model.derived_edges.all()]


class SyncRunSerializer(serializers.ModelSerializer):
    source = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = SyncRun
        fields = [
            "id", "source", "status", "started_at", "finished_at", "dry_run", "trigger", "origin", "payload_sha256",
            "created", "updated", "unchanged", "retired", "rejected", "errors", "message",
        ]  # fmt: skip


class ChangeEventSerializer(serializers.ModelSerializer):
    source = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    model = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = ChangeEvent
        fields = [
            "id", "run", "source", "occurred_at", "kind", "signal", "object_type", "object_id", "object_repr", "model",
            "field", "old_value", "new_value",
        ]  # fmt: skip

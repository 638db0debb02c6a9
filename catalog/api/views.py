"""Read-only catalog API. Writes to the catalog come from sources (sync) and the admin, never from this API."""

from __future__ import annotations

from django.http import HttpResponsePermanentRedirect
from django.urls import reverse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from catalog import listing
from catalog.api import serializers
from catalog.filtersets import AIModelFilterSet
from catalog.models import Benchmark, ChangeEvent, Organization, SyncRun
from core.api.pagination import SlugCursorPagination, StableCursorPagination
from core.api.permissions import TokenHasScope

CATALOG_READ = {"read": "catalog:read"}


class ModelCursorPagination(SlugCursorPagination):
    """Cursor pages in the requested order; a search without an explicit order pages by relevance."""

    def get_ordering(self, request, queryset, view):
        if request.query_params.get("search") and not request.query_params.get("ordering"):
            return ("-search_rank", "slug")
        return super().get_ordering(request, queryset, view)


class AliasOrderingFilter(OrderingFilter):
    """``?ordering=input_price`` sorts by the key that puts unpriced models last (cursor pages cannot page over
    NULLs), then by slug in the same direction: equal prices page in a stable order, and both directions read the
    price index (catalog.models.AIModel) without a sort. The public names stay the field names of the response."""

    aliases = {price: key for key, price in listing.PRICE_SORT_KEYS.items()}

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if not ordering:
            return ordering
        terms = [
            ("-" if term.startswith("-") else "") + self.aliases.get(term.lstrip("-"), term.lstrip("-"))
            for term in ordering
        ]
        last = ordering[-1]
        if last.lstrip("-") in self.aliases:
            terms.append("-slug" if last.startswith("-") else "slug")
        return terms


class CatalogReadView:
    permission_classes = [TokenHasScope]
    required_scopes = CATALOG_READ


@extend_schema(tags=["catalog"])
class AIModelListView(CatalogReadView, generics.ListAPIView):
    """Models in the catalog: full-text search (typo-tolerant), facets, price filters, ordering, cursor pages."""

    serializer_class = serializers.AIModelListSerializer
    filter_backends = [filters.DjangoFilterBackend, AliasOrderingFilter]
    filterset_class = AIModelFilterSet
    pagination_class = ModelCursorPagination
    ordering_fields = ["slug", "display_name", "release_date", "context_window", "input_price", "output_price"]
    ordering = ("slug",)

    def get_queryset(self):
        return listing.model_list()


@extend_schema(
    tags=["catalog"],
    parameters=[OpenApiParameter("slug", OpenApiTypes.STR, OpenApiParameter.PATH, description="Slug or any alias.")],
    responses={200: serializers.AIModelDetailSerializer, 301: OpenApiResponse(description="Alias: see Location.")},
)
class AIModelDetailView(CatalogReadView, generics.RetrieveAPIView):
    """One model's card: offerings with data handling, current prices and their history, benchmark results with
    source tier, provenance claims, lineage, licence, lifecycle and where each fact came from. An alias (any name the
    model goes by) redirects permanently to the canonical URL."""

    serializer_class = serializers.AIModelDetailSerializer

    def get_queryset(self):
        return listing.model_card()

    def retrieve(self, request, *args, **kwargs):
        slug = kwargs["slug"]
        model = self.get_queryset().filter(slug=slug).first()
        if model is None:
            resolved, _ = listing.model_by_name(slug)
            if resolved is None:
                raise NotFound(f"No model is called '{slug}'.")
            location = reverse("api:model-detail", kwargs={"slug": resolved.slug})
            if request.META.get("QUERY_STRING"):
                location += "?" + request.META["QUERY_STRING"]
            return HttpResponsePermanentRedirect(location)
        self.check_object_permissions(request, model)
        return Response(self.get_serializer(model).data)


@extend_schema(tags=["catalog"])
class OrganizationListView(CatalogReadView, generics.ListAPIView):
    """Publishers and providers."""

    serializer_class = serializers.OrganizationSerializer
    queryset = Organization.objects.select_related("parent")
    pagination_class = SlugCursorPagination
    filterset_fields = {"is_publisher": ["exact"], "is_provider": ["exact"], "country": ["exact"]}


@extend_schema(tags=["catalog"])
class OrganizationDetailView(CatalogReadView, generics.RetrieveAPIView):
    serializer_class = serializers.OrganizationSerializer
    queryset = Organization.objects.select_related("parent")
    lookup_field = "slug"


@extend_schema(tags=["catalog"])
class BenchmarkListView(CatalogReadView, generics.ListAPIView):
    serializer_class = serializers.BenchmarkSerializer
    queryset = Benchmark.objects.all()
    pagination_class = SlugCursorPagination


@extend_schema(tags=["catalog"])
class BenchmarkDetailView(CatalogReadView, generics.RetrieveAPIView):
    serializer_class = serializers.BenchmarkSerializer
    queryset = Benchmark.objects.all()
    lookup_field = "slug"


@extend_schema(tags=["catalog"])
class SyncRunListView(CatalogReadView, generics.ListAPIView):
    """Refreshes of the catalog: what each run read, changed and rejected."""

    serializer_class = serializers.SyncRunSerializer
    queryset = SyncRun.objects.select_related("source")
    pagination_class = StableCursorPagination
    filterset_fields = {"source__slug": ["exact"], "status": ["exact"]}


@extend_schema(tags=["catalog"])
class SyncRunDetailView(CatalogReadView, generics.RetrieveAPIView):
    serializer_class = serializers.SyncRunSerializer
    queryset = SyncRun.objects.select_related("source")


class ChangeEventFilterSet(filters.FilterSet):
    source = filters.CharFilter(field_name="source__slug")
    model = filters.CharFilter(field_name="model__slug")
    since = filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")

    class Meta:
        model = ChangeEvent
        fields = ["kind", "signal", "object_type", "run"]


@extend_schema(tags=["catalog"])
class ChangeEventListView(CatalogReadView, generics.ListAPIView):
    """Every change a sync made to the catalog, field by field, with the old and new value and its source."""

    serializer_class = serializers.ChangeEventSerializer
    queryset = ChangeEvent.objects.select_related("source", "model")
    pagination_class = StableCursorPagination
    filterset_class = ChangeEventFilterSet

"""The audit trail over the API: pages, filtered exports (CSV, JSON) and verification of the hash chain.

Auditors and governance admins only. The exports stream: the rows are read in batches of ids, each batch written
by core.audit's own writers, so a large export neither builds in memory nor differs by a byte from
``manage.py export_audit`` with the same filters.
"""

from __future__ import annotations

import io

from django.db.models import Max
from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import generics
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.pagination import StableCursorPagination
from core.audit import audit_events, audit_export_csv, audit_export_json, audit_verify
from governance import permissions
from governance.api.permissions import GOVERNANCE_READ
from governance.api.serializers.audit import (
    AuditEventSerializer,
    AuditQuery,
    AuditVerifySerializer,
    PaginatedAuditEventListSerializer,
)
from governance.api.views.base import GovernanceView, JSONErrorsMixin, validated

EXPORT_BATCH = 2000


class CSVRenderer(BaseRenderer):
    """Lets content negotiation accept ``?format=csv``; the export itself streams its own bytes."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


def require_auditor(user) -> None:
    permissions.require(permissions.sees_everything(user), "Only auditors and governance admins read the audit trail.")


def _id_batches(events):
    """Consecutive slices of ``events`` by id, up to the newest id when the export started."""
    newest = events.aggregate(newest=Max("id"))["newest"]
    after = 0
    while newest is not None:
        ids = list(
            events.filter(id__gt=after, id__lte=newest).order_by("id").values_list("id", flat=True)[:EXPORT_BATCH]
        )
        if not ids:
            return
        yield events.filter(id__gt=after, id__lte=ids[-1])
        after = ids[-1]


def _written(writer, events) -> str:
    buffer = io.StringIO()
    writer(events, buffer)
    return buffer.getvalue()


def csv_chunks(events):
    """The CSV export: the header once, then each batch's rows (the writer repeats its header per batch)."""
    header_sent = False
    for batch in _id_batches(events):
        text = _written(audit_export_csv, batch)
        yield text if not header_sent else text.split("\r\n", 1)[1]
        header_sent = True
    if not header_sent:
        yield _written(audit_export_csv, events.none())


def json_chunks(events):
    """The JSON export: one array, one event per line. Each batch's array is opened up and the pieces joined."""
    yield "["
    first = True
    for batch in _id_batches(events):
        text = _written(audit_export_json, batch)  # "[\n{...},\n{...}\n]\n"
        yield ("" if first else ",") + text[1 : -len("\n]\n")]
        first = False
    yield "]\n" if first else "\n]\n"


EXPORTS = {"csv": (csv_chunks, "text/csv; charset=utf-8"), "json": (json_chunks, "application/json")}

# application/json is a page by default and, with ?format=json, the export: one array of every matching event.
# An object and an array, so exactly one of the two matches any body (no discriminator needed).
PAGE_OR_JSON_EXPORT = PolymorphicProxySerializer(
    component_name="AuditEventPageOrExport",
    serializers=[PaginatedAuditEventListSerializer, AuditEventSerializer(many=True)],
    resource_type_field_name=None,
    # With no discriminator, many=False is how drf-spectacular takes the many=True sub-serializer as the array it is,
    # and keeps it from wrapping the whole oneOf in a page of its own (this is a list view).
    many=False,
)


@extend_schema(tags=["audit"])
class AuditEventListView(JSONErrorsMixin, GovernanceView, generics.ListAPIView):
    required_scopes = {"GET": GOVERNANCE_READ}
    serializer_class = AuditEventSerializer
    pagination_class = StableCursorPagination
    renderer_classes = [JSONRenderer, CSVRenderer]
    filter_backends = []

    @extend_schema(
        parameters=[AuditQuery],
        responses={
            (200, "application/json"): OpenApiResponse(
                PAGE_OR_JSON_EXPORT,
                description="A page; with ?format=json every matching event as one array, with ?format=csv as CSV.",
            ),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="?format=csv: every matching event."),
        },
    )
    def get(self, request, *args, **kwargs):
        """The audit trail, newest first, filtered. With ``?format=csv`` or ``?format=json``, every matching
        event as a downloadable file in chain order (JSON carries every hashed field: re-verifiable offline)."""
        require_auditor(request.user)
        query = validated(AuditQuery, request.query_params)
        export = query.pop("format", None)
        events = audit_events(**query)
        if export:
            return self.export(events, export)
        self.queryset = events
        return self.list(request, *args, **kwargs)

    def get_queryset(self):
        return self.queryset

    def export(self, events, export: str) -> StreamingHttpResponse:
        chunks, content_type = EXPORTS[export]
        response = StreamingHttpResponse(chunks(events), content_type=content_type)
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        response["Content-Disposition"] = f'attachment; filename="audit-events-{stamp}.{export}"'
        return response


@extend_schema(tags=["audit"], responses={200: AuditVerifySerializer})
class AuditVerifyView(GovernanceView, APIView):
    """Walk the whole hash chain: is every event as it was written, and none removed, inserted or reordered?"""

    required_scopes = {"GET": GOVERNANCE_READ}

    def get(self, request):
        require_auditor(request.user)
        result = audit_verify()
        return Response(AuditVerifySerializer(result).data)

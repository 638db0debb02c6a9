"""OpenRouter: the public model list and, for chosen models, each provider endpoint behind it.

``GET /api/v1/models`` lists every model OpenRouter routes to (so the snapshot is complete: a model missing from
it was withdrawn). ``GET /api/v1/models/{author}/{slug}/endpoints`` adds, per model, each hosting provider with its
own context, quantization, prices and, where OpenRouter publishes it, its data policy; those documents travel in
``Payload.parts`` keyed by model id.

Parsing is deliberately lenient about fields: recorded real responses lack ``canonical_slug``, ``links``,
``default_parameters`` and others that today's OpenAPI spec marks required, so only ``id`` is required and every
other field is read when present. A field present but malformed rejects that one model, by id.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, ClassVar

import httpx
from django.utils import timezone

from catalog.connectors._common import organization_record, with_parents
from catalog.connectors._common.fetching import HTTP_TIMEOUT
from catalog.connectors.base import (
    ConnectorError,
    ModelRecord,
    OfferingRecord,
    OrganizationRecord,
    Payload,
    Rejection,
    Snapshot,
    TransientFetchError,
)
from catalog.connectors.openrouter.entries import (
    PRICE_KEYS,
    PROVIDER,
    BadEntry,
    base_id_of,
    endpoint_offering,
    model_of,
    offering_of,
    publisher_name,
    text,
    unique,
)

__all__ = ["API_ROOT", "PRICE_KEYS", "OpenRouterConnector", "TransientFetchError", "fetch_url"]

API_ROOT = "https://openrouter.ai/api/v1"


class OpenRouterConnector:
    slug: ClassVar[str] = "openrouter"
    name: ClassVar[str] = "OpenRouter"
    url: ClassVar[str] = f"{API_ROOT}/models"
    license_notice: ClassVar[str] = (
        "Model list and prices from OpenRouter's public API (https://openrouter.ai/api/v1/models), "
        "as published by OpenRouter, Inc. under its terms of service."
    )

    def __init__(self, *, endpoint_models: Iterable[str] | None = None, client: httpx.Client | None = None):
        # Each model's endpoints cost one request, so only chosen models get them (env: comma-separated ids).
        if endpoint_models is None:
            endpoint_models = os.environ.get("MODELGATE_OPENROUTER_ENDPOINT_MODELS", "").split(",")
        self.endpoint_models = [model_id.strip() for model_id in endpoint_models if model_id.strip()]
        self.client = client

    def fetch(self) -> Payload:
        client = self.client or httpx.Client(timeout=HTTP_TIMEOUT, headers={"User-Agent": "modelgate-catalog"})
        try:
            body = fetch_url(client, self.url)
            _load_json(body, what="model list")  # fail the fetch, not a later parse, on a broken body
            parts = {}
            for model_id in self.endpoint_models:
                endpoints = fetch_url(client, f"{API_ROOT}/models/{model_id}/endpoints", missing=(404,))
                if endpoints is not None:
                    parts[model_id] = endpoints
        finally:
            if self.client is None:
                client.close()
        return Payload(body=body, origin=self.url, fetched_at=timezone.now(), parts=parts)

    def parse(self, payload: Payload) -> Snapshot:
        document = _load_json(payload.body, what="model list")
        entries = document.get("data") if isinstance(document, dict) else None
        if not isinstance(entries, list):
            raise ConnectorError(f"{payload.origin}: expected an object with a 'data' list of models")
        snapshot = Snapshot(complete=True)
        catalog = _Catalog()
        for position, entry in enumerate(entries):
            try:
                catalog.add(entry)
            except ValueError as error:  # BadEntry, or a _common parser refusing a value
                snapshot.rejected.append(Rejection(record=_label(entry, position), error=str(error)))
        for model_id, body in sorted(payload.parts.items()):
            catalog.add_endpoints(model_id, body, snapshot.rejected)
        snapshot.models = list(catalog.models.values())
        snapshot.offerings = catalog.offerings
        snapshot.organizations = with_parents(catalog.organizations)
        return snapshot


def fetch_url(client: httpx.Client, url: str, *, missing: tuple[int, ...] = ()) -> bytes | None:
    """GET a document; None for a ``missing`` status. 429, 5xx and network failures are transient, other
    failures are not."""
    try:
        response = client.get(url)
    except httpx.TransportError as error:
        raise TransientFetchError(f"GET {url} failed: {error.__class__.__name__}: {error}") from error
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientFetchError(f"GET {url} answered HTTP {response.status_code}; retry later")
    if response.status_code in missing:
        return None
    if response.status_code != 200:
        raise ConnectorError(f"GET {url} answered HTTP {response.status_code}")
    return response.content


def _load_json(body: bytes, *, what: str) -> Any:
    try:
        # parse_float keeps a JSON number exact (a price written as a number rather than a string).
        return json.loads(body, parse_float=Decimal)
    except (ValueError, RecursionError) as error:
        raise ConnectorError(f"OpenRouter {what} is not valid JSON: {error}") from error


def _label(entry: Any, position: int) -> str:
    if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"].strip():
        return entry["id"].strip()
    return f"data[{position}]"


class _Catalog:
    """Accumulates one snapshot: one model per base id, since ":free", ":beta"... variants are offerings of it."""

    def __init__(self):
        self.models: dict[str, ModelRecord] = {}
        self.from_variant: set[str] = set()
        self.offerings: list[OfferingRecord] = []
        self.offering_ids: set[str] = set()
        self.organizations: dict[str, OrganizationRecord] = {PROVIDER: organization_record(PROVIDER, provider=True)}

    def add(self, entry: Any) -> None:
        if not isinstance(entry, dict):
            raise BadEntry(f"a model entry must be an object, got {type(entry).__name__}")
        # Ids become aliases (300 characters) and slugs (200): the ":variant" part goes only into aliases.
        model_id = text(entry.get("id"), "id", required=True, max_length=200)
        if model_id in self.offering_ids:
            raise BadEntry("duplicate id in the model list")
        model = model_of(entry, model_id)
        offering = offering_of(entry, model_id, model.external_id)
        self._keep_model(model, is_variant=model_id != model.external_id)
        self._keep_offering(offering)
        if model.publisher:
            self.organization(model.publisher, publisher_name(entry.get("name")), publisher=True)

    def add_endpoints(self, model_id: str, body: bytes, rejected: list[Rejection]) -> None:
        label = f"{model_id} endpoints"
        try:
            document = _load_json(body, what=label)
        except ConnectorError as error:
            rejected.append(Rejection(record=label, error=str(error)))
            return
        data = document.get("data") if isinstance(document, dict) else None
        endpoints = data.get("endpoints") if isinstance(data, dict) else None
        if not isinstance(endpoints, list):
            rejected.append(Rejection(record=label, error="expected {'data': {'endpoints': [...]}}"))
        elif base_id_of(model_id) not in self.models:
            rejected.append(Rejection(record=label, error="no such model in the model list"))
        else:
            for position, endpoint in enumerate(endpoints):
                try:
                    offering, provider_name = endpoint_offering(endpoint, model_id)
                    self._keep_offering(offering)
                except ValueError as error:
                    rejected.append(Rejection(record=f"{label}[{position}]", error=str(error)))
                    continue
                self.organization(offering.provider, provider_name, provider=True)

    def organization(self, slug: str, name: str | None, *, publisher=False, provider=False) -> None:
        record = self.organizations.setdefault(slug, organization_record(slug, name=name or slug))
        record.is_publisher |= publisher
        record.is_provider |= provider

    def _keep_model(self, model: ModelRecord, *, is_variant: bool) -> None:
        known = self.models.get(model.external_id)
        if known is not None and (is_variant or model.external_id not in self.from_variant):
            known.names = unique([*known.names, *model.names])
            return
        # The plain entry describes the model; a variant's entry only stands in until (unless) the plain one comes.
        if known is not None:
            model.names = unique([*model.names, *known.names])
            self.from_variant.discard(model.external_id)
        if is_variant:
            self.from_variant.add(model.external_id)
        self.models[model.external_id] = model

    def _keep_offering(self, offering: OfferingRecord) -> None:
        if offering.external_id in self.offering_ids:
            raise BadEntry(f"duplicate offering {offering.external_id}")
        self.offering_ids.add(offering.external_id)
        self.offerings.append(offering)

"""Fetching: where a source lives (settings) and reading it over HTTP, failing with a ConnectorError."""

from __future__ import annotations

import json
import os
from typing import Any, ClassVar

import httpx
from django.utils import timezone

from catalog.connectors.base import ConnectorError, Payload, TransientFetchError

MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024  # the largest source (litellm's map) is ~4 MB
HTTP_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


def configured_url(name: str) -> str | None:
    """A source URL from Django settings or, failing that, the environment; None (use the shipped file) if unset."""
    from django.conf import settings

    value = getattr(settings, name, None) or os.environ.get(name, "")
    return value.strip() or None


def http_get(url: str, *, client: httpx.Client | None = None) -> bytes:
    """GET a document; any transport error, HTTP error status or oversized body is a ConnectorError."""
    own = client is None
    client = client or httpx.Client(timeout=HTTP_TIMEOUT, follow_redirects=True)
    try:
        with client.stream("GET", url, headers={"Accept": "application/json"}) as response:
            if response.status_code == 429 or response.status_code >= 500:
                raise TransientFetchError(f"GET {url} answered HTTP {response.status_code}")
            if response.status_code >= 400:
                raise ConnectorError(f"GET {url} answered HTTP {response.status_code}")
            body = bytearray()
            for chunk in response.iter_bytes():
                body.extend(chunk)
                if len(body) > MAX_DOWNLOAD_BYTES:
                    raise ConnectorError(f"GET {url} returned more than {MAX_DOWNLOAD_BYTES} bytes")
            return bytes(body)
    except httpx.TransportError as exc:  # timeouts, refused connections, DNS: the network, not the source's data
        raise TransientFetchError(f"GET {url} failed: {exc}") from exc
    except httpx.HTTPError as exc:
        raise ConnectorError(f"GET {url} failed: {exc}") from exc
    finally:
        if own:
            client.close()


def load_json(body: bytes, *, what: str) -> Any:
    """Decode a JSON document; anything that is not valid JSON is a ConnectorError naming the source."""
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ConnectorError(f"{what} is not valid JSON: {exc}") from exc


class SnapshotOrUrlConnector:
    """A source shipped with the project as a snapshot (no network by default) that fetches upstream when its URL
    setting is set. Subclasses name ``url_setting``, ``embedded_payload()`` and ``check_document()``."""

    url_setting: ClassVar[str]

    def __init__(self, *, url: str | None = None, client: httpx.Client | None = None):
        self._url = url
        self._client = client

    def fetch(self) -> Payload:
        url = self._url or configured_url(self.url_setting)
        if url is None:
            return self.embedded_payload()
        body = http_get(url, client=self._client)
        self.check_document(body, origin=url)  # fail the fetch, not the sync, when the document is unusable
        return self.fetched_payload(body, url)

    def fetched_payload(self, body: bytes, url: str) -> Payload:
        return Payload(body=body, origin=url, fetched_at=timezone.now(), meta={"url": url, "license": "MIT"})

    def check_document(self, body: bytes, *, origin: str) -> None:
        raise NotImplementedError

    @classmethod
    def embedded_payload(cls) -> Payload:
        raise NotImplementedError

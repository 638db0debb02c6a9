"""Sources: one row per connector, created on first use with the connector's own description."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from catalog.connectors import ConnectorUnavailableError, available_connectors, connector_class
from catalog.models import Source
from core.exceptions import NotFoundError

# Lowest wins the displayed value when sources disagree. Curated facts (checked by a person) beat every feed;
# litellm's price map is maintained against vendors' price pages, models.dev by hand from vendors' docs, OpenRouter
# describes its own routing, Hugging Face what uploaders write. The licence list is reference data and loads first.
SOURCE_PRECEDENCE: dict[str, int] = {
    "licenses": 5,
    "curated": 10,
    "litellm": 20,
    "models-dev": 30,
    "openrouter": 40,
    "huggingface": 50,
}
DEFAULT_PRECEDENCE = 100


def source_ensure(*, slug: str) -> Source:
    """The Source row of ``slug``, created from its registered connector on first use. Never rewrites a row a
    person may have edited (precedence, enabled)."""
    source = Source.objects.filter(slug=slug).first()
    if source is not None:
        return source
    try:
        cls = connector_class(slug)
    except ConnectorUnavailableError as exc:
        raise NotFoundError(f"no source {slug!r}: {exc}", code="unknown_source") from exc
    defaults = {
        "name": getattr(cls, "name", "") or slug,
        "connector": slug,
        "url": getattr(cls, "url", "") or "",
        "license_notice": getattr(cls, "license_notice", "") or "",
        "precedence": SOURCE_PRECEDENCE.get(slug, DEFAULT_PRECEDENCE),
    }
    try:
        with transaction.atomic():
            return Source.objects.get_or_create(slug=slug, defaults=defaults)[0]
    except IntegrityError:  # created concurrently by another worker
        return Source.objects.get(slug=slug)


def sources_ensure_all() -> list[Source]:
    """A Source row for every connector that loads; returns the enabled sources in precedence order."""
    for slug in available_connectors():
        source_ensure(slug=slug)
    return list(Source.objects.filter(enabled=True).order_by("precedence", "slug"))

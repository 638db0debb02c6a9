"""Parse helpers shared by the connectors.

- ``values``: prices (USD per token -> Decimal per 1M tokens, exactly), token counts, dates;
- ``organizations``: the table of well-known organisations and ``org_slug()`` for the names sources write;
- ``identity``: a proposed publisher and canonical name for a model from the name a host routes it by;
- ``fetching``: where a source lives (settings) and fetching it over HTTP.

All of it is pure except ``fetching``.
"""

from catalog.connectors._common.fetching import configured_url, http_get, load_json
from catalog.connectors._common.identity import Identity, identify
from catalog.connectors._common.organizations import (
    ORGANIZATION_ALIASES,
    ORGANIZATIONS,
    KnownOrganization,
    org_slug,
    organization_record,
    slugify,
    with_parents,
)
from catalog.connectors._common.values import (
    MAX_TOKENS,
    MAX_USD,
    checked,
    parse_date,
    per_million,
    plain,
    token_count,
    usd,
)

__all__ = [
    "MAX_TOKENS",
    "MAX_USD",
    "ORGANIZATIONS",
    "ORGANIZATION_ALIASES",
    "Identity",
    "KnownOrganization",
    "checked",
    "configured_url",
    "http_get",
    "identify",
    "load_json",
    "org_slug",
    "organization_record",
    "parse_date",
    "per_million",
    "plain",
    "slugify",
    "token_count",
    "usd",
    "with_parents",
]

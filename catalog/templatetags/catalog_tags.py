"""Formatting for catalog pages: prices, token counts, badges, sortable column headers."""

from decimal import Decimal

from django import template
from django.utils.html import format_html
from django.utils.http import urlencode

register = template.Library()

LICENSE_BADGES = {
    "permissive": "badge-ok",
    "copyleft": "badge-info",
    "proprietary_free": "badge-info",
    "commercial": "badge-muted",
    "source_available": "badge-warn",
    "non_commercial": "badge-bad",
    "unknown": "badge-muted",
}
LIFECYCLE_BADGES = {
    "preview": "badge-info",
    "ga": "badge-ok",
    "legacy": "badge-muted",
    "deprecated": "badge-warn",
    "retired": "badge-bad",
}
CLAIM_BADGES = {"claimed": "badge-info", "verified": "badge-ok", "disputed": "badge-bad"}


@register.filter
def usd(value):
    """USD with as many decimals as the price needs, at least two: $2.50, $0.075, $0.0001."""
    if value is None or value == "":
        return "—"
    value = Decimal(value).normalize()
    exponent = -value.as_tuple().exponent
    return f"${value:,.{max(2, min(exponent, 6))}f}"


@register.filter
def tokens(value):
    if not value:
        return "—"
    if value >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if value >= 1_000:
        return f"{value / 1_000:g}K"
    return str(value)


@register.filter
def params(value):
    if not value:
        return "—"
    return f"{value / 1e9:g}B" if value >= 1e9 else f"{value / 1e6:g}M"


@register.filter
def license_badge(category):
    return LICENSE_BADGES.get(category, "badge-muted")


@register.filter
def claim_badge(status):
    return CLAIM_BADGES.get(status, "badge-muted")


@register.simple_tag
def lifecycle_badge(lifecycle):
    labels = {"preview": "Preview", "ga": "GA", "legacy": "Legacy", "deprecated": "Deprecated", "retired": "Retired"}
    return format_html(
        '<span class="badge {}">{}</span>',
        LIFECYCLE_BADGES.get(lifecycle, "badge-muted"),
        labels.get(lifecycle, lifecycle),
    )


@register.simple_tag(takes_context=True)
def sort_link(context, key, label):
    """A column header that sorts ascending, then descending; the current direction is announced."""
    current = context.get("sort", "")
    next_sort = f"-{key}" if current == key else key
    base = context.get("sort_query", "")
    href = "?" + (base + "&" if base else "") + urlencode({"sort": next_sort})
    arrow, state = ("", "none")
    if current == key:
        arrow, state = (" ▲", "ascending")
    elif current == f"-{key}":
        arrow, state = (" ▼", "descending")
    return format_html('<a href="{}" aria-sort="{}">{}{}</a>', href, state, label, arrow)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None

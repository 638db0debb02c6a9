"""Template filters of the governance pages: status badges, day counts, pretty JSON."""

from __future__ import annotations

import datetime as dt
import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

register = template.Library()

BADGES = {
    # requests
    "draft": "badge-muted",
    "submitted": "badge-info",
    "in_review": "badge-info",
    "changes_requested": "badge-warn",
    "approved": "badge-ok",
    "rejected": "badge-bad",
    "withdrawn": "badge-muted",
    "expired": "badge-muted",
    "revoked": "badge-bad",
    # reviews and entitlements
    "pending": "badge-info",
    "superseded": "badge-muted",
    "active": "badge-ok",
    "needs_review": "badge-warn",
    "suspended": "badge-warn",
    # policy outcomes and decisions
    "allow": "badge-ok",
    "review": "badge-warn",
    "deny": "badge-bad",
}


@register.filter
def status_badge(status) -> str:
    return BADGES.get(str(status), "badge-muted")


@register.filter
def days_until(moment) -> int | None:
    """Whole days from today to a date or datetime (negative when past)."""
    if moment is None:
        return None
    day = timezone.localdate(moment) if isinstance(moment, dt.datetime) else moment
    return (day - timezone.localdate()).days


@register.filter
def pretty_json(value) -> str:
    return json.dumps(value, indent=2, sort_keys=True, cls=DjangoJSONEncoder, ensure_ascii=False)


@register.filter
def signed_usd(value) -> str:
    """A price difference per 1M tokens: +$1.25 / -$0.50 / $0."""
    if value is None:
        return "—"
    sign = "+" if value > 0 else "-" if value < 0 else ""
    return f"{sign}${abs(value).normalize():f}"

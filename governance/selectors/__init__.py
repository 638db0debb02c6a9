"""Every read of governance, scoped to the acting user first (see ``scoping``)."""

from governance.selectors.entitlements import entitlement_get_for, entitlement_list_for
from governance.selectors.radar import deprecation_radar
from governance.selectors.requests import request_get_for, request_list_for, review_inbox_for
from governance.selectors.teams import (
    team_get_for,
    team_list_for,
    use_case_list_for,
    webhook_delivery_list_for,
    webhook_list_for,
)
from governance.selectors.tokens import token_list_for

__all__ = [
    "deprecation_radar",
    "entitlement_get_for",
    "entitlement_list_for",
    "request_get_for",
    "request_list_for",
    "review_inbox_for",
    "team_get_for",
    "team_list_for",
    "token_list_for",
    "use_case_list_for",
    "webhook_delivery_list_for",
    "webhook_list_for",
]

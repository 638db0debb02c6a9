"""``Authorization: Bearer mg_<key_id>.<secret>`` for integrations and gateways."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from governance import tokens
from governance.api.token_cache import TOKENS, request_copy
from governance.models import ApiToken

# last_used_at is written at most this often per token, not on every request (the decision hot path).
LAST_USED_RESOLUTION = dt.timedelta(seconds=60)


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """Looks the token up by its public key id and compares HMAC-SHA256 digests in constant time. A revoked,
    expired or unknown token is a 401 at once; the caller learns nothing about which of these it was.

    The lookup is served from the per-process token cache (governance.api.token_cache) when it is current, so a
    gateway's decision call authenticates without a query; the secret is still checked on every request."""

    keyword = "Bearer"

    def authenticate(self, request):
        # META, not DRF's get_authorization_header: that builds request.headers from every header, per request.
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        keyword, _, raw = header.partition(" ")
        if keyword != self.keyword:
            return None
        parsed = tokens.parse(raw.strip())
        if parsed is None:
            raise exceptions.AuthenticationFailed("Malformed API token: expected 'Bearer mg_<id>.<secret>'.")
        token = TOKENS.get(parsed.key_id) or TOKENS.load(parsed.key_id)
        now = timezone.now()
        if (
            token is None
            or not tokens.secret_matches(parsed.secret, token.secret_hash)
            or token.status_at(now) != "active"
            or not token.user.is_active
        ):
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked API token.")
        _touch(token, now)
        token = request_copy(token)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="modelgate"'


def _touch(token: ApiToken, now: dt.datetime) -> None:
    """Record use, sampled: one conditional UPDATE per token per minute at most, never a write per request."""
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    ApiToken.objects.filter(pk=token.pk).exclude(last_used_at__gte=now - LAST_USED_RESOLUTION).update(last_used_at=now)
    token.last_used_at = now


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "governance.api.authentication.BearerTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "mg_<key_id>.<secret>",
            "description": "An API token created in the portal (a team's page for team tokens, My API tokens for "
            "your own), through `/api/v1/tokens/` or with `manage.py create_api_token`.",
        }

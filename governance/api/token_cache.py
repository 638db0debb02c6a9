"""Per-process cache of authenticated API tokens, so the decision hot path authenticates with no query on a hit.

Invalidation rides on the decision cache's version (governance.decisions.cache): ``governance_apitoken`` is one of
the tables whose committed changes bump the version, so revoking a token, changing its scopes or its expiry makes
every process reload it as soon as its listener learns the new version (milliseconds; at most
STALE_AFTER_SECONDS, 0.6 s, when notifications are lost, because an unconfirmed version disables the cache).

The version stored with an entry is read by the same SQL statement as the token row (one snapshot), so a token read
before a revoke committed can never be cached under the version that includes the revoke.

The user row is not among the versioned tables: deactivating a user reaches cached tokens after at most
MAX_AGE_SECONDS. That bound is why entries also age out by time.

The cache never starts the listener thread itself: it is used only while the decision service's listener runs in
this process (it starts on the first decision). Elsewhere every request reads the token, as without a cache.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import connection
from django.db.models.base import ModelState
from django.db.models.expressions import RawSQL

from governance.models import ApiToken

MAX_AGE_SECONDS = 5.0
MAX_ENTRIES = 10_000
VERSION_SQL = "SELECT value FROM governance_decisionversion WHERE id = 1"


@dataclass
class Entry:
    token: ApiToken  # pristine: never handed out, so nothing a request caches on it leaks into the next one
    version: int
    fresh_until: float  # time.monotonic()


def _listener():
    # Imported late: the decision service imports the policy engine, which authentication must not pull in early.
    from governance.decisions.service import CACHE

    return CACHE.listener


def _known_version() -> int | None:
    return _listener().usable_version()


class TokenCache:
    def __init__(self):
        self._entries: dict[str, Entry] = {}

    def clear(self) -> None:
        self._entries = {}

    def get(self, key_id: str) -> ApiToken | None:
        """The cached token (the shared instance, for bookkeeping), or None when absent or possibly stale."""
        entry = self._entries.get(key_id)
        if entry is None:
            return None
        known = _known_version()
        if known is None or entry.version < known or time.monotonic() >= entry.fresh_until:
            self._entries.pop(key_id, None)
            return None
        return entry.token

    def load(self, key_id: str) -> ApiToken | None:
        """Read the token with its owner and team, and cache it when it is safe to (outside any transaction)."""
        token = (
            ApiToken.objects.select_related("user", "team")
            .annotate(decision_version=RawSQL(VERSION_SQL, ()))  # noqa: S611 - a constant statement, no input
            .filter(key_id=key_id)
            .first()
        )
        if token is not None and not connection.in_atomic_block and _known_version() is not None:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries = {}
            fresh_until = time.monotonic() + MAX_AGE_SECONDS
            self._entries[key_id] = Entry(token, token.decision_version, fresh_until)
        return token


def request_copy(token: ApiToken) -> ApiToken:
    """A copy of the token and its owner for one request: permission helpers memoise roles on the user object,
    and those must not outlive the request. (A shallow copy of each instance's attributes: copy.copy goes
    through pickling hooks and costs several times more, on the hot path.)"""
    clone = _shallow(token)
    clone._state.fields_cache["user"] = _shallow(token.user)
    return clone


def _shallow(instance):
    clone = instance.__class__.__new__(instance.__class__)
    clone.__dict__ = instance.__dict__.copy()
    state = ModelState()
    state.db, state.adding = instance._state.db, instance._state.adding
    state.fields_cache = dict(instance._state.fields_cache)
    clone._state = state
    return clone


TOKENS = TokenCache()

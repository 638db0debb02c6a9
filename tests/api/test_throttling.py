"""The token-creation limit holds under concurrency: the count and the insert are serialised per person by a
PostgreSQL advisory lock, so ten simultaneous requests against a limit of three create exactly three tokens.
(A read-then-write counter, like DRF's cache throttles, lets them all through.)"""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from governance.api import throttling
from governance.models import ApiToken
from tests.factories.governance import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

CALLS, LIMIT = 10, 3


def create_token(user, start: threading.Barrier, statuses: list, errors: list) -> None:
    try:
        client = APIClient()
        client.force_login(user)
        start.wait(timeout=60)
        response = client.post("/api/v1/tokens/", {"name": "t", "scopes": ["catalog:read"]}, format="json")
        statuses.append(response.status_code)
    except Exception as exc:  # reported to the test thread, which fails on it
        errors.append(exc)
    finally:
        connection.close()


def test_concurrent_token_creation_never_exceeds_the_limit(monkeypatch):
    monkeypatch.setattr(throttling, "TOKEN_CREATE", ("token_create", (LIMIT, 3600)))
    user = UserFactory(username="burst")
    start, statuses, errors = threading.Barrier(CALLS), [], []
    threads = [threading.Thread(target=create_token, args=(user, start, statuses, errors)) for _ in range(CALLS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sorted(statuses) == [201] * LIMIT + [429] * (CALLS - LIMIT)
    assert ApiToken.objects.filter(created_by=user).count() == LIMIT

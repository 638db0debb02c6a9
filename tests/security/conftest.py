"""One world per test module, built once and rolled back at the end; every test runs in a savepoint inside it.

The security matrices run hundreds of requests against the same objects. Building the world per test (requests
submitted and approved through the services, tokens issued) would cost most of the run; instead the module's world
is written inside an outer transaction and each test's own transaction (pytest-django's ``db``) is a savepoint in
it, so whatever a test changes (a revoke, a delete) is undone before the next one.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from governance.api.token_cache import TOKENS
from tests.security.world import World, build_world


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            world = build_world()
            world.log_in_everyone()  # sessions written in the outer transaction: every test's savepoint sees them
            yield world
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def world(module_world, db) -> World:
    TOKENS.clear()  # no test authenticates from a token another test cached (and then rolled back)
    yield module_world
    TOKENS.clear()

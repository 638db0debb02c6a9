"""Seed a database for the Schemathesis run (scripts/schemathesis.sh) and print a governance admin's API token.

The data is the security tests' world (two teams, requests in every state, entitlements, webhooks, tokens, catalog
models): every operation has real objects to find. Run as ``python -m tests.security.schemathesis_seed``; it writes
committed rows to the database DATABASE_URL names, so point it at a test or development database only.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.db import transaction

    from governance.models import OrgRole, Team
    from governance.services.tokens import api_token_create
    from tests.factories.governance import UserFactory, governance_admin

    with transaction.atomic():
        if not Team.objects.filter(slug="alpha-team").exists():  # a second run reuses the first one's world
            from tests.security.world import build_world

            build_world()
        fuzzer = UserFactory(username="schemathesis")
        if not OrgRole.objects.filter(user=fuzzer, role="governance_admin").exists():
            governance_admin(username="schemathesis")
        _, token = api_token_create(actor=fuzzer, name="schemathesis", scopes=["admin"])
    sys.stdout.write(token + "\n")


if __name__ == "__main__":
    main()

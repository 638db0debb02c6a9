"""Seeds a private database for the decision-endpoint restart test and prints what the test needs as one JSON line.

Run in the application's own settings against that database: ``python manage.py shell -c "from
tests.reliability.decision_world import seed; seed()"``. Built with the shared factories (rows, no audit) and the
token service (the token's hash uses the server's pepper, so it must be made under the same settings).
"""

from __future__ import annotations

import json

from catalog.choices import LicenseCategory
from governance.policy import policy_active
from governance.services.tokens import api_token_create
from tests.factories.catalog import AIModelFactory, LicenseFactory, OfferingFactory
from tests.factories.governance import EntitlementFactory, TeamFactory, governance_admin

MODEL = "acme/chat-1"
ALLOWED_TEAM = "search"
DENIED_TEAM = "billing"


def seed() -> None:
    policy_active()
    model = AIModelFactory(slug=MODEL, license=LicenseFactory(category=LicenseCategory.PERMISSIVE))
    OfferingFactory(model=model, external_id=MODEL, regions=["eu"])
    allowed = TeamFactory(slug=ALLOWED_TEAM)
    TeamFactory(slug=DENIED_TEAM)  # exists, holds no entitlement
    EntitlementFactory(team=allowed, model=model)
    _, token = api_token_create(actor=governance_admin(username="gina"), name="gateway", scopes=["decisions"])
    print("SEED:" + json.dumps({"token": token, "model": MODEL, "allowed": ALLOWED_TEAM, "denied": DENIED_TEAM}))

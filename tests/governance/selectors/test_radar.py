"""The deprecation radar: what retires soon, and what the team could move to, with price and score deltas."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.choices import LicenseCategory
from catalog.models import BenchmarkResult, Price
from governance.selectors import deprecation_radar
from tests.factories.governance import EntitlementFactory, TeamFactory
from tests.governance.conftest import make_model

pytestmark = pytest.mark.django_db


@pytest.fixture
def retiring(team, minimal_use_case):
    today = timezone.localdate()
    old = make_model("acme/chat-1", family="chat", task_types=["chat"], retirement_date=today + dt.timedelta(days=30))
    new = make_model("acme/chat-2", family="chat", task_types=["chat"], release_date=today)
    old.successor = new
    old.save()
    Price.objects.filter(offering__model=new, unit="input_token").update(usd=Decimal("2.00"))
    BenchmarkResult.objects.filter(model=new).update(score=Decimal("75.0"))
    entitlement = EntitlementFactory(team=team, model=old, use_case=minimal_use_case)
    return entitlement, old, new


def test_an_entitlement_on_a_retiring_model_is_listed_with_its_successor_and_the_differences(retiring, team):
    entitlement, _old, new = retiring
    [item] = deprecation_radar(team, days=90)

    assert item.entitlement == entitlement and item.days_left == 30
    first = item.replacements[0]
    assert first.model == new and first.reason == "successor" and not first.entitled
    assert first.policy_outcome in ("allow", "review")
    assert first.input_usd_per_1m_delta == Decimal("-0.50") and first.output_usd_per_1m_delta == Decimal("0")
    assert first.benchmark_deltas == {"mmlu-pro": Decimal("3.8")}


def test_models_retiring_later_than_the_window_are_not_listed(retiring, team):
    assert deprecation_radar(team, days=10) == []


def test_another_teams_entitlements_are_not_on_my_radar(retiring):
    assert deprecation_radar(TeamFactory(slug="elsewhere")) == []


def test_a_replacement_policy_would_deny_is_not_suggested_unless_already_held(retiring, team):
    denied = make_model(
        "acme/chat-nc", family="chat", task_types=["chat"], license_category=LicenseCategory.NON_COMMERCIAL
    )
    held = make_model("other/chat-x", task_types=["chat"], license_category=LicenseCategory.NON_COMMERCIAL)
    EntitlementFactory(team=team, model=held)

    [item] = deprecation_radar(team)

    suggested = {r.model.slug: r for r in item.replacements}
    assert denied.slug not in suggested
    assert suggested[held.slug].entitled and suggested[held.slug].reason == "already entitled"
    assert suggested[held.slug].policy_outcome is None

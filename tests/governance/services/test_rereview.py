"""Re-review on catalog change events: a price rise, a licence change, a deprecation flag live entitlements."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from catalog.models import ChangeEvent, Price
from core.models import AuditEvent, OutboxMessage
from governance.choices import EntitlementStatus
from governance.models import Entitlement, FeedCursor
from governance.services.rereview import CURSOR_NAME, catalog_changes_process
from tests.factories.governance import EntitlementFactory, TeamFactory, WebhookSubscriptionFactory
from tests.governance.conftest import make_model

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - dt.timedelta(days=60)


@pytest.fixture
def entitlement(model, team):
    return EntitlementFactory(team=team, model=model, granted_at=LONG_AGO)


def price_event(model, old, new, *, signal="price_up", minutes_ago=10, **fields):
    price = Price.objects.filter(offering__model=model, unit="input_token").first()
    return ChangeEvent.objects.create(
        occurred_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
        kind="updated",
        signal=signal,
        object_type="price",
        object_id=price.pk,
        object_repr=f"{model.slug} input_token",
        model=model,
        field="usd",
        old_value=old,
        new_value=new,
        **fields,
    )


def test_a_price_rise_beyond_the_threshold_flags_the_entitlement_with_the_reason(entitlement, model, team):
    WebhookSubscriptionFactory(team=team, events=["entitlement.needs_review", "catalog.price_changed"])
    event = price_event(model, "2.50", "3.00")

    result = catalog_changes_process()

    assert (result.events, result.flagged) == (1, 1)
    entitlement.refresh_from_db()
    assert entitlement.status == EntitlementStatus.NEEDS_REVIEW
    assert "rose by 20.0 %" in entitlement.needs_review_reason and "2.50 -> 3.00" in entitlement.needs_review_reason
    audit = AuditEvent.objects.get(action="entitlement.needs_review")
    assert audit.context["change_event"] == event.pk and audit.actor_label == "system:rereview"
    topics = set(OutboxMessage.objects.values_list("topic", flat=True))
    assert {"notify.webhook.entitlement.needs_review", "notify.webhook.catalog.price_changed"} <= topics
    assert FeedCursor.objects.get(name=CURSOR_NAME).last_id == event.pk


def test_a_small_price_rise_is_published_but_flags_nothing(entitlement, model):
    price_event(model, "2.50", "2.60")  # +4 %, under the default 10 %
    assert catalog_changes_process().flagged == 0
    entitlement.refresh_from_db()
    assert entitlement.status == EntitlementStatus.ACTIVE
    assert OutboxMessage.objects.filter(topic="notify.webhook.catalog.price_changed").count() == 1


@override_settings(MODELGATE_REREVIEW_PRICE_INCREASE_PCT=3)
def test_the_threshold_is_a_setting(entitlement, model):
    price_event(model, "2.50", "2.60")
    assert catalog_changes_process().flagged == 1


def test_processing_twice_flags_once_and_publishes_once(entitlement, model):
    price_event(model, {"usd": "1.00"}, {"usd": "2.00"})
    assert catalog_changes_process().flagged == 1
    again = catalog_changes_process()
    assert (again.events, again.flagged) == (0, 0)
    assert AuditEvent.objects.filter(action="entitlement.needs_review").count() == 1
    assert OutboxMessage.objects.filter(topic="notify.webhook.catalog.price_changed").count() == 1


def test_licence_change_deprecation_and_disputed_provenance_each_flag(team):
    signals = ["license_changed", "deprecation_announced", "provenance_disputed"]
    entitlements = []
    for index, signal in enumerate(signals):
        model = make_model(f"acme/model-{index}")
        entitlements.append(EntitlementFactory(team=team, model=model, granted_at=LONG_AGO))
        ChangeEvent.objects.create(
            occurred_at=timezone.now() - dt.timedelta(minutes=5),
            kind="updated",
            signal=signal,
            object_type="model",
            object_id=model.pk,
            object_repr=model.slug,
            model=model,
            field="license" if signal == "license_changed" else "retirement_date",
            old_value="apache-2.0",
            new_value="cc-by-nc-4.0",
        )
    assert catalog_changes_process().flagged == 3
    for entitlement in entitlements:
        entitlement.refresh_from_db()
        assert entitlement.status == EntitlementStatus.NEEDS_REVIEW
    assert OutboxMessage.objects.filter(topic="notify.webhook.catalog.model_deprecated").count() == 1


def test_only_entitlements_on_the_changed_model_granted_before_the_change_are_flagged(entitlement, model, team):
    other_team_same_model_fresh = EntitlementFactory(team=TeamFactory(slug="late"), model=model)  # granted now
    other_model = EntitlementFactory(team=team, model=make_model("acme/other"), granted_at=LONG_AGO)
    price_event(model, "1.00", "5.00")

    assert catalog_changes_process().flagged == 1

    statuses = dict(Entitlement.objects.values_list("pk", "status"))
    assert statuses[entitlement.pk] == EntitlementStatus.NEEDS_REVIEW
    assert statuses[other_team_same_model_fresh.pk] == EntitlementStatus.ACTIVE
    assert statuses[other_model.pk] == EntitlementStatus.ACTIVE


def test_an_event_not_yet_settled_waits_for_the_next_run(entitlement, model):
    price_event(model, "1.00", "5.00", minutes_ago=0)
    assert catalog_changes_process().events == 0
    assert catalog_changes_process(now=timezone.now() + dt.timedelta(minutes=1)).flagged == 1


def test_events_without_a_governance_signal_are_ignored(entitlement, model):
    price_event(model, "5.00", "1.00", signal="price_down")
    price_event(model, "5.00", "9.00", signal="")
    assert catalog_changes_process().flagged == 0
    entitlement.refresh_from_db()
    assert entitlement.status == EntitlementStatus.ACTIVE

"""Signed webhooks: what a receiver gets, how it verifies it, and that it gets it once."""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx
import pytest
import respx

from core.exceptions import ApplicationError, PermissionDeniedError
from core.models import AuditEvent, OutboxMessage
from core.outbox import outbox_relay
from governance.models import WebhookDelivery
from governance.services.entitlements import entitlement_revoke
from governance.services.requests import request_create, request_submit
from governance.services.webhooks import (
    webhook_subscription_create,
    webhook_subscription_deactivate,
    webhook_subscription_update,
)
from tests.factories.governance import TeamFactory, WebhookSubscriptionFactory

pytestmark = pytest.mark.django_db

RECEIVER = "https://hooks.example.com/modelgate"


def submit_minimal(requester, team, model, use_case):
    request = request_create(
        actor=requester, team=team, model=model, use_case=use_case, data_classification="public",
        justification="Docs search.",
    )  # fmt: skip
    return request_submit(request=request, actor=requester)


def verify(request: httpx.Request, secret: str) -> bool:
    """What a receiver does: HMAC-SHA256 of the raw body with the shared secret, compared in constant time."""
    expected = "sha256=" + hmac.new(secret.encode(), request.content, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, request.headers["X-Modelgate-Signature"])


@respx.mock
def test_a_receiver_can_verify_the_signature_of_what_it_receives(team_admin, team, requester, model, minimal_use_case):
    subscription, secret = webhook_subscription_create(
        actor=team_admin, team=team, url=RECEIVER, events=["request.approved"]
    )
    route = respx.post(RECEIVER).mock(return_value=httpx.Response(204))

    request = submit_minimal(requester, team, model, minimal_use_case)
    outbox_relay()

    assert route.call_count == 1
    sent = route.calls.last.request
    assert verify(sent, secret)
    assert not verify(sent, "another-secret")
    body = json.loads(sent.content)
    assert body["event"] == "request.approved" and sent.headers["X-Modelgate-Event"] == "request.approved"
    assert body["data"]["id"] == request.pk and body["data"]["team"] == team.slug
    assert sent.headers["X-Modelgate-Delivery"] == body["id"]
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert delivery.delivered_at is not None and delivery.response_status == 204 and delivery.attempts == 1


@respx.mock
def test_delivered_once_even_when_the_relay_runs_the_message_twice(team, requester, model, minimal_use_case):
    WebhookSubscriptionFactory(team=team, url=RECEIVER, events=["request.approved"])
    route = respx.post(RECEIVER).mock(return_value=httpx.Response(200))
    submit_minimal(requester, team, model, minimal_use_case)
    outbox_relay()
    # A relay that died after the POST but before marking the message delivered: it comes round again.
    OutboxMessage.objects.filter(topic="notify.webhook.request.approved").update(status="pending", delivered_at=None)
    outbox_relay()

    assert route.call_count == 1
    assert WebhookDelivery.objects.count() == 1


@respx.mock
def test_a_failing_receiver_is_retried_by_the_relay_and_the_log_says_why(team, requester, model, minimal_use_case):
    subscription = WebhookSubscriptionFactory(team=team, url=RECEIVER, events=["request.approved"])
    route = respx.post(RECEIVER).mock(side_effect=[httpx.Response(503, text="busy"), httpx.Response(200)])
    submit_minimal(requester, team, model, minimal_use_case)

    outbox_relay()
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    message = OutboxMessage.objects.get(topic="notify.webhook.request.approved")
    assert delivery.delivered_at is None and delivery.response_status == 503 and "busy" in delivery.last_error
    assert message.status == "pending" and "503" in message.last_error

    OutboxMessage.objects.filter(pk=message.pk).update(available_at=message.created_at)  # the backoff has passed
    outbox_relay()
    delivery.refresh_from_db()
    assert delivery.delivered_at is not None and delivery.attempts == 2 and route.call_count == 2


@respx.mock
def test_a_timeout_is_logged_as_a_failed_attempt(team, requester, model, minimal_use_case):
    subscription = WebhookSubscriptionFactory(team=team, url=RECEIVER, events=["request.approved"])
    respx.post(RECEIVER).mock(side_effect=httpx.ConnectTimeout("timed out"))
    submit_minimal(requester, team, model, minimal_use_case)
    outbox_relay()
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert delivery.delivered_at is None and "ConnectTimeout" in delivery.last_error


@respx.mock
def test_team_webhooks_get_only_their_team_events_and_org_wide_ones_get_all(
    team, requester, model, minimal_use_case, gov_admin
):
    other = WebhookSubscriptionFactory(
        team=TeamFactory(slug="other"), url=f"{RECEIVER}/other", events=["request.approved"]
    )
    org_wide, _ = webhook_subscription_create(
        actor=gov_admin, team=None, url=f"{RECEIVER}/org", events=["request.approved", "entitlement.revoked"]
    )
    own = respx.post(f"{RECEIVER}/org").mock(return_value=httpx.Response(200))
    respx.post(f"{RECEIVER}/other").mock(return_value=httpx.Response(200))

    request = submit_minimal(requester, team, model, minimal_use_case)
    entitlement_revoke(entitlement=request.entitlements.get(), actor=gov_admin, reason="Test")
    outbox_relay()

    assert [json.loads(c.request.content)["event"] for c in own.calls] == ["request.approved", "entitlement.revoked"]
    assert not WebhookDelivery.objects.filter(subscription=other).exists()
    assert WebhookDelivery.objects.filter(subscription=org_wide).count() == 2


def test_only_governance_admins_add_org_wide_webhooks_and_urls_must_be_https(team_admin, team, gov_admin):
    with pytest.raises(PermissionDeniedError):
        webhook_subscription_create(actor=team_admin, team=None, url=RECEIVER, events=["request.approved"])
    with pytest.raises(ApplicationError, match="https"):
        webhook_subscription_create(
            actor=team_admin, team=team, url="http://hooks.example.com/x", events=["request.approved"]
        )
    with pytest.raises(ApplicationError, match=r"unknown: request\.exploded"):
        webhook_subscription_create(actor=team_admin, team=team, url=RECEIVER, events=["request.exploded"])


def test_the_secret_never_reaches_the_audit_trail_and_deactivation_is_audited(team_admin, team):
    subscription, secret = webhook_subscription_create(
        actor=team_admin, team=team, url=RECEIVER, events=["request.approved"]
    )
    webhook_subscription_deactivate(actor=team_admin, subscription=subscription)
    events = AuditEvent.objects.filter(target_type="governance.webhooksubscription")
    assert list(events.values_list("action", flat=True)) == [
        "webhook_subscription.create",
        "webhook_subscription.deactivate",
    ]
    assert all(secret not in json.dumps([e.before, e.after]) for e in events)


def test_a_team_admin_changes_a_webhooks_url_and_events_but_never_its_secret(team_admin, team, requester):
    subscription, secret = webhook_subscription_create(
        actor=team_admin, team=team, url=RECEIVER, events=["request.approved"]
    )
    with pytest.raises(PermissionDeniedError):
        webhook_subscription_update(actor=requester, subscription=subscription, events=["entitlement.revoked"])
    with pytest.raises(ApplicationError, match="cannot be changed: secret"):
        webhook_subscription_update(actor=team_admin, subscription=subscription, secret="mine")
    with pytest.raises(ApplicationError, match="https"):
        webhook_subscription_update(actor=team_admin, subscription=subscription, url="http://hooks.example.com/x")
    assert not AuditEvent.objects.filter(action="webhook_subscription.update").exists()

    webhook_subscription_update(
        actor=team_admin, subscription=subscription, url=RECEIVER + "/v2", events=["entitlement.revoked"]
    )

    subscription.refresh_from_db()
    assert (subscription.url, subscription.events, subscription.secret) == (
        RECEIVER + "/v2",
        ["entitlement.revoked"],
        secret,
    )
    event = AuditEvent.objects.get(action="webhook_subscription.update")
    assert event.before["url"] == RECEIVER and event.context["fields"] == ["events", "url"]

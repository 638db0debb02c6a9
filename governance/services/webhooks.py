"""Webhook subscriptions and deliveries.

A subscription is managed by its team's admins (or, organisation-wide, by governance admins). Delivery is at
least once, made idempotent for the receiver: each outbox message becomes one ``WebhookDelivery`` per matching
subscription, keyed by the message key, sent with that key as ``X-Modelgate-Delivery``; a delivery that once
succeeded is never sent again, even when the relay runs the message twice.

Signature: ``X-Modelgate-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed by the subscription secret>``.
A receiver recomputes it over the bytes it received and compares with ``hmac.compare_digest``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from urllib.parse import urlsplit

import httpx
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from core.audit import snapshot
from core.exceptions import ApplicationError, ConflictError
from governance import permissions
from governance.choices import WebhookEvent
from governance.models import Team, WebhookDelivery, WebhookSubscription
from governance.services._common import AuditBatch, advisory_lock, validate

TIMEOUT_SECONDS = 5.0
USER_AGENT = "Modelgate-Webhooks/1"


class WebhookDeliveryFailed(Exception):
    """At least one subscription did not accept the event; raising makes the outbox relay retry with backoff."""


# --- subscriptions ------------------------------------------------------------------------------------------


def _check_events(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - set(WebhookEvent.values))
    if not events or unknown:
        raise ApplicationError(
            f"Choose events among {', '.join(WebhookEvent.values)}"
            + (f"; unknown: {', '.join(unknown)}" if unknown else ""),
            details={"events": unknown},
        )
    return sorted(set(events))


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    # Secrets and payloads travel in the body: plain HTTP is allowed only to this machine (development receivers).
    if parts.scheme != "https" and parts.hostname not in ("localhost", "127.0.0.1", "::1"):
        raise ApplicationError("Webhook URLs must use https://", details={"url": url})


@transaction.atomic
def webhook_subscription_create(
    *, actor, team: Team | None, url: str, events: list[str]
) -> tuple[WebhookSubscription, str]:
    """Subscribe ``url`` to ``events``; returns the subscription and its signing secret (shown to the user once)."""
    permissions.require(
        permissions.can_manage_webhooks(actor, team),
        "Only a governance admin may add organisation-wide webhooks."
        if team is None
        else f"Only an admin of team {team.slug} or a governance admin may add its webhooks.",
    )
    _check_url(url)
    secret = secrets.token_urlsafe(32)
    subscription = WebhookSubscription(
        team=team, url=url, events=_check_events(events), secret=secret, created_by=actor
    )
    validate(subscription)
    subscription.save()
    batch = AuditBatch(actor=actor)
    batch.add(action="webhook_subscription.create", target=subscription, before=None, team=team)
    batch.flush()
    return subscription, secret


@transaction.atomic
def webhook_subscription_deactivate(*, actor, subscription: WebhookSubscription) -> WebhookSubscription:
    subscription = (
        WebhookSubscription.objects.select_for_update(of=("self",)).select_related("team").get(pk=subscription.pk)
    )
    permissions.require(permissions.can_manage_webhooks(actor, subscription.team), "You may not manage this webhook.")
    if not subscription.is_active:
        raise ConflictError("This webhook is already inactive.")
    before = snapshot(subscription)
    subscription.is_active = False
    subscription.save(update_fields=["is_active", "updated_at"])
    batch = AuditBatch(actor=actor)
    batch.add(action="webhook_subscription.deactivate", target=subscription, before=before, team=subscription.team)
    batch.flush()
    return subscription


WEBHOOK_FIELDS = frozenset({"url", "events"})


@transaction.atomic
def webhook_subscription_update(*, actor, subscription: WebhookSubscription, **changes) -> WebhookSubscription:
    """Change where a subscription sends events, or which. The secret stays (it is never shown again)."""
    unknown = sorted(set(changes) - WEBHOOK_FIELDS)
    if unknown:
        raise ApplicationError(f"These fields cannot be changed: {', '.join(unknown)}.", details={"fields": unknown})
    subscription = (
        WebhookSubscription.objects.select_for_update(of=("self",)).select_related("team").get(pk=subscription.pk)
    )
    permissions.require(permissions.can_manage_webhooks(actor, subscription.team), "You may not manage this webhook.")
    before = snapshot(subscription, fields=["url", "events", "is_active"])
    if "url" in changes:
        _check_url(changes["url"])
        subscription.url = changes["url"]
    if "events" in changes:
        subscription.events = _check_events(changes["events"])
    validate(subscription)
    subscription.save(update_fields=["url", "events", "updated_at"])
    batch = AuditBatch(actor=actor)
    batch.add(
        action="webhook_subscription.update",
        target=subscription,
        before=before,
        team=subscription.team,
        fields=sorted(changes),
    )
    batch.flush()
    return subscription


# --- delivery -----------------------------------------------------------------------------------------------


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def body_of(payload: dict) -> bytes:
    """The exact bytes sent (and signed): compact, key-sorted JSON."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def matching_subscriptions(event: str, teams: list[str]):
    """Active subscriptions to ``event``: organisation-wide ones, and those of the teams the event concerns."""
    return WebhookSubscription.objects.filter(is_active=True, events__contains=[event]).filter(
        Q(team__isnull=True) | Q(team__slug__in=teams)
    )


def deliveries_ensure(*, event: str, teams: list[str], key: str, body: dict) -> list[WebhookDelivery]:
    """One delivery row per matching subscription for this message; existing rows (an earlier run) are kept."""
    deliveries = []
    for subscription in matching_subscriptions(event, teams):
        try:
            with transaction.atomic():
                delivery, _ = WebhookDelivery.objects.get_or_create(
                    subscription=subscription, key=key, defaults={"event": event, "payload": body}
                )
        except IntegrityError:  # a concurrent run created it between our read and insert
            delivery = WebhookDelivery.objects.get(subscription=subscription, key=key)
        deliveries.append(delivery)
    return deliveries


def delivery_attempt(delivery: WebhookDelivery) -> bool:
    """POST one delivery unless it already succeeded; record the attempt. True when the receiver accepted it.

    The per-delivery advisory lock keeps two relays from posting the same delivery at once; it is a session lock,
    so no transaction stays open during the network call.
    """
    with advisory_lock(f"webhook-delivery:{delivery.pk}") as mine:
        if not mine:
            return False  # another relay is sending it right now; if it fails, that relay retries
        delivery.refresh_from_db()
        if delivery.delivered_at is not None:
            return True
        subscription = delivery.subscription
        body = body_of(delivery.payload)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Modelgate-Event": delivery.event,
            "X-Modelgate-Delivery": delivery.key,
            "X-Modelgate-Signature": sign(subscription.secret, body),
        }
        status, error = None, ""
        try:
            response = httpx.post(subscription.url, content=body, headers=headers, timeout=TIMEOUT_SECONDS)
            status = response.status_code
            if not 200 <= status < 300:
                error = f"HTTP {status}: {response.text[:500]}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:1000]
        _attempt_record(delivery, status=status, error=error)
        return not error


def _attempt_record(delivery: WebhookDelivery, *, status: int | None, error: str) -> None:
    delivery.attempts += 1
    delivery.response_status = status
    delivery.last_error = error
    if not error:
        delivery.delivered_at = timezone.now()
    delivery.save(update_fields=["attempts", "response_status", "last_error", "delivered_at", "updated_at"])


def webhook_deliver(*, key: str, payload: dict) -> int:
    """Deliver one queued event to every matching subscription; returns how many accepted it now or before.

    Raises WebhookDeliveryFailed when any receiver failed, so the relay retries later; receivers that already
    accepted the event are skipped on the retry.
    """
    event = payload["event"]
    body = {"id": key, "event": event, "occurred_at": payload["occurred_at"], "data": payload["data"]}
    deliveries = deliveries_ensure(event=event, teams=payload.get("teams", []), key=key, body=body)
    failed = [d for d in deliveries if not delivery_attempt(d)]
    if failed:
        raise WebhookDeliveryFailed(
            f"{len(failed)} of {len(deliveries)} webhook deliveries of {key} failed: "
            + "; ".join(f"{d.subscription.url}: {d.last_error or 'in progress elsewhere'}" for d in failed)
        )
    return len(deliveries)


def webhook_handle(message) -> None:
    """Outbox handler for ``notify.webhook.*``: the message key is every delivery's idempotency key."""
    webhook_deliver(key=message.key, payload=message.payload)

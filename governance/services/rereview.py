"""Re-review on catalog events: when the catalog changes under a live entitlement, a reviewer looks again.

Beat runs ``catalog_changes_process`` every few minutes. It reads ``catalog.ChangeEvent`` rows after the cursor, in
id order, and for each event with a governance signal (a price rise beyond MODELGATE_REREVIEW_PRICE_INCREASE_PCT,
a licence change, a deprecation or retirement announcement, a disputed provenance claim) moves the active
entitlements on that model to needs_review with the reason, which tells the team (email and webhook). Price
changes and deprecations are also published as catalog.price_changed / catalog.model_deprecated webhooks.

The cursor moves past an event only after everything it affects is flagged, so a crash never loses an event;
re-running one flags nothing twice (flagged entitlements are no longer active). A session advisory lock makes a
second concurrent run do nothing.

Known limit: ids are allocated at insert, not at commit, so an event inserted by a long-running transaction that
commits after a later id was processed would be skipped. The catalog writes its change events in short sync
transactions, and the job reads only events older than SETTLE_SECONDS, which covers those.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from catalog.choices import ChangeSignal
from catalog.models import ChangeEvent, Offering, Price
from core.exceptions import ConflictError
from governance.choices import LIVE_ENTITLEMENT_STATUSES, EntitlementStatus
from governance.models import Entitlement, FeedCursor
from governance.services import notifications
from governance.services._common import advisory_lock
from governance.services.entitlements import entitlement_mark_needs_review

logger = logging.getLogger(__name__)

CURSOR_NAME = "catalog-change-events"
DEFAULT_PRICE_INCREASE_PCT = Decimal("10")
SETTLE_SECONDS = 5
BATCH_SIZE = 500
REREVIEW_SIGNALS = (
    ChangeSignal.PRICE_UP,
    ChangeSignal.LICENSE_CHANGED,
    ChangeSignal.DEPRECATION_ANNOUNCED,
    ChangeSignal.PROVENANCE_DISPUTED,
)
WEBHOOK_SIGNALS = {
    ChangeSignal.PRICE_UP: "catalog.price_changed",
    ChangeSignal.PRICE_DOWN: "catalog.price_changed",
    ChangeSignal.DEPRECATION_ANNOUNCED: "catalog.model_deprecated",
}


@dataclass
class RereviewResult:
    events: int = 0
    flagged: int = 0
    skipped: bool = False


def price_increase_threshold() -> Decimal:
    return Decimal(str(getattr(settings, "MODELGATE_REREVIEW_PRICE_INCREASE_PCT", DEFAULT_PRICE_INCREASE_PCT)))


def _usd(value) -> Decimal | None:
    """A price from a change event's old/new value: a number, a numeric string, or {"usd": ...}."""
    if isinstance(value, dict):
        value = value.get("usd")
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def price_increase_pct(event: ChangeEvent) -> Decimal | None:
    old, new = _usd(event.old_value), _usd(event.new_value)
    if old is None or new is None:
        return None
    if old == 0:
        return Decimal("Infinity") if new > 0 else Decimal(0)
    return (new - old) / old * 100


def reason_for(event: ChangeEvent) -> str | None:
    """Why this event needs a re-review, in words a team understands; None when it does not."""
    what = event.object_repr or (event.model.slug if event.model_id else "the model")
    if event.signal == ChangeSignal.PRICE_UP:
        pct, threshold = price_increase_pct(event), price_increase_threshold()
        if pct is not None and pct <= threshold:
            return None
        rise = "" if pct is None else " from zero" if pct.is_infinite() else f" by {pct:.1f} %"
        return (
            f"Price of {what} ({event.field or 'price'}) rose{rise}, above the {threshold} % threshold: "
            f"{event.old_value} -> {event.new_value}."
        )
    if event.signal == ChangeSignal.LICENSE_CHANGED:
        return f"Licence of {what} changed: {event.old_value} -> {event.new_value}."
    if event.signal == ChangeSignal.DEPRECATION_ANNOUNCED:
        return f"Deprecation or retirement announced for {what} ({event.field}: {event.new_value})."
    if event.signal == ChangeSignal.PROVENANCE_DISPUTED:
        return f"A provenance claim about {what} is disputed ({event.field or 'claim'}: {event.new_value})."
    return None


def _offering_id_of(event: ChangeEvent) -> int | None:
    """The offering a price or offering event is about, so entitlements pinned to other offerings are spared."""
    if event.object_id is None:
        return None
    if event.object_type == "price":
        return Price.objects.filter(pk=event.object_id).values_list("offering_id", flat=True).first()
    if event.object_type == "offering":
        return Offering.objects.filter(pk=event.object_id).values_list("pk", flat=True).first()
    return None


def affected_entitlements(event: ChangeEvent):
    """Active entitlements on the event's model granted before it happened (a later approval already saw it)."""
    entitlements = Entitlement.objects.filter(
        model_id=event.model_id, status=EntitlementStatus.ACTIVE, granted_at__lt=event.occurred_at
    )
    offering_id = _offering_id_of(event)
    if offering_id is not None:
        entitlements = entitlements.filter(Q(offering_id=offering_id) | Q(offering__isnull=True))
    return entitlements.order_by("pk")


def _publish(event: ChangeEvent) -> None:
    webhook_event = WEBHOOK_SIGNALS.get(event.signal)
    if webhook_event is None or event.model_id is None:
        return
    teams = Entitlement.objects.filter(model_id=event.model_id, status__in=LIVE_ENTITLEMENT_STATUSES)
    data = {
        "change_event": event.pk,
        "model": event.model.slug,
        "signal": event.signal,
        "object_type": event.object_type,
        "object": event.object_repr,
        "field": event.field,
        "old_value": event.old_value,
        "new_value": event.new_value,
        "occurred_at": event.occurred_at.isoformat(),
    }
    notifications.webhook_enqueue(
        event=webhook_event,
        data=data,
        teams=list(teams.values_list("team__slug", flat=True).distinct()),
        key=f"change-event:{event.pk}",
    )


def _process(event: ChangeEvent, cursor: FeedCursor) -> int:
    """One event: flag what it affects (each entitlement in its own transaction), then publish it and move the
    cursor past it together. Re-running an event after a crash flags nothing twice: flagged ones are no longer
    active, and the webhook's key is the event's id."""
    flagged = 0
    reason = reason_for(event) if event.signal in REREVIEW_SIGNALS and event.model_id else None
    if reason:
        for entitlement in affected_entitlements(event):
            try:
                entitlement_mark_needs_review(
                    entitlement=entitlement,
                    reason=reason,
                    actor_label="system:rereview",
                    change_event=event.pk,
                    signal=event.signal,
                )
            except ConflictError:
                continue  # revoked or already flagged since we listed it
            flagged += 1
    with transaction.atomic():
        _publish(event)
        FeedCursor.objects.filter(pk=cursor.pk).update(last_id=event.pk, updated_at=timezone.now())
    return flagged


def catalog_changes_process(*, now: dt.datetime | None = None) -> RereviewResult:
    """Handle every new catalog change event with a signal; safe to run any number of times, concurrently."""
    result = RereviewResult()
    settled = (now or timezone.now()) - dt.timedelta(seconds=SETTLE_SECONDS)
    with advisory_lock("governance.catalog_changes_process") as mine:
        if not mine:
            result.skipped = True
            return result
        cursor, _ = FeedCursor.objects.get_or_create(name=CURSOR_NAME)
        while True:
            cursor.refresh_from_db()
            events = list(
                ChangeEvent.objects.filter(pk__gt=cursor.last_id)
                .exclude(signal="")
                .select_related("model")
                .order_by("pk")[:BATCH_SIZE]
            )
            for event in events:
                if event.occurred_at > settled:
                    return result  # not settled yet: it and everything after it wait for the next run
                result.flagged += _process(event, cursor)
                result.events += 1
            if len(events) < BATCH_SIZE:
                break
    if result.flagged:
        logger.info("re-review: %d change events, %d entitlements flagged", result.events, result.flagged)
    return result

"""Entitlements: granted by an approval, then active -> needs_review -> active, or -> revoked / expired.

The entitlement's fate is mirrored on its request (approved -> revoked / expired). Row locks are always taken in
the same order, request first, then entitlement, so two transitions never wait on each other in a circle.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.audit import snapshot
from core.exceptions import ApplicationError, ConflictError
from governance import permissions
from governance.choices import LIVE_ENTITLEMENT_STATUSES, EntitlementStatus, RequestStatus
from governance.models import ApprovalRequest, Entitlement
from governance.services import notifications
from governance.services._common import AuditBatch, advisory_lock, validate
from governance.services.conditions import Conditions

DEFAULT_REMINDER_DAYS = 14


def live_entitlement_for_scope(request: ApprovalRequest) -> Entitlement | None:
    """The team's live entitlement for the request's exact scope (model, offering, region), if any."""
    return Entitlement.objects.filter(
        team_id=request.team_id,
        model_id=request.model_id,
        offering_id=request.offering_id,
        region=request.region,
        status__in=LIVE_ENTITLEMENT_STATUSES,
    ).first()


def entitlement_grant(*, request: ApprovalRequest, conditions: Conditions, batch: AuditBatch) -> Entitlement:
    """Create the entitlement an approval grants. Runs inside the approving service's transaction."""
    existing = live_entitlement_for_scope(request)
    if existing is not None:
        raise ConflictError(
            f"Team {request.team.slug} already holds entitlement #{existing.pk} for this model and scope.",
            details={"entitlement": existing.pk},
        )
    now = timezone.now()
    entitlement = Entitlement(
        team=request.team,
        model=request.model,
        offering=request.offering,
        region=request.region,
        request=request,
        use_case=request.use_case,
        status=EntitlementStatus.ACTIVE,
        allowed_data_classifications=list(conditions.allowed_data_classifications),
        allowed_regions=list(conditions.allowed_regions),
        monthly_budget_usd=conditions.monthly_budget_usd,
        granted_at=now,
        expires_at=conditions.expires_at,
    )
    # The one-live-per-scope constraint is checked by the database below, where it also catches a race.
    validate(entitlement, exclude=["request"])
    try:
        with transaction.atomic():
            entitlement.save()
    except IntegrityError as exc:
        raise ConflictError(f"Team {request.team.slug} already holds a live entitlement for this scope.") from exc
    batch.add(action="entitlement.grant", target=entitlement, before=None, team=request.team, request=request.pk)
    return entitlement


def _lock(entitlement: Entitlement) -> tuple[Entitlement, ApprovalRequest | None]:
    request = None
    if entitlement.request_id is not None:
        request = ApprovalRequest.objects.select_for_update(of=("self",)).get(pk=entitlement.request_id)
    locked = (
        Entitlement.objects.select_for_update(of=("self",))
        .select_related("team", "model", "offering")
        .get(pk=entitlement.pk)
    )
    return locked, request


def _require_status(entitlement: Entitlement, allowed, verb: str) -> None:
    if entitlement.status not in allowed:
        raise ConflictError(
            f"Entitlement #{entitlement.pk} is {entitlement.status}; it cannot be {verb}.",
            details={"status": entitlement.status},
        )


def _mirror_on_request(request: ApprovalRequest | None, status: str, batch: AuditBatch, **context) -> None:
    """approved -> revoked / expired on the request that granted the entitlement."""
    if request is None or request.status != RequestStatus.APPROVED:
        return
    before = snapshot(request)
    request.status = status
    request.version += 1
    request.save(update_fields=["status", "version", "updated_at"])
    batch.add(action=f"approval_request.{status}", target=request, before=before, team=request.team, **context)


def _save(entitlement: Entitlement, *fields: str) -> None:
    entitlement.version += 1
    entitlement.save(update_fields=[*fields, "version", "updated_at"])


@transaction.atomic
def entitlement_revoke(*, entitlement: Entitlement, actor, reason: str) -> Entitlement:
    """Take a live entitlement away now; the decision endpoint denies from the next request on."""
    if not reason or not reason.strip():
        raise ApplicationError("Say why the entitlement is revoked.", details={"reason": "required"})
    entitlement, request = _lock(entitlement)
    permissions.require(
        permissions.can_revoke_entitlement(actor, entitlement),
        f"Only a governance admin or an admin of team {entitlement.team.slug} may revoke this entitlement.",
    )
    _require_status(entitlement, LIVE_ENTITLEMENT_STATUSES, "revoked")
    batch = AuditBatch(actor=actor)
    before = snapshot(entitlement)
    entitlement.status = EntitlementStatus.REVOKED
    entitlement.revoked_at = timezone.now()
    entitlement.revoked_by = actor
    entitlement.revoke_reason = reason.strip()
    _save(entitlement, "status", "revoked_at", "revoked_by", "revoke_reason")
    batch.add(action="entitlement.revoke", target=entitlement, before=before, team=entitlement.team, reason=reason)
    _mirror_on_request(request, RequestStatus.REVOKED, batch, entitlement=entitlement.pk)
    notifications.notify_entitlement(entitlement, event="entitlement.revoked")
    batch.flush()
    return entitlement


@transaction.atomic
def entitlement_expire(*, entitlement: Entitlement, actor=None, now: dt.datetime | None = None) -> Entitlement:
    """A live entitlement whose date has passed ends; beat calls this for every due one."""
    now = now or timezone.now()
    entitlement, request = _lock(entitlement)
    _require_status(entitlement, LIVE_ENTITLEMENT_STATUSES, "expired")
    if entitlement.expires_at > now:
        raise ConflictError(
            f"Entitlement #{entitlement.pk} runs until {entitlement.expires_at.isoformat()}; it cannot expire yet.",
            details={"expires_at": entitlement.expires_at.isoformat()},
        )
    batch = AuditBatch(actor=actor, actor_label="" if actor else "system:expiry")
    before = snapshot(entitlement)
    entitlement.status = EntitlementStatus.EXPIRED
    _save(entitlement, "status")
    batch.add(action="entitlement.expire", target=entitlement, before=before, team=entitlement.team)
    _mirror_on_request(request, RequestStatus.EXPIRED, batch, entitlement=entitlement.pk)
    notifications.email_enqueue(
        template="entitlement_expired",
        to=notifications.team_contact_emails(entitlement.team, also=request.requested_by if request else None),
        context={"entitlement": notifications.entitlement_data(entitlement)},
        key=f"{entitlement.pk}:v{entitlement.version}",
    )
    batch.flush()
    return entitlement


@transaction.atomic
def entitlement_mark_needs_review(
    *, entitlement: Entitlement, reason: str, actor=None, actor_label: str = "", **context
) -> Entitlement:
    """Something changed under an active entitlement (price, licence, deprecation, provenance): a reviewer must
    look again. It keeps allowing calls meanwhile; the team and webhooks are told why."""
    if not reason or not reason.strip():
        raise ApplicationError("Say why the entitlement needs review.", details={"reason": "required"})
    entitlement, _request = _lock(entitlement)
    if actor is not None:
        permissions.require(
            permissions.can_reconfirm_entitlement(actor, entitlement),
            "Only a governance admin or a reviewer of this entitlement may ask for its re-review.",
        )
    _require_status(entitlement, (EntitlementStatus.ACTIVE,), "sent to re-review")
    batch = AuditBatch(actor=actor, actor_label=actor_label)
    before = snapshot(entitlement)
    entitlement.status = EntitlementStatus.NEEDS_REVIEW
    entitlement.needs_review_reason = reason.strip()
    _save(entitlement, "status", "needs_review_reason")
    batch.add(action="entitlement.needs_review", target=entitlement, before=before, team=entitlement.team, **context)
    notifications.notify_entitlement(entitlement, event="entitlement.needs_review")
    batch.flush()
    return entitlement


@transaction.atomic
def entitlement_reconfirm(*, entitlement: Entitlement, actor, comment: str = "") -> Entitlement:
    """A reviewer (or governance admin) looked again and keeps the entitlement: needs_review -> active."""
    entitlement, _request = _lock(entitlement)
    permissions.require(
        permissions.can_reconfirm_entitlement(actor, entitlement),
        "Only a governance admin or a reviewer of the original request's stages may reconfirm this entitlement.",
    )
    _require_status(entitlement, (EntitlementStatus.NEEDS_REVIEW,), "reconfirmed")
    batch = AuditBatch(actor=actor)
    before = snapshot(entitlement)
    entitlement.status = EntitlementStatus.ACTIVE
    entitlement.needs_review_reason = ""
    _save(entitlement, "status", "needs_review_reason")
    batch.add(
        action="entitlement.reconfirm",
        target=entitlement,
        before=before,
        team=entitlement.team,
        reason=before["needs_review_reason"],
        comment=comment,
    )
    batch.flush()
    return entitlement


@transaction.atomic
def entitlement_remind_expiring(*, entitlement: Entitlement, now: dt.datetime | None = None) -> bool:
    """Tell the team once that the entitlement expires soon (entitlement.expiring). False if already told."""
    entitlement, _request = _lock(entitlement)
    if entitlement.status not in LIVE_ENTITLEMENT_STATUSES or entitlement.expiry_reminded_at is not None:
        return False
    entitlement.expiry_reminded_at = now or timezone.now()
    # Not a transition (nothing the decision depends on changes), so no version bump and no audit event.
    entitlement.save(update_fields=["expiry_reminded_at", "updated_at"])
    notifications.notify_entitlement(entitlement, event="entitlement.expiring", key_suffix=":expiring")
    return True


# --- beat jobs ----------------------------------------------------------------------------------------------


def entitlements_expire_due(*, now: dt.datetime | None = None) -> int:
    """Expire every live entitlement past its date, one transaction each. Returns how many expired."""
    now = now or timezone.now()
    with advisory_lock("governance.entitlements_expire_due") as mine:
        if not mine:
            return 0
        due = Entitlement.objects.filter(status__in=LIVE_ENTITLEMENT_STATUSES, expires_at__lte=now)
        expired = 0
        for entitlement in due.order_by("expires_at", "pk"):
            try:
                entitlement_expire(entitlement=entitlement, now=now)
            except ConflictError:
                continue  # revoked or extended since we listed it: nothing to do
            expired += 1
        return expired


def entitlements_remind_expiring(*, days: int | None = None, now: dt.datetime | None = None) -> int:
    """Send entitlement.expiring for live entitlements ending within ``days``; each team is told once."""
    now = now or timezone.now()
    days = days if days is not None else getattr(settings, "MODELGATE_EXPIRY_REMINDER_DAYS", DEFAULT_REMINDER_DAYS)
    with advisory_lock("governance.entitlements_remind_expiring") as mine:
        if not mine:
            return 0
        due = Entitlement.objects.filter(
            status__in=LIVE_ENTITLEMENT_STATUSES,
            expiry_reminded_at__isnull=True,
            expires_at__gt=now,
            expires_at__lte=now + dt.timedelta(days=days),
        )
        return sum(entitlement_remind_expiring(entitlement=e, now=now) for e in due.order_by("expires_at", "pk"))

"""Notifications: emails to people and signed webhooks to systems, both through the transactional outbox.

Every notification is an outbox row written in the transaction of the change (``core.outbox.outbox_enqueue``), so
it exists exactly when the change committed and a broker outage loses nothing; the relay then calls the handler
registered for its topic (see ``governance.apps``), retrying with backoff while the handler raises.

Topics: ``notify.email.<template>`` (one message per email) and ``notify.webhook.<event>`` (one message per
event, fanned out to every matching subscription by ``governance.services.webhooks``). Keys are deterministic
(the object and its version), so enqueueing the same notification twice is a no-op.

Email templates live in ``templates/email/<template>.txt``: the first line is the subject, the rest the body.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone

from core.outbox import outbox_enqueue
from governance.choices import OrgRoleKind, TeamRole
from governance.models import ApprovalRequest, Entitlement, ReviewStage, StageReview, Team

EMAIL_TOPIC = "notify.email."
WEBHOOK_TOPIC = "notify.webhook."


# --- recipients ---------------------------------------------------------------------------------------------


def _emails(users) -> list[str]:
    return sorted({user.email for user in users if user.email and user.is_active})


def stage_reviewer_emails(stage: ReviewStage, *, exclude_user_id: int | None = None) -> list[str]:
    """Everyone who reviews ``stage``, except the requester (who may not decide their own request)."""
    users = get_user_model().objects.filter(org_roles__role=OrgRoleKind.REVIEWER, org_roles__stage=stage)
    if exclude_user_id is not None:
        users = users.exclude(pk=exclude_user_id)
    return _emails(users)


def team_contact_emails(team: Team, *, also=None) -> list[str]:
    """The team's admins, plus ``also`` (typically the requester)."""
    admins = get_user_model().objects.filter(team_memberships__team=team, team_memberships__role=TeamRole.ADMIN)
    people = list(admins) + ([also] if also is not None else [])
    return _emails(people)


# --- payloads (what a webhook receiver or an email template sees) -------------------------------------------


def link(path: str) -> str:
    return f"{settings.MODELGATE_BASE_URL.rstrip('/')}{path}"


def request_data(request: ApprovalRequest) -> dict:
    evaluation = request.policy_evaluation
    return {
        "id": request.pk,
        "url": link(f"/requests/{request.pk}/"),
        "team": request.team.slug,
        "model": request.model.slug,
        "offering": request.offering.external_id if request.offering_id else None,
        "region": request.region,
        "use_case": request.use_case.slug,
        "data_classification": request.data_classification,
        "status": request.status,
        "round": request.round,
        "version": request.version,
        "requested_by": request.requested_by.get_username(),
        "policy_outcome": evaluation.outcome if evaluation else None,
        "policy_explanation": evaluation.explanation if evaluation else "",
    }


def entitlement_data(entitlement: Entitlement) -> dict:
    return {
        "id": entitlement.pk,
        "url": link(f"/entitlements/{entitlement.pk}/"),
        "team": entitlement.team.slug,
        "model": entitlement.model.slug,
        "offering": entitlement.offering.external_id if entitlement.offering_id else None,
        "region": entitlement.region,
        "status": entitlement.status,
        "request": entitlement.request_id,
        "expires_at": entitlement.expires_at.isoformat(),
        "allowed_data_classifications": list(entitlement.allowed_data_classifications),
        "allowed_regions": list(entitlement.allowed_regions),
        "monthly_budget_usd": None if entitlement.monthly_budget_usd is None else str(entitlement.monthly_budget_usd),
        "needs_review_reason": entitlement.needs_review_reason,
        "revoke_reason": entitlement.revoke_reason,
        "version": entitlement.version,
    }


# --- enqueueing ---------------------------------------------------------------------------------------------


def email_enqueue(*, template: str, to: list[str], context: dict, key: str) -> None:
    """Queue one plain-text email; nothing is queued when nobody has an address."""
    if not to:
        return
    outbox_enqueue(
        topic=f"{EMAIL_TOPIC}{template}",
        payload={"template": template, "to": to, "context": context},
        key=f"email:{template}:{key}",
    )


def webhook_enqueue(*, event: str, data: dict, teams: list[str], key: str) -> None:
    """Queue one event for every matching subscription: the teams' own and the organisation-wide ones."""
    outbox_enqueue(
        topic=f"{WEBHOOK_TOPIC}{event}",
        payload={"event": event, "teams": sorted(set(teams)), "occurred_at": timezone.now().isoformat(), "data": data},
        key=f"{event}:{key}",
    )


def notify_reviews_assigned(request: ApprovalRequest, reviews: list[StageReview]) -> None:
    data = request_data(request)
    for review in reviews:
        to = stage_reviewer_emails(review.stage, exclude_user_id=request.requested_by_id)
        context = {"request": data, "stage": review.stage.name, "due_at": review.due_at.isoformat()}
        email_enqueue(template="review_assigned", to=to, context=context, key=f"{review.pk}")


def notify_review_overdue(request: ApprovalRequest, review: StageReview, *, at: dt.datetime) -> bool:
    """Remind the stage's reviewers that ``review`` is past its due date; False when the stage has nobody to
    remind. One email per reminder: its key carries the reminder's time ``at``, so the next day's reminder is a
    new message and a repeat of this one is not."""
    to = stage_reviewer_emails(review.stage, exclude_user_id=request.requested_by_id)
    context = {"request": request_data(request), "stage": review.stage.name, "due_at": review.due_at.isoformat()}
    email_enqueue(template="review_overdue", to=to, context=context, key=f"{review.pk}:{at.isoformat()}")
    return bool(to)


def notify_request_submitted(request: ApprovalRequest) -> None:
    webhook_enqueue(
        event="request.submitted",
        data=request_data(request),
        teams=[request.team.slug],
        key=f"request:{request.pk}:round:{request.round}",
    )


def notify_request_decided(request: ApprovalRequest, *, reason: str = "", entitlement: Entitlement | None = None):
    """Tell the requester (and the team's admins) the outcome; approved and rejected are also webhook events."""
    data = request_data(request)
    context = {"request": data, "reason": reason, "entitlement": entitlement_data(entitlement) if entitlement else None}
    to = team_contact_emails(request.team, also=request.requested_by)
    key = f"{request.pk}:v{request.version}"
    email_enqueue(template=f"request_{request.status}", to=to, context=context, key=key)
    if request.status in ("approved", "rejected"):
        webhook_enqueue(event=f"request.{request.status}", data=data, teams=[request.team.slug], key=key)


def notify_entitlement(entitlement: Entitlement, *, event: str, key_suffix: str = "") -> None:
    """entitlement.revoked / .needs_review / .expiring: email the team, and the webhook event."""
    data = entitlement_data(entitlement)
    requester = entitlement.request.requested_by if entitlement.request_id else None
    to = team_contact_emails(entitlement.team, also=requester)
    key = f"{entitlement.pk}:v{entitlement.version}{key_suffix}"
    template = event.replace(".", "_")
    email_enqueue(template=template, to=to, context={"entitlement": data}, key=key)
    webhook_enqueue(event=event, data=data, teams=[entitlement.team.slug], key=key)


# --- the email handler (called by the outbox relay) --------------------------------------------------------


def render_email(template: str, context: dict) -> tuple[str, str]:
    """(subject, body) from ``templates/email/<template>.txt``: first line subject, the rest the body."""
    text = render_to_string(f"email/{template}.txt", {**context, "base_url": settings.MODELGATE_BASE_URL})
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), body.strip() + "\n"


def email_send(payload: dict) -> None:
    """Send one queued email. Raises on an SMTP failure, so the relay retries it with backoff."""
    subject, body = render_email(payload["template"], payload["context"])
    EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=payload["to"]).send()


def email_handle(message) -> None:
    """Outbox handler for ``notify.email.*``."""
    email_send(message.payload)

"""The dashboard: what needs the signed-in person's attention, and what they may use."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from catalog.choices import ChangeSignal
from catalog.models import ChangeEvent
from governance import permissions
from governance.choices import LIVE_ENTITLEMENT_STATUSES, EntitlementStatus, RequestStatus
from governance.context_processors import member_teams_of
from governance.selectors import deprecation_radar, entitlement_list_for, request_list_for, review_inbox_for

OPEN_REQUEST_STATUSES = (
    RequestStatus.DRAFT,
    RequestStatus.SUBMITTED,
    RequestStatus.IN_REVIEW,
    RequestStatus.CHANGES_REQUESTED,
)
# Catalog changes worth a glance from the dashboard: new models, price moves, deprecations.
DASHBOARD_SIGNALS = (
    ChangeSignal.MODEL_ADDED,
    ChangeSignal.PRICE_UP,
    ChangeSignal.PRICE_DOWN,
    ChangeSignal.DEPRECATION_ANNOUNCED,
    ChangeSignal.LICENSE_CHANGED,
)
SHOWN = 10
EXPIRY_WARNING_DAYS = 30


def _team_entitlements(user, teams):
    entitlements = entitlement_list_for(user).filter(team__in=teams, status__in=LIVE_ENTITLEMENT_STATUSES)
    return entitlements.order_by("expires_at", "pk")


def _needs_rereview(user):
    """Entitlements the catalog changed under, for the people who can reconfirm them."""
    if not (permissions.is_governance_admin(user) or permissions.is_reviewer(user)):
        return []
    return list(entitlement_list_for(user, status=EntitlementStatus.NEEDS_REVIEW)[:SHOWN])


@login_required
def dashboard(request):
    user = request.user
    teams = list(member_teams_of(user))
    inbox = review_inbox_for(user)
    now = timezone.now()
    context = {
        "teams": teams,
        "entitlements": list(_team_entitlements(user, teams)),
        "my_requests": list(request_list_for(user).filter(requested_by=user, status__in=OPEN_REQUEST_STATUSES)[:SHOWN]),
        "inbox": list(inbox[:SHOWN]),
        "inbox_count": inbox.count() if permissions.is_reviewer(user) else 0,
        "needs_rereview": _needs_rereview(user),
        "radar": [(team, item) for team in teams for item in deprecation_radar(team)],
        "changes": list(
            ChangeEvent.objects.filter(signal__in=DASHBOARD_SIGNALS).select_related("model", "source")[:SHOWN]
        ),
        "now": now,
        "soon": now + dt.timedelta(days=EXPIRY_WARNING_DAYS),
    }
    return render(request, "governance/dashboard.html", context)

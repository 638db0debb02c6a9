"""Actions on an entitlement from the portal: reconfirm one that needs re-review, revoke one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.exceptions import ApplicationError
from governance.forms import ReasonForm
from governance.selectors import entitlement_get_for
from governance.services.entitlements import entitlement_reconfirm, entitlement_revoke
from governance.views._common import http_errors


def _back(request):
    """Where the form came from (same site only), else the dashboard."""
    target = request.POST.get("next") or request.headers.get("referer", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("governance:dashboard")


@login_required
@require_POST
def entitlement_reconfirm_view(request, pk: int):
    try:
        with http_errors():
            entitlement = entitlement_get_for(request.user, pk)
            entitlement_reconfirm(entitlement=entitlement, actor=request.user, comment=request.POST.get("comment", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Entitlement #{pk} reconfirmed: {entitlement.team.name} keeps {entitlement.model}.")
    return _back(request)


@login_required
@require_POST
def entitlement_revoke_view(request, pk: int):
    form = ReasonForm(request.POST)
    try:
        with http_errors():
            entitlement = entitlement_get_for(request.user, pk)
            if not form.is_valid():
                messages.error(request, "Say why the entitlement is revoked.")
                return _back(request)
            entitlement_revoke(entitlement=entitlement, actor=request.user, reason=form.cleaned_data["reason"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Entitlement #{pk} revoked; the decision endpoint now denies it.")
    return _back(request)

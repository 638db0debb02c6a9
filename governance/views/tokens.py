"""My API tokens: a person's own personal tokens (not a team's), issued and revoked in the portal as the team page
does for team tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from core.exceptions import ApplicationError, PermissionDeniedError
from governance.forms import PersonalTokenForm
from governance.models import ApiToken
from governance.selectors import token_list_for
from governance.services.tokens import api_token_create, api_token_revoke
from governance.views._common import add_service_error, http_errors


def _my_tokens(user):
    """The person's own personal tokens: never a team's service-account token, never someone else's (a governance
    admin's token_list_for holds every token, so the owner filter is not redundant)."""
    return token_list_for(user).filter(user=user, team__isnull=True)


def render_my_tokens(request, *, form=None, status: int = 200, new_secret=None):
    context = {
        "tokens": list(_my_tokens(request.user)),
        "form": form or PersonalTokenForm(),
        "new_secret": new_secret,
    }
    return render(request, "governance/my_tokens.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def my_tokens(request):
    """The list (GET) and issuing a token (POST). The secret is shown in the POST's response only: never stored,
    never put in the session or a redirect, and the response may not be cached."""
    if request.method == "POST":
        return _issue(request, PersonalTokenForm(request.POST))
    return render_my_tokens(request)


def _issue(request, form):
    if not form.is_valid():
        return render_my_tokens(request, form=form, status=400)
    try:
        token, secret = api_token_create(actor=request.user, **form.service_fields())
    except ApplicationError as exc:
        # A refused scope is a correction to make on this form (the person may use the page, not that scope), so it
        # is shown next to the scopes with a 400 rather than as a 403 page.
        if isinstance(exc, PermissionDeniedError):
            form.add_error("scopes", exc.message)
        else:
            add_service_error(form, exc)
        return render_my_tokens(request, form=form, status=400)
    return render_my_tokens(request, new_secret={"kind": "API token", "name": token.name, "value": secret})


def _my_token(user, pk: int) -> ApiToken:
    token = _my_tokens(user).filter(pk=pk).first()
    if token is None:
        # 404, not 403: whether someone else's token or a team token has this id is none of the caller's business.
        raise Http404(f"You have no personal token #{pk}.")
    return token


@login_required
@require_POST
def my_token_revoke(request, pk: int):
    token = _my_token(request.user, pk)
    try:
        with http_errors():
            api_token_revoke(actor=request.user, token=token)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("governance:my-tokens")
    messages.success(request, f"Token {token.prefix} revoked; it stops working at once.")
    return redirect("governance:my-tokens")

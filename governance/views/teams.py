"""Team pages: members and roles, entitlements, use cases, API tokens and webhooks; admins manage them here."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.exceptions import ApplicationError
from governance import permissions
from governance.choices import LIVE_ENTITLEMENT_STATUSES
from governance.forms import MemberAddForm, MemberRoleForm, TokenForm, UseCaseForm, WebhookForm
from governance.models import ApiToken, Team
from governance.selectors import (
    entitlement_list_for,
    team_get_for,
    team_list_for,
    use_case_list_for,
    webhook_list_for,
)
from governance.services.teams import membership_add, membership_change_role, membership_remove, use_case_create
from governance.services.tokens import api_token_create, api_token_revoke
from governance.services.webhooks import webhook_subscription_create, webhook_subscription_deactivate
from governance.views._common import add_service_error, http_errors

FORMS = {"member": MemberAddForm, "use_case": UseCaseForm, "token": TokenForm, "webhook": WebhookForm}


@login_required
def team_list(request):
    return render(request, "governance/team_list.html", {"teams": list(team_list_for(request.user))})


def _team(request, slug: str) -> Team:
    with http_errors():
        return team_get_for(request.user, slug)


def _entitlements(user, team):
    live_first = Case(
        When(status__in=LIVE_ENTITLEMENT_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return entitlement_list_for(user, team=team).annotate(live_first=live_first).order_by("live_first", "expires_at")


def render_team(request, team: Team, *, status: int = 200, bound=None, new_secret=None):
    """The team page; action views re-render it with a bound form (errors) or a secret to show once."""
    user = request.user
    forms = {name: form_class() for name, form_class in FORMS.items()} | (bound or {})
    memberships = sorted(team.memberships.all(), key=lambda m: (m.role != "admin", m.user.username))
    context = {
        "team": team,
        "memberships": memberships,
        "can_manage": permissions.can_manage_team(user, team),
        "can_add_use_case": permissions.can_create_use_case(user, team),
        "entitlements": list(_entitlements(user, team)),
        "use_cases": list(use_case_list_for(user, team=team)),
        "tokens": list(ApiToken.objects.filter(team=team).select_related("created_by").order_by("-created_at")),
        "webhooks": list(webhook_list_for(user).filter(team=team)),
        "forms": forms,
        "new_secret": new_secret,
        "role_form": MemberRoleForm(),
    }
    return render(request, "governance/team_detail.html", context, status=status)


@login_required
def team_detail(request, slug: str):
    return render_team(request, _team(request, slug))


def _run(request, team, form_name: str, form, action):
    """Validate ``form``, run ``action(form)`` (a service call); refusals go on the form, the page re-rendered."""
    if not form.is_valid():
        return render_team(request, team, status=400, bound={form_name: form})
    try:
        with http_errors():
            outcome = action(form)
    except ApplicationError as exc:
        add_service_error(form, exc)
        return render_team(request, team, status=exc.http_status, bound={form_name: form})
    return outcome


def _done(request, team, message: str):
    messages.success(request, message)
    return redirect("governance:team", slug=team.slug)


@login_required
@require_POST
def member_add(request, slug: str):
    team = _team(request, slug)

    def add(form):
        user = form.cleaned_data["username"]
        membership_add(actor=request.user, team=team, user=user, role=form.cleaned_data["role"])
        return _done(request, team, f"{user.username} added to {team.name}.")

    return _run(request, team, "member", MemberAddForm(request.POST), add)


def _member(team: Team, user_id: int):
    user = get_user_model().objects.filter(pk=user_id, team_memberships__team=team).first()
    if user is None:
        raise Http404(f"That person is not in team {team.slug}.")
    return user


@login_required
@require_POST
def member_role(request, slug: str, user_id: int):
    team = _team(request, slug)
    member = _member(team, user_id)

    def change(form):
        membership_change_role(actor=request.user, team=team, user=member, role=form.cleaned_data["role"])
        return _done(request, team, f"{member.username} is now {form.cleaned_data['role']} of {team.name}.")

    return _run(request, team, "role", MemberRoleForm(request.POST), change)


@login_required
@require_POST
def member_remove(request, slug: str, user_id: int):
    team = _team(request, slug)
    member = _member(team, user_id)
    try:
        with http_errors():
            membership_remove(actor=request.user, team=team, user=member)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("governance:team", slug=team.slug)
    return _done(request, team, f"{member.username} removed from {team.name}.")


@login_required
@require_POST
def use_case_add(request, slug: str):
    team = _team(request, slug)

    def add(form):
        use_case = use_case_create(actor=request.user, team=team, **form.service_fields())
        return _done(request, team, f"Use case '{use_case.name}' added.")

    return _run(request, team, "use_case", UseCaseForm(request.POST), add)


@login_required
@require_POST
@never_cache
def token_create(request, slug: str):
    """Issue a team token. The secret is shown in this response only (never stored, never redirected through a
    session), and the response may not be cached."""
    team = _team(request, slug)

    def issue(form):
        token, secret = api_token_create(actor=request.user, team=team, **form.service_fields())
        secret_shown = {"kind": "API token", "name": token.name, "value": secret}
        return render_team(request, team, new_secret=secret_shown)

    return _run(request, team, "token", TokenForm(request.POST), issue)


@login_required
@require_POST
def token_revoke(request, slug: str, pk: int):
    team = _team(request, slug)
    token = ApiToken.objects.filter(team=team, pk=pk).first()
    if token is None:
        raise Http404(f"Team {team.slug} has no token #{pk}.")
    try:
        with http_errors():
            api_token_revoke(actor=request.user, token=token)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("governance:team", slug=team.slug)
    return _done(request, team, f"Token {token.prefix} revoked; it stops working at once.")


@login_required
@require_POST
@never_cache
def webhook_create(request, slug: str):
    team = _team(request, slug)

    def create(form):
        data = form.cleaned_data
        subscription, secret = webhook_subscription_create(
            actor=request.user, team=team, url=data["url"], events=data["events"]
        )
        secret_shown = {"kind": "webhook signing secret", "name": subscription.url, "value": secret}
        return render_team(request, team, new_secret=secret_shown)

    return _run(request, team, "webhook", WebhookForm(request.POST), create)


@login_required
@require_POST
def webhook_deactivate(request, slug: str, pk: int):
    team = _team(request, slug)
    subscription = webhook_list_for(request.user).filter(team=team, pk=pk).first()
    if subscription is None:
        raise Http404(f"Team {team.slug} has no webhook #{pk}.")
    try:
        with http_errors():
            webhook_subscription_deactivate(actor=request.user, subscription=subscription)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("governance:team", slug=team.slug)
    return _done(request, team, f"Webhook {subscription.url} deactivated.")

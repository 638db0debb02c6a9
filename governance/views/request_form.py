"""The request form (new and edit) and its live policy pre-check."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from catalog.listing import model_by_name
from core.exceptions import ApplicationError
from governance import permissions
from governance.choices import DataClassification, RiskTier
from governance.context_processors import member_teams_of
from governance.forms import NEW_USE_CASE, RequestForm
from governance.models import ApprovalRequest, ReviewStage, UseCase
from governance.policy import policy_evaluate
from governance.selectors import request_get_for
from governance.services.requests import EDITABLE_STATUSES, request_create, request_submit, request_update
from governance.services.teams import use_case_create
from governance.views._common import add_service_error, http_errors, int_or_none

SUBMIT = "submit"


def _initial(request) -> dict:
    """Prefill from the query string (?model=<slug>&team=<slug>), as the model card's Request button links."""
    initial = {"model": request.GET.get("model", "")}
    teams = list(member_teams_of(request.user))
    team = next((t for t in teams if t.slug == request.GET.get("team")), teams[0] if len(teams) == 1 else None)
    if team is not None:
        initial["team"] = team.slug
        use_cases = list(UseCase.objects.filter(team=team).order_by("name")[:2])
        if len(use_cases) == 1:
            initial["use_case"] = str(use_cases[0].pk)
            initial["data_classification"] = use_cases[0].data_classification
    return initial


def _render_form(request, form, *, editing=None, status=200):
    context = {"form": form, "editing": editing, "new_use_case": NEW_USE_CASE, "regions": _regions(form)}
    return render(request, "governance/request_form.html", context, status=status)


def _regions(form) -> list[str]:
    """Regions the chosen model is offered in, for the region field's suggestions."""
    model = form.editing.model if form.editing else None
    if model is None:
        model, _ = model_by_name((form.data.get("model") or form.initial.get("model") or "").strip())
    if model is None:
        return []
    return sorted({region for offering in model.offerings.all() for region in offering.regions})


@login_required
def request_new(request):
    if not permissions.team_ids_of(request.user):
        raise Http404("You are not a member of any team, so you cannot request a model. Ask a team admin.")
    if request.method != "POST":
        return _render_form(request, RequestForm(initial=_initial(request), user=request.user))
    form = RequestForm(request.POST, user=request.user)
    if not form.is_valid():
        return _render_form(request, form, status=400)
    data = form.cleaned_data
    try:
        # One unit: a new use case, the draft and its submission stand or fall together, so a refused submit
        # leaves nothing half-made behind and the person's input stays on the form.
        with http_errors(), transaction.atomic():
            use_case = data["use_case"]
            if use_case is None:
                use_case = use_case_create(actor=request.user, team=data["team"], **form.new_use_case_fields())
            fields = {**form.request_fields(), "use_case": use_case}
            approval = request_create(actor=request.user, team=data["team"], model=data["model"], **fields)
            if request.POST.get("action") == SUBMIT:
                approval = request_submit(request=approval, actor=request.user)
    except ApplicationError as exc:
        add_service_error(form, exc)
        return _render_form(request, form, status=exc.http_status)
    messages.success(request, _saved_message(approval))
    return redirect("governance:request", pk=approval.pk)


def _saved_message(approval: ApprovalRequest) -> str:
    if approval.status == "draft":
        return f"Request #{approval.pk} saved as a draft. Submit it when it is ready."
    return f"Request #{approval.pk} submitted: {approval.get_status_display().lower()}."


@login_required
def request_edit(request, pk: int):
    with http_errors():
        approval = request_get_for(request.user, pk)
        permissions.require(
            permissions.can_edit_request(request.user, approval),
            "Only the requester or a team admin may edit this request.",
        )
    if approval.status not in EDITABLE_STATUSES:
        messages.error(request, f"Request #{pk} is {approval.get_status_display().lower()}; it cannot be edited.")
        return redirect("governance:request", pk=pk)
    if request.method != "POST":
        form = RequestForm(initial=_edit_initial(approval), user=request.user, editing=approval)
        return _render_form(request, form, editing=approval)
    form = RequestForm(request.POST, initial=_edit_initial(approval), user=request.user, editing=approval)
    if not form.is_valid():
        return _render_form(request, form, editing=approval, status=400)
    try:
        with http_errors(), transaction.atomic():
            expected = int_or_none(request.POST.get("version"))
            approval = request_update(
                request=approval, actor=request.user, expected_version=expected, **form.request_fields()
            )
            if request.POST.get("action") == SUBMIT:
                approval = request_submit(request=approval, actor=request.user)
    except ApplicationError as exc:
        add_service_error(form, exc)
        return _render_form(request, form, editing=approval, status=exc.http_status)
    messages.success(request, _saved_message(approval))
    return redirect("governance:request", pk=approval.pk)


def _edit_initial(approval: ApprovalRequest) -> dict:
    return {
        "team": approval.team.slug,
        "model": approval.model.slug,
        "use_case": str(approval.use_case_id),
        "data_classification": approval.data_classification,
        "region": approval.region,
        "expected_monthly_tokens": approval.expected_monthly_tokens,
        "expected_monthly_spend_usd": approval.expected_monthly_spend_usd,
        "justification": approval.justification,
    }


# --- the live pre-check --------------------------------------------------------------------------------------


def _decimal(value) -> Decimal | None:
    """A half-typed amount: a non-negative number, else nothing (the pre-check ignores it, the form will not)."""
    if not value:
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() and number >= 0 else None


def _question(request):
    """The policy question the half-filled form asks, or the reason there is none yet."""
    params, user = request.GET, request.user
    editing = None
    if params.get("request"):
        with http_errors():
            editing = request_get_for(user, int_or_none(params["request"]) or 0)
    team = editing.team if editing else member_teams_of(user).filter(slug=params.get("team", "")).first()
    model = editing.model if editing else model_by_name(params.get("model", "").strip())[0]
    if team is None or model is None:
        return None, "Choose your team and a model to see what the policy says."
    choice = params.get("use_case", "")
    if choice == NEW_USE_CASE:
        name = params.get("new_use_case_name", "").strip()
        tier = params.get("new_use_case_risk_tier")
        use_case = UseCase(
            team=team,
            slug=slugify(name) or "new-use-case",
            name=name,
            risk_tier=tier if tier in RiskTier.values else RiskTier.MINIMAL,
            production=bool(params.get("new_use_case_production")),
            user_facing=bool(params.get("new_use_case_user_facing")),
            data_classification=params.get("data_classification") or DataClassification.INTERNAL,
        )
    else:
        use_case = UseCase.objects.filter(team=team, pk=int_or_none(choice) or 0).first()
    data_class = params.get("data_classification")
    return {
        "team": team,
        "model": model,
        "use_case": use_case,
        "data_classification": data_class if data_class in DataClassification.values else None,
        "region": params.get("region", "").strip() or None,
        # policy_evaluate reads the expected volume from a request; a plain object carries the unsaved figures.
        "request": SimpleNamespace(
            use_case=use_case,
            data_classification=None,
            region=None,
            offering=None,
            expected_monthly_tokens=int_or_none(params.get("expected_monthly_tokens")),
            expected_monthly_spend_usd=_decimal(params.get("expected_monthly_spend_usd")),
        ),
    }, ""


@login_required
@require_GET
def request_precheck(request):
    """What the active policy would say about the form as it stands; nothing is written (a dry run)."""
    question, missing = _question(request)
    context = {"missing": missing}
    if question is not None:
        try:
            evaluation = policy_evaluate(**question, persist=False)
        except ApplicationError as exc:
            context["problem"] = exc.message
        else:
            context["evaluation"] = evaluation
            context["stages"] = list(ReviewStage.objects.filter(slug__in=evaluation.required_stages))
    return render(request, "governance/_precheck.html", context)

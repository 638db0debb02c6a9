"""Policies: every version of the rule set, the diff between two, a dry-run form (nothing is written), and the
editor in which a governance admin writes the next version."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from core.exceptions import ApplicationError
from governance import permissions
from governance.forms import DryRunForm, PolicyEditForm
from governance.models import ReviewStage
from governance.policy import (
    policy_evaluate,
    policy_version_create,
    policy_version_get,
    policy_version_to_edit,
    policy_versions,
    policy_versions_diff,
)
from governance.policy.services import default_rules_yaml
from governance.selectors.scoping import teams_visible_to, use_cases_visible_to
from governance.views._common import http_errors, int_or_none


def _diff(versions, request) -> tuple[int | None, int | None, str]:
    """The versions to compare (default: the previous against the newest) and their unified diff."""
    if len(versions) < 2 and not request.GET.get("a"):
        return None, None, ""
    a = int_or_none(request.GET.get("a")) or versions[1].version
    b = int_or_none(request.GET.get("b")) or versions[0].version
    with http_errors():
        return a, b, policy_versions_diff(a, b)


@login_required
@require_GET
def policy_list(request):
    versions = policy_versions()
    a, b, diff = _diff(versions, request)
    form = DryRunForm(
        teams=teams_visible_to(request.user).order_by("name"),
        use_cases=use_cases_visible_to(request.user).order_by("team__name", "name"),
    )
    context = {
        "versions": versions,
        "a": a,
        "b": b,
        "diff": diff,
        "diff_lines": diff.splitlines(),
        "form": form,
        "can_edit_policy": permissions.is_governance_admin(request.user),
    }
    return render(request, "governance/policy_list.html", context)


@login_required
@require_GET
def policy_version(request, version: int):
    with http_errors():
        policy = policy_version_get(version)
    return render(request, "governance/policy_version.html", {"policy": policy})


@login_required
@require_GET
def policy_dry_run(request):
    """Evaluate the active policy on a question, as a request would be, without storing the evaluation."""
    form = DryRunForm(
        request.GET or None,
        teams=teams_visible_to(request.user).order_by("name"),
        use_cases=use_cases_visible_to(request.user).order_by("team__name", "name"),
    )
    context = {"form": form}
    status = 200
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            evaluation = policy_evaluate(
                team=data["team"],
                model=data["model"],
                use_case=data.get("use_case"),
                data_classification=data.get("data_classification") or None,
                region=data.get("region") or None,
                persist=False,
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            status = exc.http_status
        else:
            context["evaluation"] = evaluation
            context["stages"] = list(ReviewStage.objects.filter(slug__in=evaluation.required_stages))
    elif form.is_bound:
        status = 400
    if request.htmx:
        # htmx swaps only 2xx answers; the fragment carries the errors itself.
        return render(request, "governance/_dry_run_result.html", context)
    return render(request, "governance/policy_dry_run.html", context, status=status)


# --- the editor ----------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def policy_edit(request):
    """The rules as YAML, prefilled with the version in force; saving stores them as the next, active version.
    The service validates, refuses an unchanged text and writes the audit event; this page only shows its answer."""
    with http_errors():
        permissions.require_governance_admin(request.user, "edit the policy")
    current = policy_version_to_edit()
    if request.method != "POST":
        rules = current.rules_yaml if current is not None else default_rules_yaml()
        return _render_editor(request, PolicyEditForm(initial={"rules_yaml": rules}), current)
    form = PolicyEditForm(request.POST)
    if not form.is_valid():
        return _render_editor(request, form, current, status=400)
    try:
        with http_errors():
            version = policy_version_create(actor=request.user, **form.cleaned_data)
    except ApplicationError as exc:
        _show_refusal(form, exc)
        return _render_editor(request, form, current, status=exc.http_status)
    messages.success(request, f"Policy v{version.version} is now active.")
    return redirect("governance:policy-version", version=version.version)


def _render_editor(request, form, current, *, status=200):
    return render(request, "governance/policy_edit.html", {"form": form, "current": current}, status=status)


def _show_refusal(form, exc: ApplicationError) -> None:
    """Every problem the validator found goes under the rules, one line each, naming its rule and field; a
    refusal about one form field (the note) goes to that field; anything else (a conflict) tops the form."""
    rule_errors = exc.details.get("errors") or []
    if rule_errors:
        form.add_error(None, f"Nothing was saved: the rules have {len(rule_errors)} error(s), listed below.")
        for error in rule_errors:
            form.add_error("rules_yaml", f"Rule '{error['rule']}', field '{error['field']}': {error['message']}")
    elif exc.details.get("field") in form.fields:
        form.add_error(exc.details["field"], exc.message)
    else:
        form.add_error(None, exc.message)

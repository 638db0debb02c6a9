"""Policies: every version of the rule set, the diff between two, and a dry-run form (nothing is written)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.exceptions import ApplicationError
from governance.forms import DryRunForm
from governance.models import ReviewStage
from governance.policy import policy_evaluate, policy_version_get, policy_versions, policy_versions_diff
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
    context = {"versions": versions, "a": a, "b": b, "diff": diff, "diff_lines": diff.splitlines(), "form": form}
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

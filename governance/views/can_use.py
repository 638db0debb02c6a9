""" "Can my team use this?" on the model card: for each of my teams, the decision the gateway would get now and,
without an entitlement, what the policy would say about a request (a dry run: nothing is written)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from catalog.listing import model_by_name
from core.exceptions import ApplicationError
from governance.choices import LIVE_ENTITLEMENT_STATUSES
from governance.context_processors import member_teams_of
from governance.decisions import Decision, decide
from governance.models import Entitlement, PolicyEvaluation, ReviewStage, Team
from governance.policy import policy_evaluate
from governance.selectors import entitlement_list_for
from governance.services.conditions import DATA_CLASS_ORDER


@dataclass
class TeamAnswer:
    team: Team
    entitlement: Entitlement | None
    decision: Decision | None
    evaluation: PolicyEvaluation | None
    stages: list[ReviewStage]
    problem: str = ""


def _decision_for(entitlement: Entitlement) -> Decision:
    """Ask as a gateway would within the entitlement's own conditions (its most sensitive data class, its first
    region), so the answer reflects the model's and the policy's state today rather than a missing parameter."""
    classes = sorted(entitlement.allowed_data_classifications, key=DATA_CLASS_ORDER.index)
    regions = list(entitlement.allowed_regions) or ([entitlement.region] if entitlement.region else [])
    return decide(
        team=entitlement.team,
        model=entitlement.model,
        data_classification=classes[-1] if classes else None,
        region=regions[0] if regions else None,
    )


def _answer(user, team: Team, model, stages_by_slug) -> TeamAnswer:
    live = entitlement_list_for(user, team=team).filter(model=model, status__in=LIVE_ENTITLEMENT_STATUSES).first()
    if live is not None:
        return TeamAnswer(team, live, _decision_for(live), None, [])
    try:
        evaluation = policy_evaluate(team=team, model=model, persist=False)
    except ApplicationError as exc:
        return TeamAnswer(team, None, None, None, [], problem=exc.message)
    stages = [stages_by_slug[s] for s in evaluation.required_stages if s in stages_by_slug]
    return TeamAnswer(team, None, None, evaluation, stages)


@login_required
@require_GET
def can_use(request):
    """The fragment the model card loads with htmx (``?model=<slug>``); a page of its own without JavaScript."""
    model, _ = model_by_name(request.GET.get("model", "").strip())
    if model is None:
        raise Http404("No model has that name.")
    stages = {stage.slug: stage for stage in ReviewStage.objects.all()}
    answers = [_answer(request.user, team, model, stages) for team in member_teams_of(request.user)]
    template = "governance/_can_use.html" if request.htmx else "governance/can_use.html"
    return render(request, template, {"model": model, "answers": answers})

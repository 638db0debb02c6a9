"""``POST /api/v1/decisions/``: may this team use this model now? The gateway's hot path.

Lean on purpose (DESIGN-NOTES, "The decision endpoint"): the token comes from the per-process token cache, the
answer from the decision cache, so a repeated question costs no query at all; the body is checked by hand (a DRF
serializer per call costs more than a cached decision); nothing else is read.

Who may ask about which team:
- a team token (a team's service account) asks about its own team; the team may be omitted; another team is 403;
- a gateway token (scope ``decisions``, no team; governance admins issue them) asks about any team;
- a person's session asks about teams they belong to (any team for governance admins and auditors).

Fail closed: whatever goes wrong while deciding becomes ``allow: false`` with the reason "internal error"; what goes
wrong after (rendering) is a 500. Never an allow by accident.
"""

from __future__ import annotations

import json
import logging
import time

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from governance import permissions
from governance.api.permissions import DECISIONS, TokenHasAnyScope, api_token, is_gateway_token
from governance.api.serializers.decisions import (
    MAX_BATCH,
    DecisionBatchInput,
    DecisionBatchSerializer,
    DecisionQuestionSerializer,
    DecisionSerializer,
)
from governance.choices import DataClassification
from governance.decisions import Decision, decide
from governance.decisions.decision import INTERNAL_ERROR, deny
from governance.models import Team

logger = logging.getLogger(__name__)

OPTIONAL_FIELDS = ("team", "use_case", "data_classification", "region")
FIELDS = frozenset(("model", *OPTIONAL_FIELDS))
MAX_LENGTH = 300
DATA_CLASSES = frozenset(DataClassification.values)


def question_errors(item) -> dict:
    """Per-field errors of one question (empty when it is valid)."""
    if not isinstance(item, dict):
        return {"non_field_errors": ["Expected a JSON object."]}
    errors = {name: ["Unknown field."] for name in item.keys() - FIELDS}
    model = item.get("model")
    if not isinstance(model, str) or not model.strip():
        errors["model"] = ["The model's slug or alias is required."]
    for name in ("model", *OPTIONAL_FIELDS):
        value = item.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > MAX_LENGTH):
            errors[name] = [f"A string of at most {MAX_LENGTH} characters."]
    data_class = item.get("data_classification")
    if isinstance(data_class, str) and data_class.strip() and data_class.strip().lower() not in DATA_CLASSES:
        errors["data_classification"] = [f"One of {', '.join(DataClassification.values)}."]
    return errors


class TeamResolver:
    """Which team a question may be about, for this caller. One per HTTP request (a batch asks many)."""

    def __init__(self, request):
        self.request = request
        self.token = api_token(request)
        self._session_teams: set[str] | None = None

    def team_for(self, asked: str | None) -> Team | str:
        asked = (asked or "").strip()
        if self.token is not None and self.token.team_id is not None:
            own = self.token.team
            if asked and asked.lower() != own.slug.lower():
                raise exceptions.PermissionDenied(f"This token acts for team {own.slug}; it cannot ask about another.")
            return own
        if not asked:
            raise exceptions.ValidationError({"team": ["Name the team (only a team token implies its own)."]})
        if is_gateway_token(self.request) or self._may_ask_about(asked):
            return asked
        # The same answer whether the team exists or not: a question is not a way to list teams.
        raise exceptions.PermissionDenied(f"You may not ask decisions for team '{asked}'.")

    def _may_ask_about(self, slug: str) -> bool:
        user = self.request.user
        if permissions.sees_everything(user):
            return True
        if self._session_teams is None:
            team_ids = permissions.team_ids_of(user)
            self._session_teams = {
                s.lower() for s in Team.objects.filter(pk__in=team_ids).values_list("slug", flat=True)
            }
        return slug.lower() in self._session_teams


def decide_safely(team, item: dict) -> Decision:
    try:
        return decide(
            team=team,
            model=item["model"],
            use_case=item.get("use_case"),
            data_classification=item.get("data_classification"),
            region=item.get("region"),
        )
    except Exception:
        # decide() already fails closed; this guards what surrounds it (argument handling, a future refactor).
        logger.exception("decision raised; answering deny")
        return deny(INTERNAL_ERROR)


def answer(decision: Decision) -> dict:
    body = decision.as_json()
    return {
        "allow": decision.allowed is True,
        "decision": body["decision"],
        "reasons": body["reasons"],
        "obligations": body["obligations"],
        "entitlement": body["entitlement_id"],
        "expires_at": body["expires_at"],
        "policy_version": body["policy_version"],
        "team": body["team"],
        "model": body["model"],
        "warnings": body["warnings"],
    }


def answer_body(decision: Decision) -> bytes:
    """The answer's JSON, encoded once per decision: a cached decision is the same object on every hit."""
    body = decision.rendered.get("api")
    if body is None:
        body = decision.rendered["api"] = RENDERER.render(answer(decision))
    return body


def json_response(body: bytes, started: float) -> HttpResponse:
    """A plain response (DRF's Response and its renderer cost more than a cached decision); DRF still adds its
    headers (Allow, Vary) in finalize_response."""
    response = HttpResponse(body, content_type=RENDERER.media_type)
    response["Server-Timing"] = f"decide;dur={(time.perf_counter() - started) * 1000:.3f}"
    return response


class DecisionBaseView(APIView):
    permission_classes = [TokenHasAnyScope]
    required_scopes = {"POST": DECISIONS}
    parser_classes = [JSONParser]  # documents the body; ``question_body`` parses it
    renderer_classes = [JSONRenderer]
    throttle_classes = []

    def perform_content_negotiation(self, request, force=False):
        # JSON whatever the Accept header says: a gateway wants nothing else, and negotiating costs more than a
        # cached decision.
        return RENDERER, RENDERER.media_type


RENDERER = JSONRenderer()


def question_body(request):
    """The JSON body, parsed directly: DRF's parser machinery costs more than a cached decision."""
    if not (request.content_type or "").startswith("application/json"):
        raise exceptions.UnsupportedMediaType(request.content_type)
    try:
        return json.loads(request.body)
    except ValueError as exc:
        raise exceptions.ParseError(f"The body is not valid JSON: {exc}") from exc


@extend_schema(tags=["decisions"], request=DecisionQuestionSerializer, responses={200: DecisionSerializer})
class DecisionView(DecisionBaseView):
    """May the team use the model now, for this use case, data and region? ``allow`` is true only when a live
    entitlement admits the question, the model is not retired and the active policy does not deny. Anything that
    goes wrong answers deny ("internal error"). A revoke turns the answer to deny within a second. The
    ``Server-Timing: decide;dur=<ms>`` header reports the time spent deciding."""

    def post(self, request):
        item = question_body(request)
        errors = question_errors(item)
        if errors:
            raise exceptions.ValidationError(errors)
        team = TeamResolver(request).team_for(item.get("team"))
        started = time.perf_counter()
        return json_response(answer_body(decide_safely(team, item)), started)


@extend_schema(tags=["decisions"], request=DecisionBatchInput, responses={200: DecisionBatchSerializer})
class DecisionBatchView(DecisionBaseView):
    """Up to 100 questions in one call, answered in order. The whole batch is refused (400, 403) if any item is
    invalid or about a team the caller may not ask about, naming the items."""

    def post(self, request):
        body = question_body(request)
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_BATCH or body.keys() != {"items"}:
            raise exceptions.ValidationError({"items": [f"A list of 1 to {MAX_BATCH} questions, and nothing else."]})
        errors = {str(i): e for i, item in enumerate(items) if (e := question_errors(item))}
        if errors:
            raise exceptions.ValidationError({"items": errors})
        resolver = TeamResolver(request)
        teams = []
        for index, item in enumerate(items):
            try:
                teams.append(resolver.team_for(item.get("team")))
            except exceptions.ValidationError as exc:
                raise exceptions.ValidationError({"items": {str(index): exc.detail}}) from exc
            except exceptions.PermissionDenied as exc:
                raise exceptions.PermissionDenied(f"Item {index}: {exc.detail}") from exc
        started = time.perf_counter()
        results = [answer(decide_safely(team, item)) for team, item in zip(teams, items, strict=True)]
        return json_response(RENDERER.render({"results": results}), started)

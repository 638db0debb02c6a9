"""What every governance API view shares: deny-by-default permissions, input validation, resolving the names a
client sends (team and use case slugs, model aliases, offering ids) and the ETag / If-Match protocol."""

from __future__ import annotations

import re

from django.http import Http404
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from catalog.listing import model_by_name
from catalog.models import AIModel, Offering
from governance.api.permissions import TokenHasAnyScope
from governance.models import ApprovalRequest, Team, UseCase
from governance.selectors.scoping import teams_visible_to
from governance.services._common import PreconditionFailed


class GovernanceView:
    """Mixin of every governance API view. Subclasses set ``required_scopes`` for each method they serve."""

    permission_classes = [TokenHasAnyScope]
    required_scopes: dict = {}


def validated(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def field_error(field: str, message: str) -> serializers.ValidationError:
    return serializers.ValidationError({field: [message]})


def visible_team(user, slug: str, field: str = "team") -> Team:
    """The team named in a request body, if the caller can see it. An invisible team reads exactly like a missing
    one, so a body cannot be used to probe which teams exist."""
    team = teams_visible_to(user).filter(slug=slug).first()
    if team is None:
        raise field_error(field, f"No team '{slug}' that you belong to or can see.")
    return team


def catalog_model(name: str, field: str = "model") -> AIModel:
    model, _is_alias = model_by_name(name.strip())
    if model is None:
        raise field_error(field, f"No model is called '{name}' (slug or alias).")
    return model


def team_use_case(team: Team, slug: str, field: str = "use_case") -> UseCase:
    use_case = UseCase.objects.filter(team=team, slug=slug).first()
    if use_case is None:
        raise field_error(field, f"Team {team.slug} has no use case '{slug}'.")
    return use_case


def model_offering(model: AIModel, external_id: str, field: str = "offering") -> Offering:
    offerings = list(Offering.objects.filter(model=model, external_id=external_id)[:2])
    if not offerings:
        raise field_error(field, f"No offering '{external_id}' sells {model.slug}.")
    if len(offerings) > 1:
        raise field_error(field, f"Several sources list an offering '{external_id}' of {model.slug}; ask an admin.")
    return offerings[0]


# --- ETag / If-Match -------------------------------------------------------------------------------------------

ENTITY_TAG = re.compile(r'^(?:W/)?"?(?P<value>[^"]*)"?$')


def etag(request: ApprovalRequest) -> str:
    """A strong validator of the request's state: its version, bumped by every change."""
    return f'"{request.version}"'


def expected_version(http_request) -> int | None:
    """The version the client last saw, from If-Match; None without the header (or with ``*``).

    A value that is no version of ours can never match: 412 at once, as for a stale one."""
    header = http_request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    tags = [part.strip() for part in header.split(",") if part.strip()]
    match = ENTITY_TAG.match(tags[0]) if len(tags) == 1 else None
    if match is None or not match["value"].isdigit():
        raise PreconditionFailed(
            f"If-Match {header!r} is not an ETag this API issued; send the ETag of your last GET.",
            details={"if_match": header},
        )
    return int(match["value"])


class JSONErrorsMixin:
    """Views that also render CSV or YAML (chosen by ``?format=``): errors always come back as the JSON error
    shape, and an unknown format is a 400 from the view's parameter check, not DRF's bare 404."""

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:
            return JSONRenderer(), JSONRenderer.media_type

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response

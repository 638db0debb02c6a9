"""The model the state machine test (test_request_state_machine.py) checks the services against: who may do
what (the roles of the world's people), the legal transition table, what one request is in the model, and the world
every sequence starts from."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from governance.choices import RiskTier, TeamRole
from governance.policy import policy_active
from governance.services.requests import request_create
from tests.factories.catalog import AIModelFactory, LicenseFactory, OfferingFactory
from tests.factories.governance import (
    OrgRoleFactory,
    TeamFactory,
    UseCaseFactory,
    governance_admin,
    member,
    reviewer,
    stage,
)

# --- the model ---------------------------------------------------------------------------------------------------

# Request states each transition may start from.
LEGAL = {
    "submit": {"draft", "changes_requested"},
    "withdraw": {"draft", "submitted", "in_review", "changes_requested"},
    "approve": {"in_review"},
    "reject": {"in_review"},
    "request_changes": {"in_review"},
    "revoke": {"approved"},
    "expire": {"approved"},
}
# Use case risk tier -> the review stages the default policy asks for; none: it approves at once.
STAGES_FOR = {RiskTier.MINIMAL: (), RiskTier.LIMITED: ("security",), RiskTier.HIGH: ("security", "legal")}

REQUESTERS = ("rob", "rex")  # rex is also a security reviewer
ACTORS = ("rob", "rex", "tess", "olga", "rita", "leo", "gina")
REVIEWS_OF = {"rita": {"security"}, "rex": {"security"}, "leo": {"legal"}}
TEAM_ADMINS = {"tess"}
GOVERNANCE_ADMINS = {"gina"}
DECISIONS = {
    "approve": ("approved", ("stage_review.approve",)),
    "reject": ("rejected", ("stage_review.reject", "approval_request.reject")),
    "request_changes": ("changes_requested", ("stage_review.request_changes", "approval_request.request_changes")),
}
APPROVAL_EVENTS = ("entitlement.grant", "approval_request.approve")


@dataclass
class Modelled:
    """What the model knows of one request."""

    pk: int
    requester: str
    risk_tier: str
    scope: str
    status: str = "draft"
    round: int = 0
    reviews: dict[tuple[int, str], str] = field(default_factory=dict)  # (round, stage) -> decision
    entitlement: str | None = None  # its status, once approved

    def pending(self) -> list[tuple[int, str]]:
        return [key for key, decision in self.reviews.items() if decision == "pending"]


def may_edit(actor: str, request: Modelled) -> bool:
    return actor == request.requester or actor in TEAM_ADMINS


class Refused(Exception):
    """The model's verdict: this attempt must fail with ``kind`` (PermissionDeniedError or ConflictError)."""

    def __init__(self, kind):
        self.kind = kind


# --- the world every sequence starts from -----------------------------------------------------------------------


@dataclass
class World:
    users: dict
    team: object
    use_cases: dict
    models: dict
    drafts: dict[int, Modelled]  # every draft a sequence may bring into play, as the model first knows it


def build_world() -> World:
    policy_active()
    team = TeamFactory(slug="alpha", name="Alpha")
    users = {
        "rob": member(team, username="rob"),
        "rex": member(team, username="rex"),
        "tess": member(team, username="tess", role=TeamRole.ADMIN),
        "olga": member(TeamFactory(slug="bravo"), username="olga"),
        "rita": reviewer("security", username="rita"),
        "leo": reviewer("legal", username="leo"),
        "gina": governance_admin(username="gina"),
    }
    OrgRoleFactory(user=users["rex"], stage=stage("security"))
    licence = LicenseFactory(category="permissive")
    models = {}
    for scope in ("chat", "embed"):
        models[scope] = AIModelFactory(slug=f"acme/{scope}", license=licence)
        OfferingFactory(model=models[scope], external_id=f"acme/{scope}", regions=["eu"])
    use_cases = {tier: UseCaseFactory(team=team, slug=f"uc-{tier}", risk_tier=tier) for tier in STAGES_FOR}
    # Drafts are written once, outside the sequences: creating one costs as much as a step, and a draft is where
    # every sequence starts anyway. Two of each kind, so two requests can compete for the same scope.
    drafts = {}
    for requester, tier, scope, _copy in itertools.product(REQUESTERS, STAGES_FOR, models, range(2)):
        request = request_create(
            actor=users[requester],
            team=team,
            model=models[scope],
            use_case=use_cases[tier],
            data_classification="internal",
            justification="Summarise tickets.",
        )
        drafts[request.pk] = Modelled(pk=request.pk, requester=requester, risk_tier=tier, scope=scope)
    return World(users=users, team=team, use_cases=use_cases, models=models, drafts=drafts)

"""The world the security tests attack: two teams with one of everything each, people in every role, API tokens.

Team A (``alpha-team``) is "own", team B (``bravo-team``) is "foreign". Every object that belongs to a team carries a
*marker*: a string that appears in its serialized form and nowhere else (a slug, a justification, a webhook URL,
a comment, a note, a username, an Azure deployment name). ``MARKERS`` says which callers may ever read each one;
a response to any other caller that contains it has leaked a foreign object.

Callers (``CALLERS``):

    anonymous   no credentials
    member      alpha-rob, member of A (requester of A's requests)
    other       bravo-olga, member of B only
    reviewer    rita, security reviewer, in no team
    auditor     audrey, reads everything
    admin       gina, governance admin, in no team
    gateway     gina's personal token with scope ``decisions`` only (an LLM gateway)
    token_a     A's service-account token (catalog:read, requests:write, decisions)
    token_b     B's service-account token (the same scopes)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rest_framework.test import APIClient

from catalog.choices import Channel, LicenseCategory
from catalog.models import AIModel
from governance.choices import RiskTier, TeamRole
from governance.models import ApiToken, ApprovalRequest, Entitlement, RequestComment, UseCase, WebhookSubscription
from governance.policy import policy_active
from governance.services.entitlements import entitlement_mark_needs_review
from governance.services.requests import request_comment_add, request_create, request_submit
from governance.services.reviews import review_approve
from governance.services.tokens import api_token_create
from tests.factories.catalog import (
    AIModelFactory,
    BenchmarkFactory,
    ChangeEventFactory,
    LicenseFactory,
    ModelAliasFactory,
    OfferingFactory,
    OrganizationFactory,
    SyncRunFactory,
)
from tests.factories.governance import (
    EntitlementFactory,
    TeamFactory,
    UseCaseFactory,
    WebhookSubscriptionFactory,
    auditor,
    governance_admin,
    member,
    reviewer,
)

CALLERS = ("anonymous", "member", "other", "reviewer", "auditor", "admin", "gateway", "token_a", "token_b")
SESSION_CALLERS = {
    "member": "alpha-rob",
    "other": "bravo-olga",
    "reviewer": "rita",
    "auditor": "audrey",
    "admin": "gina",
}

EVERYONE_WHO_READS_ALL = frozenset({"auditor", "admin"})
A_SIDE = frozenset({"member", "token_a"}) | EVERYONE_WHO_READS_ALL
B_SIDE = frozenset({"other", "token_b"}) | EVERYONE_WHO_READS_ALL


@dataclass(frozen=True)
class Marker:
    """A string only some callers may ever read. ``catalog_public``: it is also a catalog fact (a model or offering
    name every authenticated caller may read in the catalog), so it is checked outside the catalog routes only."""

    text: str
    visible_to: frozenset[str]
    catalog_public: bool = False


MARKERS = (
    # Team slugs. The gateway configures every team (exports); the reviewer reviews a request of A, not of B.
    Marker("alpha-team", A_SIDE | {"reviewer", "gateway"}),
    Marker("bravo-team", B_SIDE | {"gateway"}),
    # Use cases: the reviewer reads the use case of the request she reviews, not A's unused one.
    Marker("alpha-usecase", A_SIDE | {"reviewer"}),
    Marker("alpha-spare", A_SIDE),
    Marker("bravo-usecase", B_SIDE),
    # Requests (their justifications): in review and approved ones have a security review, the drafts none.
    Marker("alpha-review-secret", A_SIDE | {"reviewer"}),
    Marker("alpha-approved-secret", A_SIDE | {"reviewer"}),
    Marker("alpha-stale-secret", A_SIDE | {"reviewer"}),
    Marker("alpha-draft-secret", A_SIDE),
    Marker("bravo-draft-secret", B_SIDE),
    # Comments.
    Marker("alpha-comment-secret", A_SIDE | {"reviewer"}),
    Marker("bravo-comment-secret", B_SIDE),
    # Webhooks: a team's members see its subscriptions; organisation-wide ones only governance admins and auditors.
    Marker("alpha-hook-secret", A_SIDE),
    Marker("bravo-hook-secret", B_SIDE),
    Marker("org-hook-secret", EVERYONE_WHO_READS_ALL),
    # Entitlement notes.
    Marker("bravo-entitlement-secret", B_SIDE),
    # Token names: their issuers and governance admins list them; auditors read their issue in the audit trail.
    Marker("alpha-token-secret", EVERYONE_WHO_READS_ALL),
    Marker("bravo-token-secret", EVERYONE_WHO_READS_ALL),
    Marker("gateway-token-secret", EVERYONE_WHO_READS_ALL),
    # People: team members see each other; the reviewer sees who asked for what she reviews.
    Marker("alpha-rob", A_SIDE | {"reviewer"}),
    Marker("alpha-tess", A_SIDE),
    Marker("bravo-olga", B_SIDE),
    Marker("bravo-bea", B_SIDE),
    # Azure deployment names of each team's entitled models: catalog facts, but which team may use them is not.
    Marker("alpha-deploy-zq", A_SIDE | {"gateway"}, catalog_public=True),
    Marker("bravo-deploy-zq", B_SIDE | {"gateway"}, catalog_public=True),
)


@dataclass
class World:
    """Every object the route table builds URLs and bodies from."""

    models: dict[str, AIModel]
    teams: dict[str, object]
    users: dict[str, object]
    use_case_a: UseCase
    spare_use_case_a: UseCase
    use_case_b: UseCase
    in_review_a: ApprovalRequest
    draft_a: ApprovalRequest
    approved_a: ApprovalRequest
    stale_a: ApprovalRequest
    draft_b: ApprovalRequest
    entitlement_a: Entitlement
    stale_entitlement_a: Entitlement
    entitlement_b: Entitlement
    comment_a: RequestComment
    comment_b: RequestComment
    webhook_a: WebhookSubscription
    webhook_b: WebhookSubscription
    webhook_org: WebhookSubscription
    tokens: dict[str, str]  # caller -> full token string
    token_rows: dict[str, ApiToken]
    sync_run: object
    benchmark: object
    clients: dict[str, APIClient] = field(default_factory=dict)

    def log_in_everyone(self) -> None:
        """One client per caller, kept for the module: a new test client loads the middleware again, and
        WhiteNoise then indexes every static file (a fifth of a second per client)."""
        self.clients = {caller: self.new_client(caller) for caller in CALLERS}

    def client(self, caller: str) -> APIClient:
        return self.clients.get(caller) or self.new_client(caller)

    def new_client(self, caller: str) -> APIClient:
        client = APIClient()
        if caller in self.tokens:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {self.tokens[caller]}")
        elif caller in SESSION_CALLERS:
            client.force_login(self.users[SESSION_CALLERS[caller]])
        elif caller != "anonymous":
            raise KeyError(caller)
        return client

    def objects_of(self, kind: str) -> dict[int, str]:
        """id -> marker of every object of ``kind`` in the world, so a list can be checked id by id."""
        pairs = {
            "request": [
                (self.in_review_a, "alpha-review-secret"),
                (self.approved_a, "alpha-approved-secret"),
                (self.stale_a, "alpha-stale-secret"),
                (self.draft_a, "alpha-draft-secret"),
                (self.draft_b, "bravo-draft-secret"),
            ],
            "entitlement": [
                (self.entitlement_a, "alpha-approved-secret"),
                (self.stale_entitlement_a, "alpha-stale-secret"),
                (self.entitlement_b, "bravo-entitlement-secret"),
            ],
            "use_case": [
                (self.use_case_a, "alpha-usecase"),
                (self.spare_use_case_a, "alpha-spare"),
                (self.use_case_b, "bravo-usecase"),
            ],
            "webhook": [
                (self.webhook_a, "alpha-hook-secret"),
                (self.webhook_b, "bravo-hook-secret"),
                (self.webhook_org, "org-hook-secret"),
            ],
            "comment": [(self.comment_a, "alpha-comment-secret"), (self.comment_b, "bravo-comment-secret")],
            "token": [
                (self.token_rows["token_a"], "alpha-token-secret"),
                (self.token_rows["token_b"], "bravo-token-secret"),
                (self.token_rows["gateway"], "gateway-token-secret"),
            ],
        }[kind]
        return {obj.pk: marker for obj, marker in pairs}


def _catalog_model(slug: str, azure_name: str | None = None) -> AIModel:
    """A GA model under a permissive licence, sold by its vendor (and on Azure when ``azure_name`` is given)."""
    publisher = OrganizationFactory(slug="acme")
    model = AIModelFactory(slug=slug, publisher=publisher, license=LicenseFactory(category=LicenseCategory.PERMISSIVE))
    OfferingFactory(model=model, provider=publisher, external_id=slug, regions=["eu", "us"])
    if azure_name:
        OfferingFactory(model=model, provider=publisher, channel=Channel.AZURE, external_id=f"azure/{azure_name}")
    ModelAliasFactory(model=model, name=slug.split("/")[1])
    return model


def _draft(requester, team, model, use_case, justification: str) -> ApprovalRequest:
    return request_create(
        actor=requester,
        team=team,
        model=model,
        use_case=use_case,
        data_classification="internal",
        justification=justification,
    )


def _approved(requester, team, model, use_case, justification: str, approver) -> ApprovalRequest:
    request = request_submit(request=_draft(requester, team, model, use_case, justification), actor=requester)
    review_approve(review=request.reviews.get(), actor=approver, comment="Fine.")
    request.refresh_from_db()
    return request


def build_world() -> World:
    policy_active()  # version 1: the shipped default rules (limited risk -> one security review)
    models = {
        "chat": _catalog_model("acme/chat-1"),
        "embed": _catalog_model("acme/embed-2"),
        "vision": _catalog_model("acme/vision-3", azure_name="alpha-deploy-zq"),
        "audio": _catalog_model("acme/audio-4"),
        "bravo": _catalog_model("acme/bravo-5", azure_name="bravo-deploy-zq"),
    }
    team_a = TeamFactory(slug="alpha-team", name="Team A")
    team_b = TeamFactory(slug="bravo-team", name="Team B")
    rob = member(team_a, username="alpha-rob")
    tess = member(team_a, username="alpha-tess", role=TeamRole.ADMIN)
    olga = member(team_b, username="bravo-olga")
    bea = member(team_b, username="bravo-bea", role=TeamRole.ADMIN)
    rita = reviewer("security", username="rita")
    audrey = auditor(username="audrey")
    gina = governance_admin(username="gina")

    use_case_a = UseCaseFactory(team=team_a, slug="alpha-usecase", risk_tier=RiskTier.LIMITED)
    spare_use_case_a = UseCaseFactory(team=team_a, slug="alpha-spare", risk_tier=RiskTier.MINIMAL)
    use_case_b = UseCaseFactory(team=team_b, slug="bravo-usecase", risk_tier=RiskTier.LIMITED)

    in_review_a = request_submit(
        request=_draft(rob, team_a, models["chat"], use_case_a, "alpha-review-secret"), actor=rob
    )
    draft_a = _draft(rob, team_a, models["embed"], use_case_a, "alpha-draft-secret")
    approved_a = _approved(rob, team_a, models["vision"], use_case_a, "alpha-approved-secret", rita)
    stale_a = _approved(rob, team_a, models["audio"], use_case_a, "alpha-stale-secret", rita)
    stale_entitlement_a = entitlement_mark_needs_review(
        entitlement=stale_a.entitlements.get(), reason="The price doubled.", actor_label="test"
    )
    draft_b = _draft(olga, team_b, models["chat"], use_case_b, "bravo-draft-secret")
    entitlement_b = EntitlementFactory(
        team=team_b, model=models["bravo"], use_case=use_case_b, notes="bravo-entitlement-secret"
    )
    comment_a = request_comment_add(request=in_review_a, actor=rob, body="alpha-comment-secret")
    comment_b = request_comment_add(request=draft_b, actor=olga, body="bravo-comment-secret")

    gateway_row, gateway = api_token_create(actor=gina, name="gateway-token-secret", scopes=["decisions"])
    team_scopes = ["catalog:read", "requests:write", "decisions"]
    row_a, token_a = api_token_create(actor=tess, name="alpha-token-secret", scopes=team_scopes, team=team_a)
    row_b, token_b = api_token_create(actor=bea, name="bravo-token-secret", scopes=team_scopes, team=team_b)

    run = SyncRunFactory()
    ChangeEventFactory(run=run, source=run.source, model=models["chat"])
    return World(
        models=models,
        teams={"a": team_a, "b": team_b},
        users={u.username: u for u in (rob, tess, olga, bea, rita, audrey, gina)},
        use_case_a=use_case_a,
        spare_use_case_a=spare_use_case_a,
        use_case_b=use_case_b,
        in_review_a=in_review_a,
        draft_a=draft_a,
        approved_a=approved_a,
        stale_a=stale_a,
        draft_b=draft_b,
        entitlement_a=approved_a.entitlements.get(),
        stale_entitlement_a=stale_entitlement_a,
        entitlement_b=entitlement_b,
        comment_a=comment_a,
        comment_b=comment_b,
        webhook_a=WebhookSubscriptionFactory(team=team_a, url="https://hooks.example.com/alpha-hook-secret"),
        webhook_b=WebhookSubscriptionFactory(team=team_b, url="https://hooks.example.com/bravo-hook-secret"),
        webhook_org=WebhookSubscriptionFactory(team=None, url="https://hooks.example.com/org-hook-secret"),
        tokens={"gateway": gateway, "token_a": token_a, "token_b": token_b},
        token_rows={"gateway": gateway_row, "token_a": row_a, "token_b": row_b},
        sync_run=run,
        benchmark=BenchmarkFactory(slug="mmlu-pro"),
    )

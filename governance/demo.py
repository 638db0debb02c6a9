"""The demo organisation that `make run` creates on first start, so a new user sees the workflow at once.

Idempotent: every object is looked up by its natural key first (usernames, team and use-case slugs, one request
per team, model, use case and requester), so a second start changes nothing. Changes go through the services,
so the demo's audit trail, outbox and packets are real. The passwords are public on purpose (printed by
`make run`, listed in README.md); the demo is created only by `python manage.py bootstrap --demo`, never in
production.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from catalog.models import AIModel
from core.exceptions import ApplicationError
from governance.choices import OrgRoleKind, RequestStatus, StageDecision, TeamRole
from governance.models import ApprovalRequest, OrgRole, ReviewStage, Team, TeamMembership, UseCase


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    is_superuser: bool = False


DEMO_LOGINS = (
    DemoLogin("admin", "modelgate-admin", "administrator (Django admin, governance admin)", is_superuser=True),
    DemoLogin("rita.reviewer", "modelgate-reviewer", "security reviewer"),
    DemoLogin("rob.requester", "modelgate-requester", "requester in team Search Platform"),
)
# The rest of the organisation: one login for every other role.
DEMO_ORG_LOGINS = (
    DemoLogin("lena.legal", "modelgate-legal", "legal and privacy reviewer"),
    DemoLogin("paul.procurement", "modelgate-procurement", "procurement reviewer"),
    DemoLogin("ada.auditor", "modelgate-auditor", "auditor (reads everything)"),
    DemoLogin("tina.teamadmin", "modelgate-teamadmin", "team admin of Search Platform"),
    DemoLogin("fred.fraud", "modelgate-fraud", "requester in team Fraud Detection (regulated)"),
)

TEAMS = (
    # slug, name, business unit, regulated, allowed data classes, allowed regions
    ("search-platform", "Search Platform", "Product", False, ["public", "internal", "confidential"], []),
    ("fraud-detection", "Fraud Detection", "Risk", True, ["public", "internal", "confidential", "restricted"], ["eu"]),
)
MEMBERSHIPS = (
    ("search-platform", "rob.requester", TeamRole.MEMBER),
    ("search-platform", "tina.teamadmin", TeamRole.ADMIN),
    ("fraud-detection", "fred.fraud", TeamRole.ADMIN),
)
ORG_ROLES = (
    ("rita.reviewer", OrgRoleKind.REVIEWER, "security"),
    ("lena.legal", OrgRoleKind.REVIEWER, "legal"),
    ("paul.procurement", OrgRoleKind.REVIEWER, "procurement"),
    ("ada.auditor", OrgRoleKind.AUDITOR, None),
    ("admin", OrgRoleKind.GOVERNANCE_ADMIN, None),
)
USE_CASES = (
    # team, slug, name, data class, risk tier, user facing
    ("search-platform", "docs-search", "Search over public documentation", "public", "minimal", True),
    ("search-platform", "support-summaries", "Summaries of support tickets", "internal", "limited", False),
    ("fraud-detection", "transaction-triage", "Triage of flagged card transactions", "confidential", "high", False),
)


@dataclass(frozen=True)
class DemoRequest:
    team: str
    requester: str
    use_case: str
    models: tuple[str, ...]  # slugs in order of preference: the first one the catalog holds is used
    data_classification: str
    outcome: str  # draft | submit (policy decides) | approve (every stage approves) | changes (sent back)


REQUESTS = (
    DemoRequest("search-platform", "rob.requester", "docs-search", ("openai/gpt-4.1", "openai/gpt-4o"), "public",
                "approve"),
    DemoRequest("search-platform", "rob.requester", "support-summaries", ("openai/gpt-4o-mini", "openai/gpt-4.1-mini"),
                "internal", "submit"),
    DemoRequest("search-platform", "rob.requester", "support-summaries", ("deepseek/deepseek-r1",), "internal",
                "changes"),
    DemoRequest("search-platform", "rob.requester", "docs-search", ("mistral/mistral-large", "mistral/mistral-small"),
                "public", "draft"),
    DemoRequest("fraud-detection", "fred.fraud", "transaction-triage", ("google/gemini-2.5-pro",
                "meta/llama-4-maverick"), "confidential", "submit"),
)  # fmt: skip
STAGE_REVIEWERS = {"security": "rita.reviewer", "legal": "lena.legal", "procurement": "paul.procurement"}


@transaction.atomic
def demo_users_ensure(logins=DEMO_LOGINS) -> list[DemoLogin]:
    """Create the demo users that do not exist yet; never reset a password someone changed."""
    User = get_user_model()
    for login in logins:
        user, created = User.objects.get_or_create(
            username=login.username,
            defaults={
                "is_staff": login.is_superuser,
                "is_superuser": login.is_superuser,
                "email": f"{login.username}@example.com",
            },
        )
        if created:
            user.set_password(login.password)
            user.save(update_fields=["password"])
    return list(logins)


def _users() -> dict:
    names = [login.username for login in DEMO_LOGINS + DEMO_ORG_LOGINS]
    return {user.username: user for user in get_user_model().objects.filter(username__in=names)}


@transaction.atomic
def demo_structure_ensure() -> None:
    """Teams, memberships, reviewer/auditor/admin roles and use cases (rows keyed by their natural keys).

    Written directly rather than through the services: they are the starting world, as a data migration would
    write it, and the services' permission checks need an admin that this very step creates."""
    users = _users()
    for slug, name, unit, regulated, classes, regions in TEAMS:
        Team.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "business_unit": unit, "regulated": regulated,
                      "allowed_data_classifications": classes, "allowed_regions": regions},
        )  # fmt: skip
    teams = {team.slug: team for team in Team.objects.filter(slug__in=[t[0] for t in TEAMS])}
    for team, username, role in MEMBERSHIPS:
        TeamMembership.objects.get_or_create(team=teams[team], user=users[username], defaults={"role": role})
    for username, role, stage_slug in ORG_ROLES:
        stage = ReviewStage.objects.filter(slug=stage_slug).first() if stage_slug else None
        if stage_slug and stage is None:
            continue  # someone deleted the stage; the rest of the demo still works
        OrgRole.objects.get_or_create(user=users[username], role=role, stage=stage)
    for team, slug, name, data_class, risk, user_facing in USE_CASES:
        UseCase.objects.get_or_create(
            team=teams[team],
            slug=slug,
            defaults={"name": name, "data_classification": data_class, "risk_tier": risk, "user_facing": user_facing},
        )


def _pick_model(slugs: tuple[str, ...]) -> AIModel | None:
    by_slug = {model.slug: model for model in AIModel.objects.filter(slug__in=slugs)}
    return next((by_slug[slug] for slug in slugs if slug in by_slug), None)


def _review_all(request: ApprovalRequest, users: dict, *, changes: bool = False) -> None:
    from governance.services.reviews import review_approve, review_request_changes

    for review in request.reviews.filter(round=request.round, decision=StageDecision.PENDING).select_related("stage"):
        reviewer = users.get(STAGE_REVIEWERS.get(review.stage.slug, ""))
        if reviewer is None:
            continue
        if changes:
            review_request_changes(
                review=review, actor=reviewer, comment="Please say which regions and retention settings you need."
            )
            return
        review_approve(review=review, actor=reviewer, comment="Approved for the demo.", monthly_budget_usd="2000")


def _demo_request(spec: DemoRequest, users: dict, log: Callable[[str], None]) -> None:
    from governance.services.requests import request_create, request_submit

    model = _pick_model(spec.models)
    if model is None:
        log(f"  demo: none of {', '.join(spec.models)} is in the catalog; skipped that request")
        return
    team, requester = Team.objects.get(slug=spec.team), users[spec.requester]
    use_case = UseCase.objects.get(team=team, slug=spec.use_case)
    if ApprovalRequest.objects.filter(team=team, model=model, use_case=use_case, requested_by=requester).exists():
        return
    request = request_create(
        actor=requester, team=team, model=model, use_case=use_case, data_classification=spec.data_classification,
        justification=f"Demo: {use_case.name.lower()} with {model.display_name}.",
    )  # fmt: skip
    if spec.outcome == "draft":
        return
    request = request_submit(request=request, actor=requester)
    if request.status == RequestStatus.IN_REVIEW and spec.outcome in ("approve", "changes"):
        _review_all(request, users, changes=spec.outcome == "changes")


def demo_organisation_ensure(*, log: Callable[[str], None] | None = None) -> list[DemoLogin]:
    """Users for every role, two teams (one regulated), use cases, and requests in several states (one approved
    into an entitlement) on real catalog models when they are loaded. Returns the logins to print."""
    log = log or (lambda message: None)
    logins = demo_users_ensure(DEMO_LOGINS + DEMO_ORG_LOGINS)
    demo_structure_ensure()
    users = _users()
    for spec in REQUESTS:
        try:
            _demo_request(spec, users, log)
        except ApplicationError as exc:
            # The policy or the catalog changed in a way the demo did not foresee: say so, keep the rest.
            log(f"  demo: request for {spec.models[0]} not completed: {exc.message}")
    return logins

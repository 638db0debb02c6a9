"""Factories for governance objects. They build rows directly (no services, no audit events): use them for the
world a test starts from, and call the services for the change under test."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from governance.choices import (
    DataClassification,
    EntitlementStatus,
    OrgRoleKind,
    RequestStatus,
    RiskTier,
    TeamRole,
)
from governance.models import (
    ApprovalRequest,
    Entitlement,
    OrgRole,
    ReviewStage,
    Team,
    TeamMembership,
    UseCase,
    WebhookSubscription,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password("pw")


# As governance/migrations/0002 seeds them: (name, SLA days, position).
SEEDED_STAGES = {
    "security": ("Security", 5, 10),
    "legal": ("Legal and privacy", 10, 20),
    "procurement": ("Procurement", 10, 30),
}


def stage(slug: str) -> ReviewStage:
    """A review stage; the seeded ones come back as the migration wrote them if a transactional test flushed them."""
    name, sla_days, position = SEEDED_STAGES.get(slug, (slug.title(), 5, 100))
    defaults = {"name": name, "sla_days": sla_days, "position": position}
    return ReviewStage.objects.get_or_create(slug=slug, defaults=defaults)[0]


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"team-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())


class TeamMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMembership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)
    role = TeamRole.MEMBER


class OrgRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgRole

    user = factory.SubFactory(UserFactory)
    role = OrgRoleKind.REVIEWER
    stage = factory.LazyAttribute(lambda o: stage("security") if o.role == OrgRoleKind.REVIEWER else None)


def member(team: Team, *, role: str = TeamRole.MEMBER, **user_fields):
    """A new user in ``team``."""
    user = UserFactory(**user_fields)
    TeamMembershipFactory(team=team, user=user, role=role)
    return user


def reviewer(stage_slug: str = "security", **user_fields):
    user = UserFactory(**user_fields)
    OrgRoleFactory(user=user, role=OrgRoleKind.REVIEWER, stage=stage(stage_slug))
    return user


def governance_admin(**user_fields):
    user = UserFactory(**user_fields)
    OrgRoleFactory(user=user, role=OrgRoleKind.GOVERNANCE_ADMIN, stage=None)
    return user


def auditor(**user_fields):
    user = UserFactory(**user_fields)
    OrgRoleFactory(user=user, role=OrgRoleKind.AUDITOR, stage=None)
    return user


class UseCaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UseCase

    team = factory.SubFactory(TeamFactory)
    slug = factory.Sequence(lambda n: f"use-case-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").capitalize())
    data_classification = DataClassification.INTERNAL
    risk_tier = RiskTier.LIMITED


class ApprovalRequestFactory(factory.django.DjangoModelFactory):
    """A draft request; ``model`` must be given (catalog objects come from tests.factories.catalog)."""

    class Meta:
        model = ApprovalRequest

    team = factory.SubFactory(TeamFactory)
    use_case = factory.SubFactory(UseCaseFactory, team=factory.SelfAttribute("..team"))
    requested_by = factory.LazyAttribute(lambda o: member(o.team))
    data_classification = DataClassification.INTERNAL
    justification = "Summarise support tickets for the weekly report."
    status = RequestStatus.DRAFT


class EntitlementFactory(factory.django.DjangoModelFactory):
    """An active entitlement granted now for a year; ``model`` must be given."""

    class Meta:
        model = Entitlement

    team = factory.SubFactory(TeamFactory)
    status = EntitlementStatus.ACTIVE
    granted_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.granted_at + dt.timedelta(days=365))
    allowed_data_classifications = factory.LazyFunction(lambda: ["public", "internal"])


class WebhookSubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookSubscription

    team = factory.SubFactory(TeamFactory)
    url = factory.Sequence(lambda n: f"https://hooks.example.com/modelgate/{n}")
    events = factory.LazyFunction(lambda: ["request.submitted", "request.approved", "entitlement.revoked"])
    secret = factory.Sequence(lambda n: f"whsec-test-{n:04d}-0123456789abcdef")

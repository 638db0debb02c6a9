from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from core.models import TimeStampedModel
from governance.choices import DataClassification, OrgRoleKind, RiskTier, TeamRole


class ReviewStage(TimeStampedModel):
    """A kind of review a request may need (security, legal, procurement ...). Stages are data, not code:
    policy rules name them by slug and reviewers hold them through OrgRole."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    sla_days = models.PositiveSmallIntegerField(default=5, help_text="Days a reviewer has to decide.")
    position = models.PositiveSmallIntegerField(default=100, help_text="Display order.")

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self):
        return self.name


class Team(TimeStampedModel):
    """A group of people who use models together and own requests, use cases, entitlements and API tokens."""

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    business_unit = models.CharField(max_length=200, blank=True)
    cost_centre = models.CharField(max_length=50, blank=True)
    regulated = models.BooleanField(default=False, help_text="Handles regulated data or decisions; stricter policy.")
    allowed_data_classifications = ArrayField(
        models.CharField(max_length=20, choices=DataClassification.choices),
        default=list,
        blank=True,
        help_text="Data classes this team may send to models.",
    )
    allowed_regions = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="TeamMembership", related_name="teams")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class TeamMembership(TimeStampedModel):
    """A user belongs to a team, as a member (may request) or an admin (also manages members and tokens)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships")
    role = models.CharField(max_length=20, choices=TeamRole.choices, default=TeamRole.MEMBER)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="%(app_label)s_%(class)s_unique"),
        ]

    def __str__(self):
        return f"{self.user} in {self.team} ({self.role})"


class OrgRole(TimeStampedModel):
    """An organisation-wide role: reviewer for one stage, governance admin, or auditor (read-only everything)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="org_roles")
    role = models.CharField(max_length=20, choices=OrgRoleKind.choices)
    stage = models.ForeignKey(ReviewStage, null=True, blank=True, on_delete=models.CASCADE, related_name="reviewers")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "stage"], name="%(app_label)s_%(class)s_unique", nulls_distinct=False
            ),
            # A reviewer reviews one stage; the other roles are not about a stage.
            models.CheckConstraint(
                condition=(Q(role="reviewer") & Q(stage__isnull=False)) | (~Q(role="reviewer") & Q(stage__isnull=True)),
                name="%(app_label)s_%(class)s_stage_iff_reviewer",
            ),
        ]

    def __str__(self):
        return f"{self.user} {self.role}{f' ({self.stage})' if self.stage_id else ''}"


class UseCase(TimeStampedModel):
    """What a team uses models for, with the data it involves and its EU AI Act risk tier."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="use_cases")
    slug = models.SlugField(max_length=100)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    data_classification = models.CharField(max_length=20, choices=DataClassification.choices)
    risk_tier = models.CharField(max_length=20, choices=RiskTier.choices, default=RiskTier.MINIMAL)
    user_facing = models.BooleanField(default=False)
    production = models.BooleanField(default=True, help_text="Used in production (not an experiment).")

    class Meta:
        ordering = ["team", "name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "slug"], name="%(app_label)s_%(class)s_unique_slug"),
        ]

    def __str__(self):
        return f"{self.team.slug}/{self.slug}"

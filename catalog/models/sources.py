from django.db import models
from django.db.models import Q

from catalog.choices import ChangeKind, ChangeSignal, SyncStatus
from core.models import TimeStampedModel


class Source(TimeStampedModel):
    """A place catalog facts come from (a price map, an API, a curated file), with its precedence when sources
    disagree: the lowest ``precedence`` wins the displayed value, the others stay visible as conflicts."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    connector = models.CharField(max_length=50, help_text="Connector key in catalog.connectors.REGISTRY.")
    url = models.URLField(max_length=500, blank=True, help_text="Where production fetches it from.")
    license_notice = models.TextField(blank=True, help_text="Licence of the source's data and its attribution.")
    precedence = models.PositiveSmallIntegerField(default=100)
    enabled = models.BooleanField(default=True)
    is_stale = models.BooleanField(default=False, help_text="The last run failed; the last good data is kept.")
    last_success_at = models.DateTimeField(null=True, blank=True)
    # What the last successful run read: package version, file sha256, date. Provenance of the whole snapshot.
    snapshot = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["precedence", "slug"]

    def __str__(self):
        return self.name


class SyncRun(models.Model):
    """One refresh of one source: what it read, what it changed, what it rejected and why."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="runs")
    status = models.CharField(max_length=20, choices=SyncStatus.choices, default=SyncStatus.RUNNING)
    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    dry_run = models.BooleanField(default=False)
    trigger = models.CharField(max_length=50, blank=True, help_text="beat, command, admin, api.")
    origin = models.CharField(max_length=500, blank=True, help_text="URL, file or package the payload came from.")
    payload_sha256 = models.CharField(max_length=64, blank=True)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    retired = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    # [{"record": external id or position, "error": message}], naming each offending record.
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            # One sync per source at a time, enforced by the database whatever the number of workers.
            models.UniqueConstraint(
                fields=["source"], condition=Q(status="running"), name="%(app_label)s_%(class)s_one_running"
            ),
        ]

    def __str__(self):
        return f"{self.source.slug} {self.started_at:%Y-%m-%d %H:%M} {self.status}"


class ChangeEvent(models.Model):
    """One field of one catalog object changed by a sync (or an admin edit): old and new value, source, run."""

    run = models.ForeignKey(SyncRun, null=True, blank=True, on_delete=models.CASCADE, related_name="changes")
    source = models.ForeignKey(Source, null=True, blank=True, on_delete=models.PROTECT, related_name="changes")
    occurred_at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=20, choices=ChangeKind.choices)
    signal = models.CharField(max_length=30, choices=ChangeSignal.choices, blank=True, default="", db_index=True)
    object_type = models.CharField(max_length=50, help_text="model, offering, price, claim, benchmark_result, ...")
    object_id = models.BigIntegerField(null=True, blank=True)
    object_repr = models.CharField(max_length=300)
    model = models.ForeignKey(
        "catalog.AIModel", null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    field = models.CharField(max_length=100, blank=True)
    old_value = models.JSONField(null=True, blank=True)
    new_value = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="catalog_change_object_idx")]

    def __str__(self):
        return f"{self.kind} {self.object_repr} {self.field}"

"""The shared kernel's tables: the base model, heartbeats, the audit trail and the transactional outbox."""

from django.conf import settings
from django.db import models
from django.db.backends.signals import connection_created
from django.db.models.fields.json import KeyTextTransform
from django.dispatch import receiver
from django.utils import timezone


class TimeStampedModel(models.Model):
    """Adds when a row was created and last changed (UTC)."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Heartbeat(models.Model):
    """The last time a background component (the worker, through beat's schedule) proved it was alive."""

    component = models.CharField(max_length=50, unique=True)
    last_seen = models.DateTimeField()
    hostname = models.CharField(max_length=255, blank=True)

    def __str__(self):
        return f"{self.component} @ {self.last_seen:%Y-%m-%d %H:%M:%S}"


class AuditEvent(models.Model):
    """One change someone (or something) made, as an append-only, hash-chained record.

    Rows are only ever inserted, by ``core.audit.audit_record`` inside the transaction of the change. A database
    trigger refuses UPDATE, DELETE and TRUNCATE, and each row's ``hash`` covers its own fields plus the previous
    row's hash, so an edit made around the trigger still shows up in ``verify_audit``.
    """

    # Genesis: what the first event's prev_hash is. Unique prev_hash below means the chain can never fork.
    GENESIS_HASH = "0" * 64

    occurred_at = models.DateTimeField(db_index=True)
    # No database constraint and no cascade: deleting a user must neither delete nor update audit rows (the trigger
    # refuses both), so the id stays as it was and actor_username keeps the name readable after the user is gone.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField(max_length=150, blank=True)
    actor_label = models.CharField(max_length=100, blank=True, help_text='e.g. "system", "sync:litellm"')
    action = models.CharField(max_length=100, db_index=True, help_text='e.g. "approval_request.approve"')
    target_type = models.CharField(max_length=100, help_text='"app_label.model"')
    target_id = models.CharField(max_length=255)
    target_repr = models.CharField(max_length=255, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    context = models.JSONField(default=dict, blank=True, help_text='scoping data, e.g. {"team": "ml-platform"}')
    request_id = models.CharField(max_length=128, blank=True, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["prev_hash"], name="%(app_label)s_%(class)s_one_successor"),
        ]
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="core_audit_target"),
            models.Index(fields=["actor", "occurred_at"], name="core_audit_actor"),
            models.Index(KeyTextTransform("team", "context"), name="core_audit_team"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.action} {self.target_type}:{self.target_id}"

    def save(self, *args, **kwargs):
        # The database refuses updates anyway; failing here gives a clearer error before any SQL is sent.
        if not self._state.adding:
            raise ImmutableAuditError("audit events are append-only: an existing event cannot be saved again")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableAuditError("audit events are append-only: they cannot be deleted")


class ImmutableAuditError(Exception):
    """An attempt to change or remove an audit event through the ORM."""


class OutboxMessage(models.Model):
    """One message that a committed change must cause (a notification, a re-review, a cache invalidation).

    Written in the same transaction as the change (``core.outbox.outbox_enqueue``), so it exists if and only if the
    change committed; the relay then delivers it to the handler registered for its topic, at least once, retrying
    with backoff. ``key`` makes enqueueing idempotent and lets handlers drop duplicates.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed (gave up)"

    topic = models.CharField(max_length=200, db_index=True)
    payload = models.JSONField(default=dict, blank=True)
    key = models.CharField(max_length=255, unique=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    available_at = models.DateTimeField(default=timezone.now, help_text="not delivered before this time")
    attempts = models.PositiveIntegerField(default=0)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # The request that caused the message: handlers run with it as their request id, so their logs and audit
    # events lead back to the original request.
    request_id = models.CharField(max_length=128, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(status="delivered", delivered_at__isnull=False)
                    | (models.Q(status__in=["pending", "failed"]) & models.Q(delivered_at__isnull=True))
                ),
                name="%(app_label)s_%(class)s_delivered_at_iff_delivered",
            ),
        ]
        indexes = [
            # The relay's query: due pending messages, oldest first. Partial, so delivered rows cost nothing.
            models.Index(fields=["available_at", "id"], condition=models.Q(status="pending"), name="core_outbox_due"),
        ]

    def __str__(self):
        return f"{self.topic} [{self.key}] {self.status}"


# The name of the PostgreSQL setting that lets one session TRUNCATE the audit table (see migration 0003).
AUDIT_TRUNCATE_SWITCH = "modelgate.audit_allow_truncate"


def audit_truncate_allowed() -> bool:
    """Whether this process may empty the audit table: only the test runner, which flushes every table between
    transactional tests with a single TRUNCATE. Production never sets AUDIT_ALLOW_TRUNCATE."""
    return bool(getattr(settings, "AUDIT_ALLOW_TRUNCATE", False))


@receiver(connection_created, dispatch_uid="core.audit_truncate_switch")
def _audit_truncate_switch(sender, connection, **kwargs):
    if connection.vendor == "postgresql" and audit_truncate_allowed():
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'on', false)", [AUDIT_TRUNCATE_SWITCH])


class RateCounter(models.Model):
    """How many times one key (e.g. a hashed username or IP) hit one rate-limited action in one time window.

    Incremented atomically by ``INSERT … ON CONFLICT … DO UPDATE … RETURNING`` (core.ratelimit), so concurrent
    attempts are all counted: unlike DRF's cache throttles, this cannot be raced past."""

    scope = models.CharField(max_length=50)
    key = models.CharField(max_length=64, help_text="sha256 of the limited identity, never the identity itself.")
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key", "window_start"], name="%(app_label)s_%(class)s_unique"),
        ]
        indexes = [models.Index(fields=["window_start"], name="core_ratecounter_window_idx")]

    def __str__(self):
        return f"{self.scope} {self.key[:8]}… {self.count} since {self.window_start:%H:%M}"

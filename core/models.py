"""Base model of every Modelgate table."""

from django.db import models


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

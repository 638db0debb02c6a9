from django.db import models


class FeedCursor(models.Model):
    """How far one governance job has read an append-only feed: the id of the last row it processed.

    The re-review job reads ``catalog.ChangeEvent`` in id order and moves this cursor in the same transaction as
    the entitlements it flags, so a crash never skips an event nor flags an entitlement twice for the same one."""

    name = models.SlugField(max_length=100, unique=True)
    last_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} @ {self.last_id}"

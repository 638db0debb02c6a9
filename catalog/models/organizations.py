from django.db import models

from core.models import TimeStampedModel


class Organization(TimeStampedModel):
    """A company that trains and publishes models, hosts them, or both (a vendor, a cloud, a lab)."""

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    is_publisher = models.BooleanField(default=False, help_text="Trains or publishes models.")
    is_provider = models.BooleanField(default=False, help_text="Sells access to models (API, cloud, router).")
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 of the headquarters.")
    jurisdiction = models.CharField(max_length=100, blank=True, help_text="Legal jurisdiction, e.g. 'EU', 'US-CA'.")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="subsidiaries")
    website = models.URLField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

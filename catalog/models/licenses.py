from django.db import models

from catalog.choices import LicenseCategory
from core.models import TimeStampedModel


class License(TimeStampedModel):
    """A licence a model is published under: an SPDX id or a ScanCode key, with the category policy reads."""

    key = models.CharField(max_length=150, unique=True, help_text="ScanCode key, e.g. 'apache-2.0', 'llama-3.1'.")
    spdx_id = models.CharField(max_length=150, blank=True, db_index=True, help_text="SPDX id where one exists.")
    name = models.CharField(max_length=300)
    category = models.CharField(max_length=30, choices=LicenseCategory.choices, default=LicenseCategory.UNKNOWN)
    scancode_category = models.CharField(max_length=60, blank=True, help_text="ScanCode's own category, verbatim.")
    is_osi_approved = models.BooleanField(null=True)
    url = models.URLField(max_length=500, blank=True)

    class Meta:
        ordering = ["key"]

    def __str__(self):
        return self.spdx_id or self.key

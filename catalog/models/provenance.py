from django.contrib.postgres.fields import ArrayField
from django.db import models

from catalog.choices import ClaimSourceKind, ClaimStatus, ProvenanceTopic
from core.models import TimeStampedModel


class ProvenanceClaim(TimeStampedModel):
    """A statement about how a model was made, by whom, with evidence, and whether anyone has checked it.

    ``values`` holds the topic's choices: TrainingDataCategory values for training_data, one Origin value for
    origin, one Distillation value for distillation (with ``teachers`` naming declared teacher models)."""

    model = models.ForeignKey("catalog.AIModel", on_delete=models.CASCADE, related_name="provenance_claims")
    topic = models.CharField(max_length=20, choices=ProvenanceTopic.choices)
    values = ArrayField(models.CharField(max_length=40), default=list)
    teachers = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    statement = models.TextField(help_text="What was said, quoted or summarised.")
    source_kind = models.CharField(max_length=20, choices=ClaimSourceKind.choices)
    source_url = models.URLField(max_length=500)
    stated_on = models.DateField()
    evidence = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.CLAIMED)
    next_review_on = models.DateField(null=True, blank=True)
    source = models.ForeignKey("catalog.Source", null=True, blank=True, on_delete=models.PROTECT)
    external_id = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["model", "topic", "-stated_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~models.Q(external_id=""),
                name="%(app_label)s_%(class)s_natural_key",
            ),
        ]

    def __str__(self):
        return f"{self.model} {self.topic}: {', '.join(self.values)} ({self.status})"

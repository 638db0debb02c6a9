from django.db import models

from catalog.choices import SourceTier
from core.models import TimeStampedModel


class Benchmark(TimeStampedModel):
    """A named evaluation at a version, with its metric and which direction is better."""

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    version = models.CharField(max_length=50, blank=True)
    metric = models.CharField(max_length=100, default="accuracy")
    unit = models.CharField(max_length=20, default="%", blank=True)
    higher_is_better = models.BooleanField(default=True)
    url = models.URLField(max_length=500, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} {self.version}".strip()


class BenchmarkResult(TimeStampedModel):
    """One score of one model on one benchmark, and who says so: the vendor, an independent party, or us."""

    model = models.ForeignKey("catalog.AIModel", on_delete=models.CASCADE, related_name="benchmark_results")
    benchmark = models.ForeignKey(Benchmark, on_delete=models.PROTECT, related_name="results")
    score = models.DecimalField(max_digits=12, decimal_places=4)
    source_tier = models.CharField(max_length=20, choices=SourceTier.choices)
    source_name = models.CharField(max_length=200, help_text="Who reported it, e.g. the vendor's blog.")
    source_url = models.URLField(max_length=500, blank=True)
    measured_on = models.DateField(null=True, blank=True)
    settings_notes = models.TextField(blank=True, help_text="Harness, shots, pass@k, agent scaffold ...")
    verified = models.BooleanField(default=False, help_text="The publishing platform verified the run.")
    source = models.ForeignKey("catalog.Source", null=True, blank=True, on_delete=models.PROTECT)
    external_id = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["benchmark", "-score"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~models.Q(external_id=""),
                name="%(app_label)s_%(class)s_natural_key",
            ),
        ]

    def __str__(self):
        return f"{self.model} {self.benchmark}: {self.score} ({self.source_tier})"

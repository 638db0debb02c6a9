from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce

from catalog.choices import AliasResolution, Architecture, Capability, Lifecycle, LineageRelation, Modality, TaskType
from core.models import TimeStampedModel

# Sorts models without a price after every priced one: cursor pages cannot page over NULLs. The list orders by this
# very expression and AIModel's indexes index it, so a price-sorted page reads an index (migration 0004).
NO_PRICE_SORT_KEY = models.Value(10**9, output_field=models.DecimalField(max_digits=20, decimal_places=10))


def price_sort_key(field: str) -> Coalesce:
    return Coalesce(field, NO_PRICE_SORT_KEY, output_field=models.DecimalField(max_digits=20, decimal_places=10))


def choice_array(choices, **kwargs):
    return ArrayField(models.CharField(max_length=30, choices=choices), default=list, blank=True, **kwargs)


class AIModel(TimeStampedModel):
    """One model identity, whatever the names it goes by (see ModelAlias) and the channels that sell it.

    Displayed facts are those of the source with the best precedence; every source's own value is kept in
    FieldObservation, so a disagreement stays visible."""

    slug = models.CharField(max_length=200, unique=True, help_text="Canonical id, 'publisher/name'.")
    display_name = models.CharField(max_length=300)
    family = models.CharField(max_length=100, blank=True, db_index=True)
    version = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True)
    publisher = models.ForeignKey(
        "catalog.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="models"
    )
    release_date = models.DateField(null=True, blank=True)
    knowledge_cutoff = models.DateField(null=True, blank=True)
    lifecycle = models.CharField(max_length=20, choices=Lifecycle.choices, default=Lifecycle.GA, db_index=True)
    deprecation_date = models.DateField(null=True, blank=True)
    retirement_date = models.DateField(null=True, blank=True, db_index=True)
    successor = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="predecessors")
    input_modalities = choice_array(Modality.choices)
    output_modalities = choice_array(Modality.choices)
    task_types = choice_array(TaskType.choices)
    capabilities = choice_array(Capability.choices)
    architecture = models.CharField(max_length=20, choices=Architecture.choices, default=Architecture.UNKNOWN)
    total_parameters = models.BigIntegerField(null=True, blank=True)
    active_parameters = models.BigIntegerField(null=True, blank=True, help_text="Per token, for MoE models.")
    context_window = models.PositiveIntegerField(null=True, blank=True, db_index=True)
    max_output_tokens = models.PositiveIntegerField(null=True, blank=True)
    open_weights = models.BooleanField(null=True, blank=True)
    license = models.ForeignKey(
        "catalog.License", null=True, blank=True, on_delete=models.PROTECT, related_name="models"
    )
    # An identity no rule could resolve: it stands alone until a person merges it (never a silent duplicate).
    is_unresolved = models.BooleanField(default=False, db_index=True)
    # The cheapest current standard price per 1M tokens over the model's offerings that are not retired, kept by
    # PostgreSQL triggers on catalog_price and catalog_offering (migration 0004): nothing else can write them.
    input_price = models.DecimalField(
        max_digits=20, decimal_places=10, null=True, blank=True, editable=False, help_text="USD per 1M tokens."
    )
    output_price = models.DecimalField(
        max_digits=20, decimal_places=10, null=True, blank=True, editable=False, help_text="USD per 1M tokens."
    )
    # Weighted full-text document, kept by PostgreSQL itself.
    search_document = models.GeneratedField(
        expression=SearchVector("slug", "display_name", weight="A", config="english")
        + SearchVector(Coalesce("family", models.Value("")), weight="B", config="english")
        + SearchVector(
            Coalesce("description", models.Value(""), output_field=models.TextField()), weight="C", config="english"
        ),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["slug"]
        verbose_name = "model"
        indexes = [
            GinIndex(fields=["search_document"], name="catalog_model_search_idx"),
            GinIndex(fields=["input_modalities"], name="catalog_model_inmod_idx"),
            GinIndex(fields=["task_types"], name="catalog_model_tasks_idx"),
            GinIndex(name="catalog_model_slug_trgm_idx", fields=["slug"], opclasses=["gin_trgm_ops"]),
            models.Index(price_sort_key("input_price"), "slug", name="catalog_model_input_price_idx"),
            models.Index(price_sort_key("output_price"), "slug", name="catalog_model_output_price_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(active_parameters__isnull=True)
                | Q(total_parameters__isnull=True)
                | Q(active_parameters__lte=F("total_parameters")),
                name="%(app_label)s_%(class)s_active_le_total",
            ),
            models.CheckConstraint(condition=~Q(successor=F("id")), name="%(app_label)s_%(class)s_not_own_successor"),
        ]

    def __str__(self):
        return self.slug


class ModelAlias(TimeStampedModel):
    """A name a model goes by somewhere ('gpt-4o', 'azure/gpt-4o', 'openrouter/openai/gpt-4o', an HF repo id).

    Names are unique, compared lower-cased, so any alias resolves to exactly one model. How it was resolved is
    recorded, and a person can review and move it (resolution = manual)."""

    name = models.CharField(max_length=300, unique=True, help_text="Stored lower-cased.")
    model = models.ForeignKey(AIModel, on_delete=models.CASCADE, related_name="aliases")
    source = models.ForeignKey("catalog.Source", null=True, blank=True, on_delete=models.SET_NULL)
    resolution = models.CharField(max_length=20, choices=AliasResolution.choices, default=AliasResolution.EXACT)
    reviewed_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "model aliases"
        constraints = [
            models.CheckConstraint(
                condition=Q(name=models.functions.Lower("name")), name="%(app_label)s_%(class)s_lower"
            ),
        ]

    def __str__(self):
        return self.name


class LineageEdge(TimeStampedModel):
    """The model is derived from the base model (fine-tune, adapter, quantization, merge, distillation)."""

    model = models.ForeignKey(AIModel, on_delete=models.CASCADE, related_name="base_edges")
    base_model = models.ForeignKey(AIModel, on_delete=models.CASCADE, related_name="derived_edges")
    relation = models.CharField(max_length=20, choices=LineageRelation.choices)
    source = models.ForeignKey("catalog.Source", null=True, blank=True, on_delete=models.SET_NULL)
    evidence_url = models.URLField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["model", "base_model", "relation"], name="%(app_label)s_%(class)s_unique_edge"
            ),
            models.CheckConstraint(condition=~Q(model=F("base_model")), name="%(app_label)s_%(class)s_not_self"),
        ]

    def __str__(self):
        return f"{self.model} {self.relation} of {self.base_model}"


class FieldObservation(models.Model):
    """What one source says about one field of one model, and when it last said it. The displayed value on
    AIModel is the observation of the source with the best precedence; disagreement between sources is a
    conflict shown beside it. One pseudo-field is not a model field: ``listed_as`` holds the source's own ids
    for the model (that the source lists it at all; catalog.services.observations)."""

    model = models.ForeignKey(AIModel, on_delete=models.CASCADE, related_name="observations")
    field = models.CharField(max_length=50)
    source = models.ForeignKey("catalog.Source", on_delete=models.CASCADE, related_name="observations")
    value = models.JSONField(null=True)
    observed_at = models.DateTimeField()
    run = models.ForeignKey("catalog.SyncRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["model", "field", "source"], name="%(app_label)s_%(class)s_unique"),
        ]

    def __str__(self):
        return f"{self.model}.{self.field} per {self.source_id}"

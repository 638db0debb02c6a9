"""One FilterSet per list, shared by the REST API and the portal's pages (NetBox's pattern), so a filter means the
same thing everywhere and a shared URL shows the same rows."""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable

import django_filters
from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramDistance, TrigramSimilarity
from django.db.models import Case, Exists, F, FloatField, OuterRef, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from catalog.choices import LicenseCategory, Lifecycle, Modality, TaskType
from catalog.models import AIModel, ModelAlias, Organization, SearchWord

# Governance answers "which models is this team approved for" (catalog cannot import governance): it registers a
# function (queryset, team_slug, user) -> queryset at startup. Unregistered, the filter matches nothing.
_team_approval_filter: Callable[[QuerySet, str, object], QuerySet] | None = None


def register_team_approval_filter(function: Callable[[QuerySet, str, object], QuerySet]) -> None:
    global _team_approval_filter  # a registration point, set once at app startup
    _team_approval_filter = function


# A search ranks at most this many candidates from each way of matching. Ranking has to read every candidate's row,
# so a word that a tenth of a 100k-model catalog shares ("llama") would otherwise cost hundreds of milliseconds
# (bench/README.md). Exact slugs and aliases always rank first; past the cap a broad query should be narrowed.
SEARCH_CANDIDATES = 200
# A query that matches nothing is corrected word by word, then relaxed to all words but one; a longer query is
# neither (its corrections and subsets would multiply) and simply finds nothing.
TOLERANT_WORDS = 6
WORD = re.compile(r"[^\W_]+")  # runs of letters and digits: the split the search_words triggers make (migration 0003)


def query_words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def correctable(word: str) -> bool:
    """Words the vocabulary can hold (catalog.models.SearchWord): a letter, 3 to 100 characters."""
    return 3 <= len(word) <= 100 and any(character.isalpha() for character in word)


def words_query(words: list[str]) -> SearchQuery:
    return SearchQuery(" ".join(words), search_type="plain", config="english")


def search_candidates(text: str, query: SearchQuery) -> tuple[list[int], SearchQuery]:
    """The primary keys worth ranking for ``text``, and the full-text query they were found with.

    Exact slug or alias, full-text words and slug fragments: one query. Only when those find nothing, typo
    tolerance, PostgreSQL's documented pg_trgm recipe: each word that is in no model's name is replaced by the
    closest word that is (one query on a vocabulary of a few thousand words, whatever the catalog's size), and the
    corrected words are matched; when they still find nothing, every set of all words but one is ("nimble harbor
    4242" with no such model finds the nimble harbors)."""
    found = _matches(text, query)
    if found:
        return found, query
    words = query_words(text)
    if len(words) > TOLERANT_WORDS:
        return [], query
    corrected = corrected_words(words)
    if corrected != words:
        query = words_query(corrected)
        found = list(_full_text(query))
        if found:
            return found, query
    if len(corrected) < 2:
        return [], query
    subsets = [_full_text(words_query(corrected[:i] + corrected[i + 1 :])) for i in range(len(corrected))]
    any_word = functools.reduce(operator.or_, (words_query([word]) for word in corrected))
    return list(subsets[0].union(*subsets[1:])), any_word


def _full_text(query: SearchQuery) -> QuerySet:
    return AIModel.objects.filter(search_document=query).order_by().values_list("pk", flat=True)[:SEARCH_CANDIDATES]


def _matches(text: str, query: SearchQuery) -> list[int]:
    lowered = text.lower()
    branches = [ModelAlias.objects.filter(name=lowered).values_list("model_id", flat=True), _full_text(query)]
    if not any(character.isspace() for character in lowered):  # a slug has no spaces: nothing to look for
        branches.append(_slug_fragments(lowered))
    return list(AIModel.objects.filter(slug=lowered).values_list("pk", flat=True).union(*branches))


# Slugs that start with the fragment first, read in the order of the slug's pattern index (Django's `_like` index
# of a unique CharField), so a prefix that a large part of the catalog shares (a publisher's name) costs its first
# rows only; then, only when those fall short of the cap, slugs that contain it anywhere (the trigram index, which
# would otherwise collect every row sharing the fragment's trigrams first). One statement: PostgreSQL starts the
# second scan only if the first returned fewer rows than the outer LIMIT. `ORDER BY ... USING ~<~` is what makes the
# planner read the pattern index for the prefix; the ORM cannot say it.
SLUG_FRAGMENT_SQL = """
SELECT id FROM (
    (SELECT id FROM catalog_aimodel WHERE slug LIKE %s ORDER BY slug USING ~<~ LIMIT %s)
    UNION ALL
    (SELECT id FROM catalog_aimodel WHERE slug LIKE %s LIMIT %s)
) AS fragment LIMIT %s
"""


def _slug_fragments(lowered: str) -> QuerySet:
    escaped = lowered.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    cap = SEARCH_CANDIDATES
    matching = RawSQL(SLUG_FRAGMENT_SQL, [f"{escaped}%", cap, f"%{escaped}%", cap, cap])  # noqa: S611 (constant SQL)
    return AIModel.objects.filter(pk__in=matching).order_by().values_list("pk", flat=True)


def corrected_words(words: list[str]) -> list[str]:
    """Each word replaced by the closest word of some model's name or slug (itself when it is one), if any is at
    least as similar as pg_trgm's threshold (``%``). One query for all the words."""
    asked = list(dict.fromkeys(word for word in words if correctable(word)))
    if not asked:
        return words
    closest = [
        SearchWord.objects.filter(word__trigram_similar=word)
        .annotate(asked=Value(word))
        .order_by(TrigramDistance("word", word), "word")
        .values_list("asked", "word")[:1]
        for word in asked
    ]
    replacements = dict(closest[0].union(*closest[1:], all=True))
    return [replacements.get(word, word) for word in words]


def search_models(queryset: QuerySet, text: str) -> QuerySet:
    """Full-text search with ranking (slug and name weigh most), tolerant of typos (search_candidates).

    One score orders the results (cursor pages need a single key): the full-text rank, plus how close the name is
    to what was typed, plus one for an exact slug or alias."""
    text = text.strip()
    if not text:
        return queryset
    candidates, query = search_candidates(text, SearchQuery(text, search_type="websearch", config="english"))
    lowered = text.lower()
    exact = Case(
        When(Q(slug=lowered) | Exists(ModelAlias.objects.filter(model=OuterRef("pk"), name=lowered)), then=Value(1.0)),
        default=Value(0.0),
        output_field=FloatField(),
    )
    return (
        # The ids as one array parameter: a thousand placeholders cost more to bind than the search itself.
        queryset.filter(pk__in=RawSQL("SELECT unnest(%s::bigint[])", [candidates]))
        .annotate(search_rank=SearchRank(F("search_document"), query) + TrigramSimilarity("display_name", text) + exact)
        .order_by("-search_rank", "slug")
    )


@extend_schema_field(OpenApiTypes.STR)
class SlugMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    """``?publisher=openai&publisher=anthropic``: any of these slugs; an unknown slug is a 400 naming it."""


class ArrayContainsFilter(django_filters.MultipleChoiceFilter):
    """``?modality=image&modality=text``: the array field contains every value given."""

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__contains": list(value)})


class AIModelFilterSet(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="Search")
    publisher = SlugMultipleChoiceFilter(
        field_name="publisher__slug", to_field_name="slug", queryset=Organization.objects.all(), label="Publisher"
    )
    modality = ArrayContainsFilter(field_name="input_modalities", choices=Modality.choices, label="Input modality")
    output_modality = ArrayContainsFilter(
        field_name="output_modalities", choices=Modality.choices, label="Output modality"
    )
    task = ArrayContainsFilter(field_name="task_types", choices=TaskType.choices, label="Task")
    license_category = django_filters.MultipleChoiceFilter(
        field_name="license__category", choices=LicenseCategory.choices, label="Licence category"
    )
    open_weights = django_filters.BooleanFilter(label="Open weights")
    min_context = django_filters.NumberFilter(field_name="context_window", lookup_expr="gte", label="Minimum context")
    max_input_price = django_filters.NumberFilter(
        field_name="input_price", lookup_expr="lte", label="Max input price (USD / 1M tokens)"
    )
    max_output_price = django_filters.NumberFilter(
        field_name="output_price", lookup_expr="lte", label="Max output price (USD / 1M tokens)"
    )
    lifecycle = django_filters.MultipleChoiceFilter(choices=Lifecycle.choices, label="Lifecycle")
    no_distillation = django_filters.BooleanFilter(method="filter_no_distillation", label="No distillation declared")
    provenance_verified = django_filters.BooleanFilter(method="filter_verified", label="Verified provenance")
    approved_for_team = django_filters.CharFilter(method="filter_approved_for_team", label="Approved for team (slug)")
    unresolved = django_filters.BooleanFilter(field_name="is_unresolved", label="Unresolved identity")

    class Meta:
        model = AIModel
        fields = []

    def filter_search(self, queryset, name, value):
        return search_models(queryset, value)

    def filter_no_distillation(self, queryset, name, value):
        claimed = Q(provenance_claims__topic="distillation", provenance_claims__values__contains=["none_declared"])
        claimed &= ~Q(provenance_claims__status="disputed")
        return queryset.filter(claimed).distinct() if value else queryset.exclude(claimed)

    def filter_verified(self, queryset, name, value):
        verified = Q(provenance_claims__status="verified")
        return queryset.filter(verified).distinct() if value else queryset.exclude(verified)

    def filter_approved_for_team(self, queryset, name, value):
        if not value:
            return queryset
        if _team_approval_filter is None:
            return queryset.none()
        user = getattr(self.request, "user", None)
        return _team_approval_filter(queryset, value, user)

"""The search vocabulary (catalog.models.SearchWord) is kept by PostgreSQL, whatever writes a model's name."""

import pytest
from django.db import connection

from catalog.models import AIModel, SearchWord
from tests.factories.catalog import AIModelFactory

pytestmark = pytest.mark.django_db


def words() -> set[str]:
    return set(SearchWord.objects.values_list("word", flat=True))


def test_a_new_model_adds_the_words_of_its_name_and_slug_lower_cased():
    AIModelFactory(slug="acme/quasar-70b-v2", display_name="Quasar 70B Instruct_Turbo")
    assert {"acme", "quasar", "70b", "instruct", "turbo"} <= words()
    # no letter (a version number) or shorter than three characters: nothing to correct a typo to
    assert not {"v2", "70", "2"} & words()


def test_a_renamed_model_adds_its_new_words_and_an_unchanged_write_adds_nothing():
    model = AIModelFactory(slug="acme/first", display_name="First Light")
    AIModel.objects.filter(pk=model.pk).update(display_name="Morning Light")
    assert {"first", "morning", "light"} <= words()
    before = SearchWord.objects.count()
    AIModel.objects.filter(pk=model.pk).update(description="same words in the name")
    assert SearchWord.objects.count() == before


def test_models_written_in_bulk_sql_add_their_words_too():
    AIModelFactory(slug="acme/base", display_name="Base")
    with connection.cursor() as cursor:  # as generate_scale_data writes: one INSERT ... SELECT, no ORM
        cursor.execute(
            "INSERT INTO catalog_aimodel (created_at, updated_at, slug, display_name, family, version, description,"
            " lifecycle, input_modalities, output_modalities, task_types, capabilities, architecture,"
            " is_unresolved) SELECT now(), now(), 'bulk/' || g, 'Zephyrine ' || g, '', '', '', 'ga', '{}', '{}',"
            " '{}', '{}', 'dense', false FROM generate_series(1, 50) g"
        )
    assert "zephyrine" in words()
    assert SearchWord.objects.filter(word="zephyrine").count() == 1

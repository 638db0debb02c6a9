"""The search vocabulary: every word of the models' names and slugs, kept by PostgreSQL (catalog.models.SearchWord).

Statement triggers with transition tables, one per event (PostgreSQL allows transition tables on single-event
triggers only): a bulk INSERT ... SELECT of 100k models adds its words in one statement, and a sync that rewrites
rows whose words are all known writes nothing (ON CONFLICT DO NOTHING is not a write). The same split as
``catalog.filtersets.query_words``: runs of letters and digits, lower-cased, with a letter, 3 to 100 characters.
"""

import django.contrib.postgres.indexes
from django.db import migrations, models

WORDS = """
    SELECT DISTINCT word
    FROM {rows}, regexp_split_to_table(lower(display_name || ' ' || slug), '[^[:alnum:]]+') AS word
    WHERE length(word) BETWEEN 3 AND 100 AND word ~ '[[:alpha:]]'
"""

SQL = f"""
CREATE FUNCTION catalog_collect_search_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO catalog_searchword (word)
    {WORDS.format(rows="new_rows")}
    ON CONFLICT (word) DO NOTHING;
    RETURN NULL;
END;
$$;
CREATE TRIGGER catalog_aimodel_words_insert AFTER INSERT ON catalog_aimodel
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_collect_search_words();
CREATE TRIGGER catalog_aimodel_words_update AFTER UPDATE ON catalog_aimodel
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_collect_search_words();
INSERT INTO catalog_searchword (word)
{WORDS.format(rows="catalog_aimodel")}
ON CONFLICT (word) DO NOTHING;
"""

REVERSE_SQL = """
DROP TRIGGER catalog_aimodel_words_update ON catalog_aimodel;
DROP TRIGGER catalog_aimodel_words_insert ON catalog_aimodel;
DROP FUNCTION catalog_collect_search_words();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0002_search_name_trigram_gist'),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchWord',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('word', models.CharField(max_length=100, unique=True)),
            ],
            options={
                'ordering': ['word'],
                'indexes': [django.contrib.postgres.indexes.GistIndex(fields=['word'], name='catalog_searchword_trgm_gist', opclasses=['gist_trgm_ops'])],
            },
        ),
        migrations.RunSQL(SQL, reverse_sql=REVERSE_SQL),
        # The typo fallback no longer reads the closest whole names, so their trigram index goes.
        migrations.RemoveIndex(
            model_name='aimodel',
            name='catalog_model_name_trgm_gist',
        ),
    ]

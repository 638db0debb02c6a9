from django.contrib.postgres.indexes import GistIndex
from django.db import models


class SearchWord(models.Model):
    """One word of some model's name or slug, lower-cased: what catalog search corrects a misspelt word to.

    PostgreSQL keeps this table itself (triggers on ``catalog_aimodel``, migration 0003), so every writer (the sync,
    the admin, bulk SQL) adds the words of the names it writes. Words of a renamed or deleted model stay: a
    correction to such a word matches nothing and the search moves on to its next step. Words without a letter
    (version numbers) and words shorter than three characters are left out: there is nothing to correct in them.
    """

    word = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["word"]
        indexes = [GistIndex(name="catalog_searchword_trgm_gist", fields=["word"], opclasses=["gist_trgm_ops"])]

    def __str__(self):
        return self.word

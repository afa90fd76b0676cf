"""The PostgreSQL search table, described for the ORM (SQLite uses an FTS5 table instead).

Unmanaged: migration 0001 creates it with raw SQL on PostgreSQL only (a generated, weighted
tsvector column and a GIN index). No foreign key, so flushing articles never trips over it;
rows of deleted articles are never returned (search joins the visible articles) and are
dropped by search_index_update and search_index_rebuild.
"""

from django.contrib.postgres.search import SearchVectorField
from django.db import models


class SearchDocument(models.Model):
    article = models.OneToOneField(
        "stories.Article", primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    title = models.TextField()
    body = models.TextField()
    published_at = models.DateTimeField()  # the article's, kept with the row (migration 0002)
    document = SearchVectorField()  # generated: setweight(title, 'A') || setweight(body, 'B')

    class Meta:
        managed = False
        db_table = "search_document"

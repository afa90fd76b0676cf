"""PostgreSQL: the index row keeps its article's publication time, with an index on it.

The newest matches of a common word then come from one walk of that index over the search
table alone, instead of a walk over the articles that joined each one to its index row
(bench/scale.py: search at 1,000,000 articles). SQLite's FTS5 table is unchanged.
"""

from django.db import migrations, models


def add_column(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("ALTER TABLE search_document ADD COLUMN IF NOT EXISTS published_at timestamp with time zone")
        cursor.execute(
            "UPDATE search_document d SET published_at = a.published_at FROM stories_article a "
            "WHERE a.id = d.article_id AND d.published_at IS DISTINCT FROM a.published_at"
        )
        # A row whose article is gone is never listed (search checks each row's article); it
        # has no time to take. Then a writer that leaves the time out fails loudly instead of
        # listing its row first in every search (NULL sorts first in a descending order).
        cursor.execute("DELETE FROM search_document WHERE published_at IS NULL")
        cursor.execute("ALTER TABLE search_document ALTER COLUMN published_at SET NOT NULL")
        cursor.execute(
            "CREATE INDEX IF NOT EXISTS search_document_newest ON search_document (published_at DESC, article_id DESC)"
        )


def drop_column(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS search_document_newest")
        cursor.execute("ALTER TABLE search_document DROP COLUMN IF EXISTS published_at")


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_initial"),
        ("stories", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="searchdocument",
            name="published_at",
            field=models.DateTimeField(),
        ),
        migrations.RunPython(add_column, drop_column),
    ]

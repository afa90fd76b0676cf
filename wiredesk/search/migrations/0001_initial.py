"""The search index: an FTS5 table on SQLite, a table with a GIN index on PostgreSQL.

Each engine's schema is created only on its own database (the other one's step does
nothing), then filled from the articles already stored.
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models


def create_index(apps, schema_editor):
    from wiredesk.search.backends import backend_for
    from wiredesk.search.documents import document_for

    backend = backend_for(schema_editor.connection)
    backend.create_schema()
    Article = apps.get_model("stories", "Article")
    last_id = 0
    while True:
        rows = list(
            Article.objects.using(schema_editor.connection.alias)
            .filter(id__gt=last_id).order_by("id").values_list("id", "title", "body_html", "lead_text", "published_at")[:500]
        )
        if not rows:
            break
        backend.write([document_for(id=r[0], title=r[1], body_html=r[2], lead_text=r[3], published_at=r[4])
                       for r in rows])
        last_id = rows[-1][0]


def drop_index(apps, schema_editor):
    from wiredesk.search.backends import backend_for

    backend_for(schema_editor.connection).drop_schema()


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("stories", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                (
                    "article",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="stories.article",
                    ),
                ),
                ("title", models.TextField()),
                ("body", models.TextField()),
                ("document", django.contrib.postgres.search.SearchVectorField()),
            ],
            options={
                "db_table": "search_document",
                "managed": False,
            },
        ),
        migrations.RunPython(create_index, drop_index),
    ]

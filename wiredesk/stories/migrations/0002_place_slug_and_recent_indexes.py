"""Place pages look their stories up by an indexed slug, source pages by source and time."""

from django.db import migrations, models
from django.utils.text import slugify

BATCH = 2000


def fill_place_slugs(apps, schema_editor):
    """Give stored stories the slug of their dateline place, in batches (sites hold many)."""
    Article = apps.get_model("stories", "Article")
    last_id = 0
    while True:
        rows = list(
            Article.objects.filter(id__gt=last_id).exclude(dateline_place="")
            .order_by("id").values_list("id", "dateline_place")[:BATCH]
        )
        if not rows:
            return
        by_slug: dict[str, list[int]] = {}
        for article_id, place in rows:
            by_slug.setdefault(slugify(place)[:130], []).append(article_id)
        for slug, ids in by_slug.items():
            Article.objects.filter(id__in=ids).update(place_slug=slug)
        last_id = rows[-1][0]


class Migration(migrations.Migration):

    dependencies = [
        ("sources", "0003_source_kind"),
        ("stories", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="place_slug",
            field=models.SlugField(
                blank=True, db_index=False, max_length=130,
                help_text="The dateline place as the address of its page (st-agnes-bay)",
            ),
        ),
        migrations.RunPython(fill_place_slugs, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["source", "published_at"], name="article_source_recent"),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["place_slug", "published_at"], name="article_place_recent"),
        ),
    ]

"""Place slugs transliterate letters that Unicode does not decompose ("ØSTBY" was "stby")."""

from anyascii import anyascii
from django.db import migrations
from django.utils.text import slugify

BATCH = 2000


def refill_place_slugs(apps, schema_editor):
    """Recompute the slug of every stored dateline place, in batches; write only those that change."""
    Article = apps.get_model("stories", "Article")
    last_id = 0
    while True:
        rows = list(
            Article.objects.filter(id__gt=last_id).exclude(dateline_place="")
            .order_by("id").values_list("id", "dateline_place", "place_slug")[:BATCH]
        )
        if not rows:
            return
        changed: dict[str, list[int]] = {}
        for article_id, place, old in rows:
            slug = slugify(anyascii(place))[:130]
            if slug != old:
                changed.setdefault(slug, []).append(article_id)
        for slug, ids in changed.items():
            Article.objects.filter(id__in=ids).update(place_slug=slug)
        last_id = rows[-1][0]


class Migration(migrations.Migration):

    dependencies = [
        ("stories", "0003_remove_refused_characters"),
    ]

    operations = [
        migrations.RunPython(refill_place_slugs, migrations.RunPython.noop),
    ]

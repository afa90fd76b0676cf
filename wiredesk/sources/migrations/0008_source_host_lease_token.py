"""Each source's feed host kept with its row (the scheduler's grants count leases per host in
SQL), and the token a queued refresh carries."""

from urllib.parse import urlsplit

from django.db import migrations, models


def fill_hosts(apps, schema_editor):
    Source = apps.get_model("sources", "Source")
    for source in Source.objects.only("id", "feed_url").iterator():
        try:
            host = (urlsplit(source.feed_url or "").hostname or "").lower()[:255]
        except ValueError:
            host = ""
        Source.objects.filter(id=source.id).update(host=host)


class Migration(migrations.Migration):

    dependencies = [
        ('sources', '0007_source_furniture'),
    ]

    operations = [
        migrations.AddField(
            model_name='source',
            name='host',
            field=models.CharField(blank=True, editable=False, max_length=255),
        ),
        migrations.AddField(
            model_name='source',
            name='lease_token',
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=32),
        ),
        migrations.AlterField(
            model_name='source',
            name='lease_until',
            field=models.DateTimeField(blank=True, db_index=True, null=True),
        ),
        migrations.AddIndex(
            model_name='source',
            index=models.Index(fields=['host', 'lease_until'], name='sources_sou_host_7d241c_idx'),
        ),
        migrations.RunPython(fill_hosts, migrations.RunPython.noop),
    ]

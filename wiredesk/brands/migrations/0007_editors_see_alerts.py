"""Editors see the source-health alerts (they get them by email; the health page lists them)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():  # permissions are made after all migrations
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    view = Permission.objects.get(content_type__app_label="sources", codename="view_sourcealert")
    for group in Group.objects.filter(name="Editors"):
        group.permissions.add(view)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name="Editors"):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="sources",
                                                            codename="view_sourcealert"))


class Migration(migrations.Migration):
    dependencies = [
        ("brands", "0006_roles"),
        ("sources", "0006_source_health"),
    ]
    operations = [migrations.RunPython(grant, revoke)]

"""The desk's roles as groups with their permissions (an admin adds people to them):

- Editors: read the wire pool and its stories, kill, correct and pin; limited to the brands
  that list them as editors (Brand.editors) when any do.
- Release moderators: read and moderate news releases, nothing else.
Admins (superusers) can do everything. Run again, it leaves the groups as they should be.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Editors": [
        ("stories", "article", ("view", "change")),
        ("stories", "story", ("view", "change")),
        ("stories", "pin", ("view", "add", "change", "delete")),
        ("stories", "takedown", ("view",)),
        ("stories", "revision", ("view",)),
        ("stories", "auditentry", ("view",)),
        ("sources", "source", ("view",)),
        ("brands", "brand", ("view",)),
        ("digest", "edition", ("view",)),
    ],
    "Release moderators": [
        ("releases", "submission", ("view", "change")),
        ("releases", "auditentry", ("view",)),
        ("brands", "brand", ("view",)),
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are made after all migrations; make the ones needed now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, grants in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for app_label, model, actions in grants:
            for action in actions:
                wanted.append(Permission.objects.get(content_type__app_label=app_label,
                                                     codename=f"{action}_{model}"))
        group.permissions.set(wanted)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("brands", "0005_brand_editors"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("stories", "0008_revisions"),
        ("releases", "0002_one_draft_image_per_place"),
        ("digest", "0002_edition_skipped"),
        ("sources", "0005_source_withdrawals"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]

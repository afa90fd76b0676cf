"""One draft image per place of a release form (two racing uploads could fill a place twice)."""

from django.db import migrations, models


def drop_second_images_in_a_place(apps, schema_editor):
    """Before the constraint: where a place holds two draft images, keep the newer one."""
    SubmissionImage = apps.get_model("releases", "SubmissionImage")
    seen: set[tuple[str, int]] = set()
    drafts = SubmissionImage.objects.filter(submission__isnull=True).exclude(draft_key="").order_by("-created_at", "-id")
    for image in drafts.iterator():
        place = (image.draft_key, image.position)
        if place in seen:
            if image.file.name:
                image.file.storage.delete(image.file.name)
            image.delete()
        seen.add(place)


class Migration(migrations.Migration):

    dependencies = [
        ("releases", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(drop_second_images_in_a_place, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="submissionimage",
            constraint=models.UniqueConstraint(
                condition=models.Q(("submission__isnull", True), models.Q(("draft_key", ""), _negated=True)),
                fields=("draft_key", "position"),
                name="release_draft_image_place",
            ),
        ),
    ]

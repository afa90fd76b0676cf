"""Each source's furniture profile in the database: read once per refresh, taught once after it."""

from __future__ import annotations

from django.db import transaction

from wiredesk.ingest.extract.furniture import Profile
from wiredesk.sources.models import SourceFurniture


def furniture_profile(*, source_id: int) -> Profile:
    """The profile stored for a source (an empty one if none yet)."""
    row = SourceFurniture.objects.filter(source_id=source_id).values_list("profile", flat=True).first()
    return Profile.from_json(row)


def furniture_learn(*, source_id: int, pages: list[frozenset[str]]) -> Profile:
    """Teach a source's profile the lines of its new articles; return the profile as stored."""
    with transaction.atomic():
        row, _ = SourceFurniture.objects.select_for_update().get_or_create(source_id=source_id)
        profile = Profile.from_json(row.profile)
        profile.learn(pages)
        row.profile = profile.to_json()
        row.save(update_fields=["profile", "updated_at"])
    return profile

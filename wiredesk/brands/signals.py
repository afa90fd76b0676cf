"""A change to a brand shows on its pages at once, not when the page cache expires.

Pages are cached under the content generation (wiredesk.core.generation), and brands are read
through a short-lived table of host names, brands and their sources: both are reset once the
change is committed.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from wiredesk.core.generation import content_changed


def _brand_changed(**kwargs) -> None:
    from wiredesk.brands.selectors import HOSTS_KEY

    if kwargs.get("action", "post_").startswith("pre_"):  # m2m_changed also fires before
        return

    def reset() -> None:
        cache.delete(HOSTS_KEY)
        content_changed()

    # Dropped at once too, so the rest of this transaction (a release published together with
    # its brand's releases source, say) reads the change; again on commit, in case another
    # process cached the old table in between.
    cache.delete(HOSTS_KEY)
    transaction.on_commit(reset)


def connect() -> None:
    from wiredesk.brands.models import Brand, BrandSource

    for model in (Brand, BrandSource):
        post_save.connect(_brand_changed, sender=model, dispatch_uid=f"brand-changed-save-{model.__name__}")
        post_delete.connect(_brand_changed, sender=model, dispatch_uid=f"brand-changed-delete-{model.__name__}")
    # brand.sources.add()/remove() write BrandSource rows without saving instances.
    m2m_changed.connect(_brand_changed, sender=Brand.sources.through, dispatch_uid="brand-changed-m2m")

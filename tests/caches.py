"""Empty every cache: the shared one and the per-process page cache."""

from django.core.cache import caches


def clear_caches() -> None:
    for alias in ("default", "pages"):
        caches[alias].clear()

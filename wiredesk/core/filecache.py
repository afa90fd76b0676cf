"""The embedded shared cache: Django's file cache, culled at most every half minute.

Django's FileBasedCache lists its whole folder on every ``set`` to decide whether to cull, so
each write (a rate-limit counter, a rail, a new content generation) cost a directory scan of up
to MAX_ENTRIES files. Here a process scans at most once per CULL_SECONDS; the folder may pass
MAX_ENTRIES by what is written in between, and is brought back under it at the next scan.
"""

from __future__ import annotations

import time

from django.core.cache.backends.filebased import FileBasedCache

CULL_SECONDS = 30.0


class SharedFileCache(FileBasedCache):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._next_cull = 0.0

    def _cull(self) -> None:
        now = time.monotonic()
        if now < self._next_cull:
            return
        self._next_cull = now + CULL_SECONDS
        super()._cull()

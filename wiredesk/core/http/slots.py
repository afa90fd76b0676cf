"""Per-host concurrency slots inside one process (polite fetching, reliability.md F10)."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Iterator

from .errors import FetchError


class HostSlots:
    """At most ``per_host`` fetches in flight to one host name; waiting ends at the deadline."""

    def __init__(self, per_host: int) -> None:
        self._per_host = per_host
        self._lock = threading.Lock()
        self._slots: dict[str, list] = {}  # host -> [semaphore, fetches holding or waiting]

    @contextmanager
    def hold(self, host: str, ends: float) -> Iterator[None]:
        """Hold one of ``host``'s slots, waiting until ``ends`` (monotonic) at most."""
        with self._lock:
            entry = self._slots.setdefault(host, [threading.Semaphore(self._per_host), 0])
            entry[1] += 1
        try:
            left = ends - time.monotonic()
            if left <= 0 or not entry[0].acquire(timeout=left):
                raise FetchError(
                    "timeout", f"no free connection slot for {host} before the deadline"
                )
            try:
                yield
            finally:
                entry[0].release()
        finally:
            with self._lock:  # forget idle hosts so the table does not grow forever
                entry[1] -= 1
                if entry[1] == 0:
                    del self._slots[host]

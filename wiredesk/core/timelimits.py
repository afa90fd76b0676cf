"""The exceptions that end a piece of work, which no broad ``except Exception`` may swallow.

Celery raises ``SoftTimeLimitExceeded`` inside a task when its soft time limit passes. It
derives from ``Exception``, so every handler written to keep one bad item (or one bad page,
or a third-party parser) from stopping the others must let it through: write
``except TIME_LIMITS: raise`` before ``except Exception``.
"""

from __future__ import annotations

from celery.exceptions import SoftTimeLimitExceeded

TIME_LIMITS: tuple[type[BaseException], ...] = (SoftTimeLimitExceeded,)

__all__ = ["TIME_LIMITS", "SoftTimeLimitExceeded"]

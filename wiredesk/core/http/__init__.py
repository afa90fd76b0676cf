"""The one guarded HTTP client used for every outbound request.

Public names: ``GuardedClient``, ``Fetched``, ``FetchError``, ``client_from_settings``,
``client_reset``, ``parse_retry_after``. Importing this package never touches Django settings.
"""

from .client import Fetched, GuardedClient, client_from_settings, client_reset
from .errors import FetchError
from .headers import parse_retry_after

__all__ = ["FetchError", "Fetched", "GuardedClient", "client_from_settings", "client_reset", "parse_retry_after"]

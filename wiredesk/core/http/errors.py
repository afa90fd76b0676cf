"""The one exception type the guarded HTTP client raises, and the mapping onto it."""

from __future__ import annotations

import ssl

import httpcore


CODES = frozenset({
    "bad_url", "bad_scheme", "blocked_address", "insecure_redirect", "bad_redirect",
    "too_many_redirects", "timeout", "dns_error", "connect_error", "network_error", "tls_error",
    "too_large", "bad_encoding", "bad_response", "http_status", "rate_limited", "gone",
})


class FetchError(Exception):
    """A fetch that did not produce a usable response.

    ``code`` is a short stable string from ``CODES``, meant for storage and metrics.
    ``message`` (also ``str(error)``) is for people and does not repeat the code.
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        url: str | None = None,
    ) -> None:
        if code not in CODES:
            raise ValueError(f"unknown fetch error code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self.url = url

    def __repr__(self) -> str:
        return f"FetchError(code={self.code!r}, message={self.message!r}, status={self.status!r})"


# What httpcore and the socket layer may raise while a request is in flight.
TRANSPORT_ERRORS = (
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
    httpcore.ProxyError,
    OSError,
    ValueError,
)


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def translate(exc: Exception, host: str) -> FetchError:
    """Turn an httpcore or socket exception into a FetchError with a stable code."""
    detail = str(exc) or type(exc).__name__
    if _caused_by(exc, ssl.SSLError):
        return FetchError("tls_error", f"TLS with {host} failed: {detail}")
    if isinstance(exc, httpcore.PoolTimeout):
        return FetchError("timeout", f"no connection to {host} before the deadline")
    if isinstance(exc, httpcore.ConnectTimeout):
        return FetchError("timeout", f"connecting to {host} timed out")
    if isinstance(exc, httpcore.TimeoutException):
        return FetchError("timeout", f"{host} did not answer before the deadline")
    if isinstance(exc, httpcore.ConnectError):
        return FetchError("connect_error", f"cannot connect to {host}: {detail}")
    if isinstance(exc, httpcore.RemoteProtocolError) and "Receive buffer too long" in detail:
        # h11 keeps at most 100 KiB of an unfinished response head.
        return FetchError("too_large", f"response headers from {host} are too large")
    if isinstance(exc, httpcore.ProtocolError):
        return FetchError("bad_response", f"invalid HTTP from {host}: {detail}")
    return FetchError("network_error", f"network error with {host}: {detail}")

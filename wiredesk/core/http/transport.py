"""An httpcore network backend that connects only to checked addresses, within a deadline.

``GuardedBackend.connect_tcp`` resolves the host itself, drops the addresses the policy
refuses and connects to a remaining IP, so the address checked is the address connected to.
httpcore still passes the original host name to ``start_tls``: SNI and certificate checks
stay on the name. Every socket operation is clamped to the fetch's total deadline.
"""

from __future__ import annotations

import time
import typing
from contextvars import ContextVar

import httpcore

from .addresses import AddressPolicy
from .errors import FetchError

# Monotonic time at which the fetch running in this thread must end; None outside a fetch.
DEADLINE: ContextVar[float | None] = ContextVar("wiredesk_fetch_deadline", default=None)


def _clamp(timeout: float | None, expired: type[Exception]) -> float | None:
    """Shorten a per-operation timeout to what is left of the fetch deadline."""
    ends = DEADLINE.get()
    if ends is None:
        return timeout
    left = ends - time.monotonic()
    if left <= 0:
        raise expired("fetch deadline reached")
    return left if timeout is None else min(timeout, left)


class GuardedStream(httpcore.NetworkStream):
    """A socket stream whose reads, writes and TLS handshake end at the deadline.

    It also counts the bytes of each response head: h11 refuses a head beyond its own
    100 KiB buffer, this enforces the client's (possibly smaller) ``max_header_bytes``.
    """

    def __init__(self, inner: httpcore.NetworkStream, *, max_header_bytes: int) -> None:
        self._inner = inner
        self._max_header_bytes = max_header_bytes
        self._in_head = False
        self._head_bytes = 0
        self._tail = b""

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data = self._inner.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout))
        if self._in_head and data:
            self._count_head(data)
        return data

    def _count_head(self, data: bytes) -> None:
        window = self._tail + data
        end = window.find(b"\r\n\r\n")
        if end >= 0:
            self._in_head = False
            size = self._head_bytes + end + 4 - len(self._tail)
        else:
            size = self._head_bytes + len(data)
            self._head_bytes = size
            self._tail = window[-3:]
        if size > self._max_header_bytes:
            raise FetchError(
                "too_large", f"response headers larger than {self._max_header_bytes} bytes"
            )

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        # A request goes out: the next bytes read start a response head.
        self._in_head, self._head_bytes, self._tail = True, 0, b""
        self._inner.write(buffer, _clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: typing.Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        # CPython bounds the whole handshake by the socket timeout, not each read.
        tls = self._inner.start_tls(
            ssl_context, server_hostname, _clamp(timeout, httpcore.ConnectTimeout)
        )
        return GuardedStream(tls, max_header_bytes=self._max_header_bytes)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's sync backend, connecting only to addresses the policy allows."""

    def __init__(self, *, policy: AddressPolicy, max_header_bytes: int) -> None:
        self._inner = httpcore.SyncBackend()
        self._policy = policy
        self._max_header_bytes = max_header_bytes

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        ends = DEADLINE.get()
        if ends is None and timeout is not None:
            ends = time.monotonic() + timeout
        addresses = self._policy.resolve(host, port, ends=ends)
        failure: Exception | None = None
        for address in addresses:
            try:
                stream = self._inner.connect_tcp(
                    address,
                    port,
                    timeout=_clamp(timeout, httpcore.ConnectTimeout),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
                continue
            return GuardedStream(stream, max_header_bytes=self._max_header_bytes)
        assert failure is not None
        raise failure

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise FetchError("blocked_address", "unix sockets are never connected to")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

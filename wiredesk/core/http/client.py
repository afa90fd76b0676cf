"""The guarded HTTP client: every outbound request of the project goes through it."""

from __future__ import annotations

import io
import logging
import os
import re
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable, Iterator
from urllib.parse import unquote, urlsplit

import certifi
import httpcore
import httpx

from .addresses import AddressPolicy
from .decoding import ACCEPT_ENCODING, Decoder
from .errors import TRANSPORT_ERRORS, FetchError, translate
from .headers import parse_content_type, parse_retry_after
from .slots import HostSlots
from .transport import DEADLINE, GuardedBackend

logger = logging.getLogger("wiredesk.core.http")

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
PERMANENT_STATUSES = frozenset({301, 308})
_DRAIN_BYTES = 64 * 1024  # a redirect or error body this small is read to keep the connection
_DRAIN_SECONDS = 0.5
_HOST_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?")  # after IDNA; IPv6 left to httpx

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Fetched:
    """A successful (2xx) or not-modified (304) answer, after redirects.

    ``url`` is where the answer came from; ``requested_url`` the URL asked for (as parsed);
    ``permanent_url`` the final URL only when every redirect hop was permanent (301/308),
    else None. A stored reference follows ``stored_url``, never ``url``: a temporary redirect
    (302/303/307) says the resource stays where it was (RFC 9110 15.4).
    """

    url: str
    requested_url: str
    status: int
    headers: Headers
    content: bytes
    etag: str | None
    last_modified: str | None
    not_modified: bool
    permanent_url: str | None
    content_type: str
    charset: str | None
    elapsed: float
    redirects: int

    @property
    def stored_url(self) -> str:
        """The URL to keep for this resource: the permanent destination, else the one asked for."""
        return self.permanent_url or self.requested_url

    def header(self, name: str) -> str | None:
        """Return the first value of a response header, or None."""
        return _first(self.headers, name.lower())


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: Headers
    content: bytes


@dataclass(frozen=True)
class _Redirect:
    status: int
    location: str


class GuardedClient:
    """Fetch public http(s) URLs under address, size, time and per-host limits.

    ``allow_networks``: CIDRs or host names reachable although not public. ``deadline``:
    total seconds for a fetch (slot wait, DNS, connect, TLS, headers, body, every redirect).
    ``max_bytes``: body cap after decoding. ``per_host``: fetches in flight to one host name
    in this process. ``max_header_bytes``: response head cap; h11 itself stops at 100 KiB,
    so larger values act as 100 KiB. ``ssl_context``: trust store (default: certifi).
    Thread-safe; one per process is meant to be shared.
    """

    def __init__(
        self,
        *,
        allow_networks: Iterable[str] | str = (),
        connect_timeout: float = 10.0,
        deadline: float = 30.0,
        max_bytes: int = 15 * 2**20,
        max_redirects: int = 5,
        per_host: int = 2,
        user_agent: str = "wiredesk/0.1",
        max_header_bytes: int = 256 * 1024,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if connect_timeout <= 0 or deadline <= 0:
            raise ValueError("connect_timeout and deadline must be positive")
        if max_bytes < 0 or max_redirects < 0 or per_host < 1 or max_header_bytes < 1:
            raise ValueError("max_bytes, max_redirects >= 0; per_host, max_header_bytes >= 1")
        if not _sendable(user_agent):
            raise ValueError("user_agent must be a non-empty printable header value")
        self.connect_timeout = float(connect_timeout)
        self.deadline = float(deadline)
        self.max_bytes = int(max_bytes)
        self.max_redirects = int(max_redirects)
        self.user_agent = user_agent
        self._policy = AddressPolicy(allow_networks)
        self._slots = HostSlots(int(per_host))
        backend = GuardedBackend(policy=self._policy, max_header_bytes=int(max_header_bytes))
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context or ssl.create_default_context(cafile=certifi.where()),
            max_connections=None,  # the per-host slots are the limit that matters
            max_keepalive_connections=20,
            keepalive_expiry=30.0,
            network_backend=backend,
        )

    def __enter__(self) -> "GuardedClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close pooled connections."""
        self._pool.close()

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
        max_bytes: int | None = None,
        deadline: float | None = None,
    ) -> Fetched:
        """GET ``url`` (conditionally when validators are given), following safe redirects."""
        started = time.monotonic()
        ends = started + (self.deadline if deadline is None else float(deadline))
        limit = self.max_bytes if max_bytes is None else int(max_bytes)
        headers = [
            ("User-Agent", self.user_agent),
            ("Accept", _sendable(accept) or "*/*"),
            ("Accept-Encoding", ACCEPT_ENCODING),
        ]
        # RFC 9110 13.1: validators go back byte for byte as the server sent them.
        if _sendable(etag):
            headers.append(("If-None-Match", str(etag)))
        if _sendable(last_modified):
            headers.append(("If-Modified-Since", str(last_modified)))
        token = DEADLINE.set(ends)
        try:
            return self._follow(str(url), headers, started=started, ends=ends, limit=limit)
        except FetchError as exc:
            exc.url = exc.url or str(url)
            logger.debug("fetch failed url=%s code=%s message=%s", url, exc.code, exc.message)
            raise
        finally:
            DEADLINE.reset(token)

    def _follow(
        self, url: str, headers: list[tuple[str, str]], *, started: float, ends: float, limit: int
    ) -> Fetched:
        target = self._parse(url)
        requested = str(target)
        visited = {requested}
        hops: list[int] = []
        while True:
            outcome = self._exchange(target, headers, ends=ends, limit=limit)
            if isinstance(outcome, _Answer):
                break
            if len(hops) >= self.max_redirects:
                raise FetchError(
                    "too_many_redirects",
                    f"more than {self.max_redirects} redirects",
                    status=outcome.status,
                )
            following = self._redirect_target(target, outcome.location)
            if str(following) in visited:
                raise FetchError(
                    "too_many_redirects",
                    f"redirect loop back to {following}",
                    status=outcome.status,
                )
            visited.add(str(following))
            hops.append(outcome.status)
            target = following
        media_type, charset = parse_content_type(_first(outcome.headers, "content-type"))
        # Only a chain of permanent hops may rewrite a stored URL (fastladder #575).
        permanent = bool(hops) and all(status in PERMANENT_STATUSES for status in hops)
        fetched = Fetched(
            url=str(target),
            requested_url=requested,
            status=outcome.status,
            headers=outcome.headers,
            content=outcome.content,
            etag=_first(outcome.headers, "etag"),
            last_modified=_first(outcome.headers, "last-modified"),
            not_modified=outcome.status == 304,
            permanent_url=str(target) if permanent else None,
            content_type=media_type,
            charset=charset,
            elapsed=time.monotonic() - started,
            redirects=len(hops),
        )
        logger.debug(
            "fetched url=%s status=%s bytes=%d redirects=%d elapsed=%.3f",
            fetched.url, fetched.status, len(fetched.content), fetched.redirects, fetched.elapsed,
        )
        return fetched

    def _parse(self, url: str) -> httpx.URL:
        """Check the scheme and any literal host before anything touches the network."""
        url = url.strip()
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError as exc:
            raise FetchError("bad_url", f"cannot parse URL: {exc}") from None
        if parts.scheme.lower() not in ("http", "https"):
            scheme = repr(parts.scheme) if parts.scheme else "a relative URL"
            raise FetchError("bad_scheme", f"only http and https are fetched, not {scheme}")
        if not host:
            raise FetchError("bad_url", "URL has no host")
        # Before httpx, which rejects numeric forms (0177.0.0.1) that the C resolver accepts.
        self._policy.refuse_literal(unquote(host))
        try:
            target = httpx.URL(url).copy_with(fragment=None)
        except (httpx.InvalidURL, ValueError, UnicodeError) as exc:
            raise FetchError("bad_url", f"invalid URL: {exc}") from None
        host = target.raw_host.decode("ascii")
        if target.scheme not in ("http", "https") or not host:
            raise FetchError("bad_url", "URL needs an http(s) scheme and a host")
        if not (_HOST_NAME.fullmatch(host) or ":" in host):
            raise FetchError("bad_url", f"invalid host name {host!r}")
        self._policy.refuse_literal(host)
        return target

    def _redirect_target(self, current: httpx.URL, location: str) -> httpx.URL:
        try:
            joined = str(current.join(location.strip()))
        except (httpx.InvalidURL, ValueError, UnicodeError) as exc:
            raise FetchError("bad_redirect", f"invalid Location {location!r}: {exc}") from None
        following = self._parse(joined)
        if current.scheme == "https" and following.scheme == "http":
            raise FetchError("insecure_redirect", f"refused https to http redirect to {following}")
        return following

    def _exchange(
        self, target: httpx.URL, headers: list[tuple[str, str]], *, ends: float, limit: int
    ) -> _Answer | _Redirect:
        """Send one request (one hop) while holding a slot for its host."""
        host = target.raw_host.decode("ascii")
        with self._slots.hold(host, ends):
            left = ends - time.monotonic()
            if left <= 0:
                raise FetchError("timeout", "deadline reached before the request was sent")
            wire_headers = [(b"Host", target.netloc)]
            wire_headers += [(name.encode(), value.encode("latin-1")) for name, value in headers]
            request = httpcore.Request(
                b"GET",
                httpcore.URL(
                    scheme=target.raw_scheme,
                    host=target.raw_host,
                    port=target.port,
                    target=target.raw_path,
                ),
                headers=wire_headers,
                extensions={
                    "timeout": {
                        "connect": min(self.connect_timeout, left),
                        "read": left,
                        "write": left,
                        "pool": left,
                    }
                },
            )
            try:
                response = self._pool.handle_request(request)
                try:
                    return self._answer(response, host, ends=ends, limit=limit)
                finally:
                    response.close()
            except TRANSPORT_ERRORS as exc:
                raise translate(exc, host) from exc

    def _answer(
        self, response: httpcore.Response, host: str, *, ends: float, limit: int
    ) -> _Answer | _Redirect:
        status = response.status
        headers = tuple(
            (name.decode("latin-1").lower(), value.decode("latin-1"))
            for name, value in response.headers
        )
        if status == 304:
            return _Answer(status, headers, b"")
        if not 200 <= status < 300:
            _drain(response, headers, ends=ends)
        if status in REDIRECT_STATUSES:
            location = _first(headers, "location")
            if not location:
                raise FetchError("bad_redirect", f"{status} without a Location", status=status)
            return _Redirect(status, location)
        if status in (429, 503):
            retry_after = parse_retry_after(
                _first(headers, "retry-after"), now=datetime.now(timezone.utc)
            )
            raise FetchError(
                "rate_limited", f"{host} answered {status}", status=status, retry_after=retry_after
            )
        if status == 410:
            raise FetchError("gone", f"{host} says the resource is gone (410)", status=status)
        if not 200 <= status < 300:
            raise FetchError("http_status", f"{host} answered {status}", status=status)
        return _Answer(status, headers, _read_body(response, headers, ends=ends, limit=limit))


def _read_body(response: httpcore.Response, headers: Headers, *, ends: float, limit: int) -> bytes:
    """Read at most ``limit`` decoded bytes, stopping the decompressor as soon as it passes."""
    declared = _first(headers, "content-length")
    if declared and declared.strip().isdigit() and int(declared) > limit:
        raise FetchError("too_large", f"Content-Length {declared} exceeds {limit} bytes")
    decoder = Decoder(", ".join(value for name, value in headers if name == "content-encoding"))
    # BytesIO hands its buffer over on getvalue(): the body is held once, not as pieces and a join.
    body = io.BytesIO()
    raw = size = 0

    def keep(pieces: Iterator[bytes]) -> None:
        nonlocal size
        for piece in pieces:
            size += len(piece)
            if size > limit:
                raise FetchError("too_large", f"decoded body exceeds {limit} bytes")
            body.write(piece)

    for chunk in response.iter_stream():
        raw += len(chunk)
        if raw > limit:
            raise FetchError("too_large", f"body exceeds {limit} bytes")
        keep(decoder.feed(chunk))
        if time.monotonic() > ends:
            raise FetchError("timeout", "body not complete before the deadline")
    keep(decoder.finish())
    return body.getvalue()


def _drain(response: httpcore.Response, headers: Headers, *, ends: float) -> None:
    """Read a small redirect or error body so the connection can be reused; give up quickly."""
    declared = _first(headers, "content-length")
    if not (declared and declared.strip().isdigit() and int(declared) <= _DRAIN_BYTES):
        return  # closing the response closes the connection instead
    token = DEADLINE.set(min(ends, time.monotonic() + _DRAIN_SECONDS))
    try:
        for _ in response.iter_stream():
            pass
    except (FetchError, *TRANSPORT_ERRORS):
        pass
    finally:
        DEADLINE.reset(token)


def _sendable(value: str | None) -> str | None:
    """Return a value that can go on the wire verbatim, or None (stored validators can be junk)."""
    if not value or any(ord(ch) < 0x20 or ord(ch) == 0x7F or ord(ch) > 0xFF for ch in value):
        return None
    return value


def _first(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    return next((value for key, value in headers if key == name), None)


_SETTINGS_KEYS = (
    "allow_networks", "connect_timeout", "deadline", "max_bytes", "max_redirects", "per_host",
    "user_agent",
)
_shared: tuple[int, GuardedClient] | None = None
_shared_lock = threading.Lock()


def client_from_settings() -> GuardedClient:
    """Return this process's client, built on first use from ``settings.FETCH``."""
    global _shared
    with _shared_lock:
        # Keyed by pid: a pool inherited through fork (Celery prefork) must not be shared.
        if _shared is None or _shared[0] != os.getpid():
            from django.conf import settings

            config = dict(getattr(settings, "FETCH", None) or {})
            client = GuardedClient(**{key: config[key] for key in _SETTINGS_KEYS if key in config})
            _shared = (os.getpid(), client)
        return _shared[1]


def client_reset() -> None:
    """Forget this process's client so the next ``client_from_settings()`` reads settings again.

    For tests that change ``settings.FETCH``; the old client's connections are closed.
    """
    global _shared
    with _shared_lock:
        old, _shared = _shared, None
    if old is not None and old[0] == os.getpid():
        old[1].close()

"""The page front: each web worker answers cached pages before Django runs.

Django's page cache (``wiredesk.web.caching``) still renders nothing twice, but a hit there
costs the whole middleware stack, the brand lookup and a session check: about a millisecond.
The front is the ASGI application each uvicorn worker serves. It keeps, per worker process, the final
bytes and headers of every page Django marked as cacheable (the ``X-Wiredesk-Page`` header,
which carries the content generation the page was rendered for and never leaves the server)
and replays them, 304s included, to the next anonymous GET or HEAD of the same URL.

It is keyed on everything in the request that the page can depend on: scheme, Host, the
forwarded scheme and host, path and query string. It serves an entry only while the content
generation is still the one the page was rendered for (re-read at most every
``PAGE_FRONT["recheck"]`` seconds, so a page changes at most that long after new content
lands) and the page cache's time to live has not passed. Once a page is out of date, one
request renders it again while the others get the old copy (stale while revalidating: a
spike on a page whose copy just expired reaches Django once per worker), and if that render
fails (5xx) the old copy is served instead of the error (stale if error); error pages are
never kept. A page that has no copy yet is rendered once, the requests that arrive meanwhile
waiting for it. Requests carrying a session or
messages cookie or credentials always go to Django, and so does anything that is not a GET or
HEAD. Memory is bounded per worker (least recently used pages leave first).

Everything else runs Django's WSGI handler, exactly as under a WSGI server, on one thread of
the worker (rendering is CPU work under the GIL; a second thread would only queue behind the
first), with the response collected there and sent from the event loop: one hand-over per
request, where Django's own ASGI handler crosses between the loop and threads several times
(for its signals, for each synchronous middleware and for the view). Request bodies are read
before Django runs, so bodies larger than the upload cap are refused with 413 as they arrive.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from tempfile import SpooledTemporaryFile

from django.conf import settings
from django.utils.http import parse_http_date_safe

from wiredesk.core.generation import content_generation
from wiredesk.web.caching import FRONT_HEADER, dated_headers, not_modified

MARKER = FRONT_HEADER.lower().encode()
# Response headers a 304 leaves out (it has no body).
BODY_HEADERS = {b"content-type", b"content-length"}
# A stored page may vary only on these request headers: the key holds Host, and requests with
# cookies that matter never reach the front's copy.
HARMLESS_VARY = {"host", "cookie"}
# Written by the front as each response leaves (uvicorn's own Date is off: it is refreshed
# only once a second, so it could be older than a Last-Modified the page just took).
DATED = {b"date", b"last-modified"}


@dataclass(slots=True)
class Page:
    generation: str
    expires: float
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: str
    last_modified: int
    size: int


class PageFront:
    """ASGI application: replay Django's cacheable pages; run the WSGI ``app`` for the rest."""

    def __init__(self, app, *, max_bytes: int | None = None, recheck: float | None = None,
                 ttl: int | None = None, clock=time.monotonic, wall_clock=time.time) -> None:
        self.app = app
        self.wall_clock = wall_clock
        self.max_bytes = settings.PAGE_FRONT["max_bytes"] if max_bytes is None else max_bytes
        self.recheck = settings.PAGE_FRONT["recheck"] if recheck is None else recheck
        self.ttl = settings.PAGE_CACHE["ttl"] if ttl is None else ttl
        self.clock = clock
        self.pages: OrderedDict[tuple, Page] = OrderedDict()
        self.refreshing: dict[tuple, asyncio.Future] = {}  # pages being rendered again just now
        self.used = 0
        self._generation = ""
        self._checked = float("-inf")
        cookies = {settings.SESSION_COOKIE_NAME, "messages"}
        self.private_cookies = tuple(f"{name}=".encode() for name in cookies)
        self.body_cap = settings.UPLOAD_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="django")

    # -- the generation ---------------------------------------------------------------------
    def generation(self, now: float) -> str:
        if now - self._checked >= self.recheck:
            self._generation = str(content_generation())
            self._checked = now
        return self._generation

    # -- ASGI -------------------------------------------------------------------------------
    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return None  # no lifespan (Django has none) and no websockets here
        method = scope["method"]
        if method not in ("GET", "HEAD") or not self.max_bytes:
            return await self.django(scope, receive, send)

        host = forwarded_proto = forwarded_host = b""
        if_none_match = if_modified_since = None
        for name, value in scope["headers"]:
            if name == b"host":
                host = value
            elif name == b"cookie":
                if any(c in value for c in self.private_cookies):
                    return await self.django(scope, receive, send)
            elif name == b"authorization":
                return await self.django(scope, receive, send)
            elif name == b"if-none-match":
                if_none_match = value.decode("latin-1")
            elif name == b"if-modified-since":
                if_modified_since = value.decode("latin-1")
            elif name == b"x-forwarded-proto":
                forwarded_proto = value
            elif name == b"x-forwarded-host":
                forwarded_host = value
        key = (scope["scheme"], host, forwarded_proto, forwarded_host, scope["path"], scope["query_string"])

        now = self.clock()
        page = self.pages.get(key)
        if page is not None and page.generation == self.generation(now) and page.expires > now:
            self.pages.move_to_end(key)
            return await self._replay(page, method, if_none_match, if_modified_since, send)
        # Out of date (or absent). One request per page renders it again; the others meanwhile
        # get the copy out of date if there is one (stale while revalidating), else wait for
        # that one render (a spike on a new page reaches Django once, not once per reader).
        pending = self.refreshing.get(key)
        if pending is not None:
            if page is not None:
                return await self._replay(page, method, if_none_match, if_modified_since, send)
            await asyncio.shield(pending)
            fresh = self.pages.get(key)
            if fresh is not None and fresh.generation == self.generation(self.clock()):
                return await self._replay(fresh, method, if_none_match, if_modified_since, send)
        return await self.django(scope, receive, send, keep=key if method == "GET" else None, now=now, stale=page)

    async def _replay(self, page: Page, method: str, inm, ims, send) -> None:
        if not_modified(inm, ims, page.etag, page.last_modified):
            headers = [(n, v) for n, v in page.headers if n not in BODY_HEADERS]
            await send({"type": "http.response.start", "status": 304,
                        "headers": self.dated(headers, page.last_modified)})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200, "headers": self.dated(page.headers, page.last_modified)})
        await send({"type": "http.response.body", "body": page.body if method == "GET" else b""})

    def dated(self, headers: list[tuple[bytes, bytes]], last_modified: int | None) -> list[tuple[bytes, bytes]]:
        """The headers with Date as this response leaves and Last-Modified never later."""
        stamps = dated_headers(last_modified, now=self.wall_clock())
        return [*(h for h in headers if h[0] not in DATED),
                *((n.lower().encode(), v.encode()) for n, v in stamps.items())]

    @staticmethod
    def _storable(headers: list[tuple[bytes, bytes]]) -> bool:
        for name, value in headers:  # names arrive lower-cased (_run_wsgi)
            if name == b"set-cookie":
                return False
            if name == b"vary":
                varies = {v.strip().lower() for v in value.decode("latin-1").split(",")}
                if not varies <= HARMLESS_VARY:
                    return False
        return True

    def _store(self, key: tuple, now: float, generation: str, last_modified: int, headers, body: bytes) -> None:
        size = len(body) + sum(len(n) + len(v) for n, v in headers) + 200
        if size > self.max_bytes // 8:
            return
        etag = {n: v.decode("latin-1") for n, v in headers}.get(b"etag")
        if not etag:
            return
        self._forget(key)
        self.pages[key] = Page(generation, now + self.ttl, headers, body, etag, last_modified, size)
        self.used += size
        while self.used > self.max_bytes:
            _, old = self.pages.popitem(last=False)
            self.used -= old.size

    def _forget(self, key: tuple) -> None:
        old = self.pages.pop(key, None)
        if old is not None:
            self.used -= old.size

    # -- Django ---------------------------------------------------------------------------
    async def django(self, scope, receive, send, *, keep: tuple | None = None, now: float = 0.0,
                     stale: Page | None = None) -> None:
        """Run Django's WSGI handler on the worker's Django thread; keep the page if marked.

        ``stale``: this page's copy that is out of date; when Django fails (5xx) it is served
        instead of the error (stale if error), and it stays until a good render replaces it.
        """
        done = None
        if keep is not None and keep not in self.refreshing:
            done = self.refreshing[keep] = asyncio.get_running_loop().create_future()
        try:
            return await self._django(scope, receive, send, keep=keep, now=now, stale=stale)
        finally:
            if done is not None:
                self.refreshing.pop(keep, None)
                done.set_result(None)

    async def _django(self, scope, receive, send, *, keep, now, stale) -> None:
        body = SpooledTemporaryFile(max_size=1024 * 1024)
        try:
            for name, value in scope["headers"]:
                if name == b"content-length":
                    try:
                        declared = int(value)
                    except ValueError:
                        return await _plain(send, 400, b"Bad Content-Length.\n")
                    if declared > self.body_cap:
                        return await _plain(send, 413, TOO_BIG)
            received = 0
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return None
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > self.body_cap:
                    return await _plain(send, 413, TOO_BIG)
                body.write(chunk)
                if not message.get("more_body", False):
                    break
            body.seek(0)
            environ = wsgi_environ(scope, body)
            loop = asyncio.get_running_loop()
            status, headers, content = await loop.run_in_executor(self.executor, _run_wsgi, self.app, environ)
        finally:
            body.close()
        marks = [v for n, v in headers if n == MARKER]
        # The page's change record, which the Last-Modified header may show capped at Date.
        last_modified = parse_http_date_safe(next((v.decode("latin-1") for n, v in headers if n == b"last-modified"), ""))
        if marks:
            headers = [(n, v) for n, v in headers if n != MARKER]
            generation, _, changed = marks[0].decode("latin-1").partition(" ")
            last_modified = int(changed) if changed.isdigit() else last_modified
            if keep is not None and status == 200 and last_modified is not None and self._storable(headers):
                self._store(keep, now, generation, last_modified, headers, content)
        if status >= 500 and stale is not None:  # stale if error: the last good copy, never an error page
            return await self._replay(stale, scope["method"], None, None, send)
        if keep is not None and stale is not None and self.pages.get(keep) is stale:
            self._forget(keep)  # the page is gone, moved or no longer kept: its old copy goes too
        await send({"type": "http.response.start", "status": status, "headers": self.dated(headers, last_modified)})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else content})


TOO_BIG = b"The request is larger than this site accepts.\n"


def wsgi_environ(scope, body) -> dict:
    """The WSGI environ of an ASGI HTTP request (PEP 3333; header values as latin-1 text)."""
    server = scope.get("server") or ("localhost", 80)
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": "",
        "PATH_INFO": scope["path"].encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope["query_string"].decode("latin-1"),
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1] if server[1] is not None else 80),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": scope["client"][0] if scope.get("client") else "",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in scope["headers"]:
        name = name.decode("latin-1").upper().replace("-", "_")
        key = name if name in ("CONTENT_LENGTH", "CONTENT_TYPE") else f"HTTP_{name}"
        text = value.decode("latin-1")
        environ[key] = f"{environ[key]},{text}" if key in environ else text
    return environ


def _run_wsgi(app, environ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Call the WSGI app and collect its whole response (on the Django thread)."""
    started: list = []

    def start_response(status, headers, exc_info=None):
        if exc_info and started:
            raise exc_info[1].with_traceback(exc_info[2])
        started[:] = [status, headers]
        return lambda data: chunks.append(data)

    chunks: list[bytes] = []
    result = app(environ, start_response)
    try:
        for chunk in result:
            if chunk:
                chunks.append(chunk)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status, headers = started
    encoded = [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in headers]
    return int(status.split(" ", 1)[0]), encoded, b"".join(chunks)


async def _plain(send, status: int, text: bytes) -> None:
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(text)).encode()),
                    (b"connection", b"close"), *((n.lower().encode(), v.encode()) for n, v in
                                                 dated_headers(None, now=time.time()).items())],
    })
    await send({"type": "http.response.body", "body": text})

"""The demo wire server: four invented partner wires on one threaded stdlib HTTP server.

    wiredesk demo_wires --port 8001 --interval 30

Routes: ``/`` (index), ``/robots.txt``, ``/<wire>/`` (home page with feed autodiscovery),
``/harbour/rss.xml``, ``/northlight/atom.xml``, ``/meridian/feed.json``, ``/valley/rss.xml``,
``/<wire>/stories/<slug>.html`` (article pages) and ``/img/<name>.png``.

In tests: ``with DemoWireServer(port=0, interval=0.5) as srv: urlopen(srv.url("/harbour/rss.xml"))``.
"""

from __future__ import annotations

import email.utils
import hashlib
import logging
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

from wiredesk.demo import images, pages
from wiredesk.demo.feeds import CONTENT_TYPES, FEEDS
from wiredesk.demo.stories import WIRES
from wiredesk.demo.timeline import Schedule, issue_by_slug, issues_visible

__all__ = ["DemoWireServer", "DemoWires", "serve"]

log = logging.getLogger(__name__)

_HTML = "text/html; charset=utf-8"
_HOST = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")
_ARTICLE = re.compile(r"^/(?P<wire>[a-z]+)/stories/(?P<slug>[a-z0-9-]+)\.html$")
_IMAGE = re.compile(r"^/img/(?P<name>[a-z0-9-]+)\.png$")
_RELATED = 6  # teasers in an article page's side rail


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str
    last_modified: int | None = None  # epoch seconds
    headers: dict[str, str] = field(default_factory=dict)


class DemoWires:
    """What the server shows at a given moment: one schedule per wire, pages built on demand."""

    def __init__(self, *, interval: float, initial: int = 6, window: int = 20,
                 clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.start = int(clock())
        self.window = window
        # Each wire gets its own phase, so new items arrive staggered rather than all at once.
        self.schedules = {
            key: Schedule(start=self.start, interval=interval, initial=initial,
                          phase=(n + 1) / (len(WIRES) + 1), backdate=wire.backdate_minutes * 60, salt=key)
            for n, (key, wire) in enumerate(WIRES.items())
        }

    def visible(self, key: str, limit: int | None = None):
        return issues_visible(WIRES[key], self.schedules[key], self.clock(), limit or self.window)

    def respond(self, path: str, base: str) -> Response:
        """Build the response for a GET of ``path``; ``base`` is the server's own URL root."""
        if path == "/":
            return Response(200, pages.index_page(base).encode(), _HTML, self.start)
        if path == "/robots.txt":
            return Response(200, pages.ROBOTS.encode(), "text/plain; charset=utf-8", self.start)
        if match := _IMAGE.match(path):
            data = images.png(match["name"])
            if data is not None:
                return Response(200, data, "image/png", self.start, {"Cache-Control": "public, max-age=86400"})
        for key, wire in WIRES.items():
            if path == f"/{key}":
                return Response(301, b"", _HTML, headers={"Location": f"/{key}/"})
            if path in (f"/{key}/", wire.feed_path):
                issues = self.visible(key)
                latest = issues[0].published if issues else self.start
                if path == wire.feed_path:
                    return Response(200, FEEDS[wire.format](wire, issues, base), CONTENT_TYPES[wire.format], latest)
                return Response(200, pages.home_page(base, wire, issues).encode(), _HTML, latest)
        if (match := _ARTICLE.match(path)) and match["wire"] in WIRES:
            key = match["wire"]
            issue = issue_by_slug(WIRES[key], self.schedules[key], match["slug"], self.clock())
            if issue is not None:
                recent = self.visible(key, _RELATED + 1)
                related = [i for i in recent if i.seq != issue.seq][:_RELATED]
                body = pages.article_page(base, issue, related).encode()
                return Response(200, body, _HTML, max(issue.published, recent[0].published))
        return Response(404, pages.not_found_page().encode(), _HTML)


def _not_modified(headers, etag: str, last_modified: int | None) -> bool:
    """RFC 9110 section 13.2.2: If-None-Match wins over If-Modified-Since."""
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        tags = [tag.strip() for tag in if_none_match.split(",")]
        # If-None-Match uses the weak comparison: W/"x" matches "x".
        return "*" in tags or any(tag.removeprefix("W/") == etag for tag in tags)
    since = headers.get("If-Modified-Since")
    if since and last_modified is not None:
        try:
            parsed = email.utils.parsedate_to_datetime(since)
        except (TypeError, ValueError, IndexError):
            return False
        return parsed is not None and last_modified <= parsed.timestamp()
    return False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave in one segment on keep-alive
    server_version = "wiredesk-demo-wires/1.0"
    server: "_HTTPServer"

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args) -> None:  # quiet: one debug line per request
        log.debug("demo wire request %s", format % args)

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def _base(self) -> str:
        host = self.headers.get("Host", "")
        if not _HOST.match(host):
            host = "%s:%s" % self.server.server_address[:2]
        return f"http://{host}"

    def _serve(self, *, send_body: bool) -> None:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        try:
            reply = self.server.wires.respond(path, self._base())
        except Exception:  # a bug in the demo must show up, not hang up silently
            log.exception("demo wire failed path=%s", path)
            reply = Response(500, b"internal error", "text/plain; charset=utf-8")
        headers = {"Content-Type": reply.content_type, **reply.headers}
        if reply.status == 200:
            etag = '"%s"' % hashlib.sha256(reply.body).hexdigest()[:32]  # strong: same bytes, same tag
            headers["ETag"] = etag
            headers.setdefault("Cache-Control", "no-cache")
            if reply.last_modified is not None:
                headers["Last-Modified"] = email.utils.formatdate(reply.last_modified, usegmt=True)
            if _not_modified(self.headers, etag, reply.last_modified):
                reply = Response(304, b"", reply.content_type)
                headers.pop("Content-Type")
        self.send_response(reply.status)
        for name, value in headers.items():
            self.send_header(name, value)
        if reply.status != 304:  # a 304 has no body and must not describe a different one
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if send_body and reply.body:
            self.wfile.write(reply.body)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    wires: DemoWires

    def handle_error(self, request, client_address) -> None:
        level = logging.DEBUG if isinstance(sys.exc_info()[1], ConnectionError) else logging.ERROR
        log.log(level, "demo wire connection error from %s", client_address, exc_info=True)


class DemoWireServer:
    """The demo wires on a real socket; ``port=0`` picks a free port. Serves in a thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, interval: float = 30.0, initial: int = 6,
                 window: int = 20, clock: Callable[[], float] = time.time, background: bool = True) -> None:
        self.wires = DemoWires(interval=interval, initial=initial, window=window, clock=clock)
        self._httpd = _HTTPServer((host, port), _Handler)
        self._httpd.wires = self.wires
        self.host, self.port = self._httpd.server_address[:2]
        self._thread: threading.Thread | None = None
        self._serving = False
        if background:
            self._serving = True
            self._thread = threading.Thread(target=self._httpd.serve_forever, name="demo-wires", daemon=True)
            self._thread.start()

    def url(self, path: str = "/") -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}{path}"

    def serve_forever(self) -> None:
        self._serving = True
        self._httpd.serve_forever()

    def stop(self) -> None:
        if self._serving:  # shutdown() would wait forever for a loop that never ran
            self._httpd.shutdown()
            self._serving = False
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd.server_close()

    def __enter__(self) -> "DemoWireServer":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def serve(host: str = "127.0.0.1", port: int = 8001, interval: float = 30.0, initial: int = 6) -> None:
    """Run the demo wires in the foreground until interrupted."""
    server = DemoWireServer(host, port, interval=interval, initial=initial, background=False)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server._serving = False
        server.stop()

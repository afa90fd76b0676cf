"""A real HTTP server on 127.0.0.1 for tests: routes map a path to a handler function.

    with LoopbackServer() as srv:
        srv.route("/feed.xml", lambda req: Reply(200, body, {"Content-Type": "application/rss+xml"}))
        url = srv.url("/feed.xml")

A handler gets the request (method, path, headers) and returns a Reply, or writes to the raw
socket itself through ``req.wfile`` and returns None (for trickling and other hostile servers).
Every request is recorded in ``srv.requests``.
"""

from __future__ import annotations

import http.server
import socketserver
import threading
from dataclasses import dataclass, field
from typing import Callable


@dataclass
class Reply:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    wfile: object = None


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class LoopbackServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Callable[[Request], Reply | None]] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once on keep-alive

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def _handle(self) -> None:
                path_only = self.path.split("?", 1)[0]
                req = Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, self.wfile)
                with outer._lock:
                    outer.requests.append(req)
                handler = outer.routes.get(self.path) or outer.routes.get(path_only)
                if handler is None:
                    reply: Reply | None = Reply(404, b"not found", {"Content-Type": "text/plain"})
                else:
                    try:
                        reply = handler(req)
                    except (BrokenPipeError, ConnectionResetError):
                        return
                if reply is None:
                    self.close_connection = True
                    return
                body = reply.body.encode() if isinstance(reply.body, str) else reply.body
                try:
                    self.send_response(reply.status)
                    headers = {k.lower(): v for k, v in reply.headers.items()}
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    if "content-length" not in headers:
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = _handle
            do_HEAD = _handle
            do_POST = _handle

        self._server = _Server((host, 0), Handler)
        self.host = host
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def route(self, path: str, handler: Callable[[Request], Reply | None]) -> None:
        self.routes[path] = handler

    def static(self, path: str, body: bytes | str, content_type: str, **headers: str) -> None:
        """Serve a fixed body at ``path``."""
        all_headers = {"Content-Type": content_type, **headers}
        self.routes[path] = lambda req: Reply(200, body, dict(all_headers))

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def hits(self, path: str) -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.path.split("?", 1)[0] == path)

    def __enter__(self) -> "LoopbackServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()


def listening(host: str, port: int) -> bool:
    """Whether a server (PostgreSQL, Redis, RabbitMQ) answers on host:port, for tests that need it."""
    import socket

    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError:
        return False

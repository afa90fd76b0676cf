"""Raw loopback servers, a canary, a fake resolver and a throwaway TLS certificate for the
guarded HTTP client tests. Everything listens on 127.0.0.0/8 or ::1 only."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
import time
from pathlib import Path
from typing import Callable

_real_getaddrinfo = socket.getaddrinfo


def ipv6_loopback_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


class RawServer:
    """A TCP listener; ``handler(conn, server)`` runs in its own thread for each connection.

    ``hits`` counts accepted connections, ``peak`` the most handled at the same time.
    Handlers that wait should wait on ``server.stopped`` so the test ends promptly.
    """

    def __init__(
        self,
        handler: Callable[[socket.socket, "RawServer"], None] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        accept: bool = True,
        backlog: int = 64,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(backlog)
        self.sock.settimeout(0.05)
        self.host, self.port = host, self.sock.getsockname()[1]
        self.handler = handler or (lambda conn, server: None)
        self.tls = tls
        self.accept = accept
        self.hits = 0
        self.active = 0
        self.peak = 0
        self.stopped = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def url(self, path: str = "/", *, scheme: str = "http", host: str | None = None) -> str:
        name = host or (f"[{self.host}]" if ":" in self.host else self.host)
        return f"{scheme}://{name}:{self.port}{path}"

    def _loop(self) -> None:
        while not self.stopped.is_set():
            if not self.accept:
                self.stopped.wait(0.05)
                continue
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            with self._lock:
                self.hits += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with self._lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            conn.settimeout(10)
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
            self.handler(conn, self)
        except (OSError, ssl.SSLError):
            pass
        finally:
            with self._lock:
                self.active -= 1
            try:
                conn.close()
            except OSError:
                pass

    def __enter__(self) -> "RawServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self._thread.join(2)
        self.sock.close()


def canary(host: str = "127.0.0.1", port: int = 0) -> RawServer:
    """A listener that must never see a connection: it only counts them."""
    return RawServer(None, host=host, port=port)


def read_head(conn: socket.socket) -> bytes:
    """Read one request head (up to the blank line)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def reply(
    body: bytes = b"ok", *, status: str = "200 OK", headers: tuple[str, ...] = ()
) -> Callable:
    """A handler answering every request on the connection with one fixed response."""
    head = f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n"
    head += "".join(f"{h}\r\n" for h in headers) + "\r\n"

    def handle(conn: socket.socket, server: RawServer) -> None:
        read_head(conn)
        conn.sendall(head.encode("latin-1") + body)

    return handle


def fake_dns(monkeypatch, answers: dict[str, Callable[[], list[str]] | list[str]]) -> list[str]:
    """Answer getaddrinfo for the given names; returns the log of names looked up."""
    looked_up: list[str] = []

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode() if isinstance(host, bytes) else host
        if name in answers and not flags & socket.AI_NUMERICHOST:
            looked_up.append(name)
            answer = answers[name]
            addresses = answer() if callable(answer) else answer
            result = []
            for address in addresses:
                if ":" in address:
                    family, sockaddr = socket.AF_INET6, (address, port or 0, 0, 0)
                else:
                    family, sockaddr = socket.AF_INET, (address, port or 0)
                result.append((family, socket.SOCK_STREAM, 6, "", sockaddr))
            return result
        return _real_getaddrinfo(host, port, family, type, proto, flags)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return looked_up


def make_certificate(folder: Path, *names: str) -> tuple[Path, Path] | None:
    """A self-signed certificate for ``names`` (None when no openssl binary is around)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    cert, key = folder / "cert.pem", folder / "key.pem"
    san = ",".join(f"DNS:{name}" for name in names)
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", f"/CN={names[0]}",
         "-addext", f"subjectAltName={san}"],
        check=True, capture_output=True, timeout=30,
    )
    return cert, key


class Timer:
    """Wall-clock measurement for ``with Timer() as t: ...; t.seconds``."""

    def __enter__(self) -> "Timer":
        self.start = time.monotonic()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.monotonic() - self.start

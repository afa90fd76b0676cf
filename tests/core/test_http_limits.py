"""Guarded HTTP client: total deadline, body and header caps, bombs, per-host limit
(reliability.md F5, F6, F7, F10). Deadlines are short so the suite stays fast."""

from __future__ import annotations

import gzip
import socket
import threading
import time
import tracemalloc
import zlib

import pytest

from tests.core.http_servers import RawServer, Timer, fake_dns, read_head
from wiredesk.core.http import FetchError, GuardedClient

LOOPBACK = ("127.0.0.1/32",)
DEADLINE = 2.0
MiB = 2**20


def refused(client: GuardedClient, url: str, **kwargs) -> FetchError:
    with pytest.raises(FetchError) as caught:
        client.get(url, **kwargs)
    return caught.value


# --- total deadline ---------------------------------------------------------------------------


def trickle_body(conn, srv):
    read_head(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
    while not srv.stopped.wait(1.0):  # one byte per second, forever
        conn.sendall(b"x")


def trickle_head(conn, srv):
    read_head(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    number = 0
    while not srv.stopped.wait(0.3):  # a header line every 0.3 s, never the blank line
        number += 1
        conn.sendall(f"X-Slow-{number}: y\r\n".encode())


def never_answer(conn, srv):
    read_head(conn)
    srv.stopped.wait(30)


def silent_after_accept(conn, srv):
    srv.stopped.wait(30)  # not even the request is read


@pytest.mark.parametrize("handler", [trickle_body, trickle_head, never_answer, silent_after_accept])
def test_slow_servers_are_cut_at_the_total_deadline(handler):
    with RawServer(handler) as srv, GuardedClient(allow_networks=LOOPBACK) as client:
        with Timer() as timer:
            error = refused(client, srv.url("/feed"), deadline=DEADLINE)
    assert error.code == "timeout"
    assert DEADLINE - 0.1 <= timer.seconds <= DEADLINE + 1.0


def test_tls_handshake_that_never_starts_is_cut_at_the_deadline():
    with RawServer(silent_after_accept) as srv, GuardedClient(allow_networks=LOOPBACK) as client:
        with Timer() as timer:
            error = refused(client, srv.url("/", scheme="https"), deadline=1.0)
    assert error.code == "timeout"
    assert timer.seconds <= 1.0 + 1.0


def test_slow_redirect_chain_shares_one_deadline():
    def slow_redirect(conn, srv):
        path = read_head(conn).split(b" ")[1]
        srv.stopped.wait(0.6)
        # The handler closes the connection when it returns; saying so keeps the client from
        # racing that close by sending the next hop on the same connection.
        conn.sendall(
            b"HTTP/1.1 302 Found\r\nLocation: %s/more\r\nContent-Length: 0\r\n"
            b"Connection: close\r\n\r\n" % path
        )

    with RawServer(slow_redirect) as srv, GuardedClient(allow_networks=LOOPBACK) as client:
        with Timer() as timer:
            error = refused(client, srv.url("/start"), deadline=1.5)
    assert error.code == "timeout"  # each hop is quick enough, the sum is not
    assert timer.seconds <= 1.5 + 1.0
    assert srv.hits == 3


def test_connect_timeout_when_the_listener_never_accepts():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    try:
        for _ in range(4):  # fill the accept queue so further SYNs are dropped
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        time.sleep(0.1)
        with GuardedClient(allow_networks=LOOPBACK, connect_timeout=0.5) as client:
            with Timer() as timer:
                error = refused(client, f"http://127.0.0.1:{port}/", deadline=DEADLINE)
    finally:
        for filler in fillers:
            filler.close()
        listener.close()
    assert error.code == "timeout" and "connect" in error.message
    assert timer.seconds <= 0.5 + 1.0


def test_slow_dns_counts_against_the_deadline(monkeypatch):
    def slow():
        time.sleep(3)
        return ["127.0.0.1"]

    fake_dns(monkeypatch, {"slow-dns.test": slow})
    with GuardedClient(allow_networks=LOOPBACK) as client, Timer() as timer:
        error = refused(client, "http://slow-dns.test/", deadline=1.0)
    assert error.code == "timeout" and "DNS" in error.message
    assert timer.seconds <= 1.0 + 1.0


# --- per-host concurrency ---------------------------------------------------------------------


class HeldRequests:
    """A handler that holds every request until the test lets it go, counting those in flight.

    A request counts from the moment its head is read (the client holds its host slot: it
    sent it) until just before its answer is sent (the client still holds its slot: it has
    not read it). So the count can never exceed what the client really has in flight, however
    slowly any thread runs. Counting connection handlers instead (RawServer.peak) also counts
    handlers still finishing after the client got its answer, released its slot and started
    the next fetch: on a loaded machine that read 3 for a limit of 2.
    """

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.in_flight = self.peak = self.answered = self.released = 0
        self.gate = threading.Semaphore(0)

    def __call__(self, conn, srv) -> None:
        read_head(conn)
        with self.changed:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            self.changed.notify_all()
        if not self.gate.acquire(timeout=30):  # only when the test itself failed
            return
        with self.changed:
            self.in_flight -= 1
            self.answered += 1
            self.changed.notify_all()
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")

    def release_one_when(self, in_flight: int) -> None:
        """Wait until every released request is answered and ``in_flight`` are held; free one."""
        with self.changed:
            settled = self.changed.wait_for(
                lambda: self.answered == self.released and self.in_flight == in_flight, timeout=30
            )
            assert settled, f"{self.in_flight} in flight, {self.answered}/{self.released} answered"
            self.released += 1
        self.gate.release()


def test_per_host_limit_caps_requests_in_flight():
    fetches, limit = 8, 2
    held = HeldRequests()
    with RawServer(held) as srv, GuardedClient(allow_networks=LOOPBACK, per_host=limit) as client:
        results: list[object] = []
        started = threading.Barrier(fetches + 1)

        def work():
            started.wait()
            try:
                results.append(client.get(srv.url("/feed"), deadline=60).content)
            except FetchError as exc:  # pragma: no cover - reported by the assertion below
                results.append(exc)

        threads = [threading.Thread(target=work) for _ in range(fetches)]
        for thread in threads:
            thread.start()
        started.wait()  # every fetch is under way before the first answer
        # Released one at a time, each only when the limit's worth of requests is waiting at
        # the server: the fetches overlap as much as the client lets them, whatever the speed.
        for answered in range(fetches):
            held.release_one_when(min(limit, fetches - answered))
        for thread in threads:
            thread.join()
    assert results == [b"ok"] * fetches
    assert held.peak == limit
    assert srv.hits == fetches


def test_waiting_for_a_host_slot_counts_against_the_deadline():
    arrived = threading.Event()

    def hold(conn, srv):
        read_head(conn)
        arrived.set()
        srv.stopped.wait(3)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")

    with RawServer(hold) as srv, GuardedClient(allow_networks=LOOPBACK, per_host=1) as client:
        holder = threading.Thread(target=lambda: refused(client, srv.url("/slow"), deadline=1.5))
        holder.start()
        assert arrived.wait(10)  # the holder has its slot: its request reached the server
        with Timer() as timer:
            error = refused(client, srv.url("/other"), deadline=0.8)
        holder.join()
    assert error.code == "timeout" and "slot" in error.message
    assert timer.seconds >= 0.7
    assert srv.hits == 1  # the second fetch never connected


# --- body size ------------------------------------------------------------------------------


def test_declared_oversize_body_is_refused_before_reading():
    sent = []

    def huge(conn, srv):
        read_head(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 52428800\r\n\r\n")
        block = b"x" * 65536
        try:
            for _ in range(800):
                conn.sendall(block)
                sent.append(len(block))
        except OSError:
            pass

    with RawServer(huge) as srv, GuardedClient(allow_networks=LOOPBACK) as client:
        with Timer() as timer:
            error = refused(client, srv.url("/big"))
    assert error.code == "too_large" and "Content-Length" in error.message
    assert timer.seconds < 1.0
    assert sum(sent) < 50 * MiB


def stream_chunked(total: int, *, encoder=None, content_encoding: str | None = None):
    """A handler streaming ``total`` bytes of zeros chunked, generated as it goes."""

    def handler(conn, srv):
        read_head(conn)
        head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/xml\r\n"
        if content_encoding:
            head += f"Content-Encoding: {content_encoding}\r\n"
        conn.sendall(head.encode() + b"\r\n")
        block = bytes(MiB)
        squeezer = encoder() if encoder else None
        for _ in range(total // MiB):
            data = squeezer.compress(block) if squeezer else block
            if data:
                conn.sendall(b"%x\r\n%s\r\n" % (len(data), data))
        if squeezer:
            data = squeezer.flush()
            conn.sendall(b"%x\r\n%s\r\n" % (len(data), data))
        conn.sendall(b"0\r\n\r\n")

    return handler


def peak_during(action) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_chunked_body_without_length_is_cut_at_the_cap():
    cap = 4 * MiB
    client = GuardedClient(allow_networks=LOOPBACK, max_bytes=cap)
    with RawServer(stream_chunked(50 * MiB)) as srv, client:
        errors = []
        with Timer() as timer:
            peak = peak_during(lambda: errors.append(refused(client, srv.url("/endless"))))
    assert errors[0].code == "too_large"
    assert timer.seconds < 3
    assert peak < 3 * cap


def answer(body: bytes, *headers: str):
    """A raw handler (aborted reads reset the connection: no LoopbackServer noise)."""
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n"
    head += "".join(f"{h}\r\n" for h in headers)

    def handler(conn, srv):
        while read_head(conn):
            conn.sendall(head.encode() + b"\r\n" + body)

    return handler


def test_body_at_the_cap_is_accepted():
    with RawServer(answer(b"a" * 1000)) as srv:
        with GuardedClient(allow_networks=LOOPBACK, max_bytes=1000) as client:
            assert len(client.get(srv.url("/exact")).content) == 1000
            assert refused(client, srv.url("/exact"), max_bytes=999).code == "too_large"


def test_lying_content_length_short_gives_only_the_declared_bytes():
    def liar(conn, srv):
        read_head(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"y" * 1000)
        try:
            for _ in range(800):  # then 50 MB more than declared
                conn.sendall(bytes(65536))
        except OSError:
            pass

    with RawServer(liar) as srv, GuardedClient(allow_networks=LOOPBACK) as client, Timer() as timer:
        fetched = client.get(srv.url("/liar"))
    assert fetched.content == b"y" * 1000
    assert timer.seconds < 2


def test_lying_content_length_long_is_an_incomplete_body():
    def liar(conn, srv):
        read_head(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"y" * 100)

    with RawServer(liar) as srv, GuardedClient(allow_networks=LOOPBACK) as client:
        error = refused(client, srv.url("/liar"))
    assert error.code == "bad_response"


# --- decompression bombs (measured after decoding) ----------------------------------------------


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """About 1 MiB of gzip that inflates to 1 GiB: 16 members of 64 MiB of zeros each."""
    squeezer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(MiB)
    member = b"".join(squeezer.compress(block) for _ in range(64)) + squeezer.flush()
    return member * 16


@pytest.mark.parametrize("stacked", [False, True])
def test_gzip_bomb_stops_at_the_cap_with_bounded_memory(gzip_bomb, stacked):
    body = gzip.compress(gzip_bomb, 9) if stacked else gzip_bomb
    encoding = "gzip, gzip" if stacked else "gzip"
    assert len(body) < 1.1 * MiB
    cap = 4 * MiB
    with RawServer(answer(body, f"Content-Encoding: {encoding}")) as srv:
        with GuardedClient(allow_networks=LOOPBACK, max_bytes=cap) as client:
            errors = []
            with Timer() as timer:
                peak = peak_during(lambda: errors.append(refused(client, srv.url("/bomb"))))
    assert errors[0].code == "too_large" and "decoded" in errors[0].message
    assert timer.seconds < 2
    assert peak < 2 * cap + 2 * MiB  # nowhere near the 1 GiB it would inflate to


def test_streamed_deflate_bomb_with_the_default_cap():
    handler = stream_chunked(
        1024 * MiB, encoder=lambda: zlib.compressobj(9), content_encoding="deflate"
    )
    with RawServer(handler) as srv, GuardedClient(allow_networks=LOOPBACK) as client:
        errors = []
        with Timer() as timer:
            peak = peak_during(lambda: errors.append(refused(client, srv.url("/bomb"))))
    assert errors[0].code == "too_large"
    assert timer.seconds < 3
    assert peak < 2 * client.max_bytes + 4 * MiB


# --- response header size ---------------------------------------------------------------------


def headers_of(size_line: bytes, count: int):
    def handler(conn, srv):
        read_head(conn)
        try:
            head = b"HTTP/1.1 200 OK\r\n" + size_line * count
            conn.sendall(head + b"Content-Length: 2\r\n\r\nok")
        except OSError:
            pass

    return handler


@pytest.mark.parametrize(
    "line, count, limit",
    [
        (b"X-Big: " + b"a" * 1000 + b"\r\n", 1000, 256 * 1024),  # 1 MB of headers
        (b"X-A: b\r\n", 10000, 256 * 1024),  # 10,000 header lines (80 KB, h11 takes it)
        (b"X-A: b\r\n", 10000, 16 * 1024),  # the same against a smaller configured cap
        (b"X-Huge: " + b"a" * 300000 + b"\r\n", 1, 256 * 1024),  # one enormous line
    ],
)
def test_oversized_response_headers_fail_cleanly(line, count, limit):
    with RawServer(headers_of(line, count)) as srv:
        with GuardedClient(allow_networks=LOOPBACK, max_header_bytes=limit) as client:
            if len(line) * count <= min(limit, 100 * 1024):
                assert client.get(srv.url("/")).content == b"ok"
                return
            error = refused(client, srv.url("/"))
    assert error.code == "too_large" and "header" in error.message

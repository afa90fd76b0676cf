"""Every error code the fetch and parse stages can produce is stored once, at the front.

One real scenario per code (loopback servers, a real TLS handshake, the real client), each
run through ``source_refresh``: the source's ``last_error`` is ``"<code>: <sentence>"`` with
the code exactly once. The scenario tables must cover the stages' code sets, so a new code
without a scenario fails here.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import struct

import pytest

from tests.core.http_servers import RawServer, fake_dns, make_certificate, read_head
from tests.ingest.test_refresh_bad_input import BILLION_LAUGHS
from tests.ingest.test_refresh_e2e import NOW, make_source
from tests.loopback import LoopbackServer, Reply
from wiredesk.core.http import GuardedClient
from wiredesk.core.http.errors import CODES as FETCH_CODES
from wiredesk.ingest.formats.errors import CODES as PARSE_CODES
from wiredesk.ingest.services import source_refresh

pytestmark = pytest.mark.django_db

LOOPBACK = ("127.0.0.1/32",)
RSS = "application/rss+xml"


def answer(raw: bytes):
    def handler(conn, srv):
        read_head(conn)
        conn.sendall(raw)

    return handler


def plain_http_to_tls(conn, srv):
    conn.recv(4096)  # the ClientHello, answered as if it were a request
    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")


def reset_mid_body(conn, srv):
    read_head(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n<rss>")
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with RST


def served(stack, body: bytes | str, content_type: str = RSS, status: int = 200, **headers: str) -> str:
    srv = stack.enter_context(LoopbackServer())
    srv.route("/feed", lambda req: Reply(status, body, {"Content-Type": content_type, **headers}))
    return srv.url("/feed")


def raw(stack, handler, **kwargs) -> RawServer:
    return stack.enter_context(RawServer(handler, **kwargs))


@pytest.fixture(scope="module")
def tls_context(tmp_path_factory):
    files = make_certificate(tmp_path_factory.mktemp("tls"), "wire.test")
    if files is None:
        pytest.skip("openssl binary not available")
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(*files)
    return server, ssl.create_default_context(cafile=str(files[0]))


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def deep_json() -> bytes:
    nested = "[" * 40 + "]" * 40
    return f'{{"version": "https://jsonfeed.org/version/1.1", "title": "D", "items": [{{"id": "1", "x": {nested}}}]}}'.encode()


# Each scenario: (stack, env) -> (feed URL, client options, source fields).
FETCH_SCENARIOS = {
    "bad_url": lambda stack, env: ("http://exa_mple!.test/feed", {}, {}),
    "bad_scheme": lambda stack, env: ("ftp://files.example/feed.xml", {}, {}),
    "blocked_address": lambda stack, env: ("http://10.20.30.40/feed", {}, {}),
    "insecure_redirect": lambda stack, env: (
        raw(stack, answer(b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1/feed\r\nContent-Length: 0\r\n\r\n"),
            tls=env["tls"][0]).url("/feed", scheme="https", host="wire.test"),
        {"ssl_context": env["tls"][1]}, {},
    ),
    "bad_redirect": lambda stack, env: (served(stack, b"", status=302), {}, {}),
    "too_many_redirects": lambda stack, env: (served(stack, b"", status=307, Location="/feed?again"), {}, {}),
    "timeout": lambda stack, env: (raw(stack, lambda conn, srv: srv.stopped.wait(30)).url("/feed"), {"deadline": 0.5}, {}),
    "dns_error": lambda stack, env: ("http://nowhere.test/feed", {}, {}),
    "connect_error": lambda stack, env: (f"http://127.0.0.1:{closed_port()}/feed", {}, {}),
    "network_error": lambda stack, env: (raw(stack, reset_mid_body).url("/feed"), {}, {}),
    "tls_error": lambda stack, env: (raw(stack, plain_http_to_tls).url("/feed", scheme="https"), {}, {}),
    "too_large": lambda stack, env: (served(stack, b"<rss>" + b" " * 5000), {"max_bytes": 1000}, {}),
    "bad_encoding": lambda stack, env: (served(stack, b"not gzip at all", **{"Content-Encoding": "gzip"}), {}, {}),
    "bad_response": lambda stack, env: (raw(stack, answer(b"this is not HTTP\r\n\r\n")).url("/feed"), {}, {}),
    "http_status": lambda stack, env: (served(stack, b"missing", "text/plain", status=404), {}, {}),
    "rate_limited": lambda stack, env: (served(stack, b"", "text/plain", status=429, **{"Retry-After": "120"}), {}, {}),
    "gone": lambda stack, env: (served(stack, b"", "text/plain", status=410), {}, {}),
}
PARSE_SCENARIOS = {
    "empty_body": lambda stack, env: (served(stack, b""), {}, {}),
    "not_a_feed": lambda stack, env: (served(stack, b"<!DOCTYPE html><html><body>Hi</body></html>", "text/html"), {}, {}),
    "malformed": lambda stack, env: (served(stack, b"<rss><channel><title>broken</title><item><title>a</ti"), {}, {}),
    "xml_entities": lambda stack, env: (served(stack, BILLION_LAUGHS), {}, {}),
    "bad_encoding": lambda stack, env: (served(stack, b'<?xml version="1.0" encoding="UTF-7"?><rss/>'), {}, {}),
    "too_deep": lambda stack, env: (served(stack, deep_json(), "application/feed+json"), {}, {}),
    "unknown_format": lambda stack, env: (served(stack, b"<rss/>"), {}, {"format": "newsml"}),
}


def test_every_code_has_a_scenario():
    assert set(FETCH_SCENARIOS) == FETCH_CODES
    assert set(PARSE_SCENARIOS) == PARSE_CODES
    assert json.dumps(sorted(FETCH_CODES | PARSE_CODES))  # plain strings, storable


@pytest.mark.parametrize(
    "stage, code",
    [("fetch", c) for c in sorted(FETCH_SCENARIOS)] + [("parse", c) for c in sorted(PARSE_SCENARIOS)],
)
def test_stored_error_states_its_code_once(stage, code, tls_context, monkeypatch):
    def no_such_name():
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    fake_dns(monkeypatch, {"nowhere.test": no_such_name, "wire.test": ["127.0.0.1"]})
    scenario = (FETCH_SCENARIOS if stage == "fetch" else PARSE_SCENARIOS)[code]
    with contextlib.ExitStack() as stack:
        url, options, fields = scenario(stack, {"tls": tls_context})
        client = stack.enter_context(GuardedClient(**{"allow_networks": LOOPBACK, "deadline": 5, **options}))
        source = make_source(url, name=f"{stage} {code}")
        if fields:
            type(source).objects.filter(id=source.id).update(**fields)
        report = source_refresh(source_id=source.id, client=client, now=NOW)
    source.refresh_from_db()
    assert report.status == "error", report
    assert source.last_error.startswith(f"{code}: "), source.last_error
    assert source.last_error.count(f"{code}:") == 1, source.last_error
    assert len(source.last_error) > len(code) + 5  # a sentence follows the code

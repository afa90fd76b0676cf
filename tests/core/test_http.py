"""Guarded HTTP client: responses, conditional GET, status codes, redirects, content codings.

Limits (deadline, size, per-host) are in test_http_limits.py, address checks in
test_http_ssrf.py. All servers are real and listen on loopback.
"""

from __future__ import annotations

import gzip
import socket
import subprocess
import sys
import zlib
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from tests.core.http_servers import RawServer, fake_dns, read_head
from tests.loopback import LoopbackServer, Reply
from wiredesk.core import http as http_module
from wiredesk.core.http import FetchError, GuardedClient, client_from_settings, parse_retry_after
from wiredesk.core.http.decoding import Decoder

LOOPBACK = ("127.0.0.1/32",)


@pytest.fixture(scope="module")
def shared_server():
    with LoopbackServer() as srv:  # one per module: stopping a LoopbackServer takes 0.5 s
        yield srv


@pytest.fixture
def server(shared_server):
    shared_server.routes.clear()
    shared_server.requests.clear()
    yield shared_server


@pytest.fixture
def client():
    with GuardedClient(allow_networks=LOOPBACK, deadline=5.0) as guarded:
        yield guarded


def fetch_error(client: GuardedClient, url: str, **kwargs) -> FetchError:
    with pytest.raises(FetchError) as caught:
        client.get(url, **kwargs)
    return caught.value


# --- a plain answer ------------------------------------------------------------------------


def test_fields_of_a_plain_answer(server, client):
    server.static(
        "/feed.xml", "<rss/>", "application/RSS+xml; charset=\"ISO-8859-1\"",
        ETag='W/"a b"', **{"Last-Modified": "Tue, 15 Nov 1994 12:45:26 GMT", "X-Thing": "one"},
    )
    fetched = client.get(server.url("/feed.xml"))
    assert fetched.status == 200
    assert fetched.content == b"<rss/>"
    assert fetched.url == server.url("/feed.xml")
    assert fetched.content_type == "application/rss+xml"
    assert fetched.charset == "iso-8859-1"
    assert fetched.etag == 'W/"a b"'
    assert fetched.last_modified == "Tue, 15 Nov 1994 12:45:26 GMT"
    assert fetched.not_modified is False
    assert fetched.permanent_url is None
    assert fetched.redirects == 0
    assert 0 < fetched.elapsed < 5
    assert ("x-thing", "one") in fetched.headers
    assert all(name == name.lower() for name, _ in fetched.headers)
    assert fetched.header("X-THING") == "one"
    assert fetched.header("x-missing") is None


def test_request_headers_sent(server):
    server.static("/a", "ok", "text/plain")
    agent = "wiredesk-test/9 (+ops@example.org)"
    with GuardedClient(allow_networks=LOOPBACK, user_agent=agent) as c:
        c.get(server.url("/a"))
        c.get(server.url("/a?x=1#frag"), accept="application/atom+xml, */*;q=0.1")
    first, second = server.requests
    assert first.headers["user-agent"] == agent
    assert first.headers["accept-encoding"] == "gzip, deflate"
    assert first.headers["accept"] == "*/*"
    assert first.headers["host"] == f"127.0.0.1:{server.port}"
    assert "if-none-match" not in first.headers and "cookie" not in first.headers
    assert second.path == "/a?x=1"
    assert second.headers["accept"] == "application/atom+xml, */*;q=0.1"


def test_default_user_agent_is_set(server, client):
    server.static("/a", "ok", "text/plain")
    client.get(server.url("/a"))
    assert server.requests[0].headers["user-agent"] == "wiredesk/0.1"


def test_empty_body_and_no_content_type(server, client):
    server.route("/empty", lambda req: Reply(200, b"", {}))
    fetched = client.get(server.url("/empty"))
    assert fetched.content == b""
    assert fetched.content_type == "" and fetched.charset is None


# --- conditional GET (RFC 9110 13.1, RFC 9111 4.3) -------------------------------------------


def test_conditional_get_sends_validators_verbatim_and_maps_304(server, client):
    etag, modified = 'W/"xyz-\\"1\\""', "Sat, 01 Jan 2000 00:00:00 GMT"

    def handler(req):
        sent = req.headers
        if sent.get("if-none-match") == etag and sent.get("if-modified-since") == modified:
            return Reply(304, b"", {"ETag": etag})
        return Reply(200, b"<rss/>", {"ETag": etag, "Last-Modified": modified})

    server.route("/feed", handler)
    first = client.get(server.url("/feed"))
    again = client.get(server.url("/feed"), etag=first.etag, last_modified=first.last_modified)
    assert first.content == b"<rss/>" and first.etag == etag and first.last_modified == modified
    assert again.not_modified is True
    assert again.status == 304
    assert again.content == b""
    assert again.etag == etag
    assert server.requests[1].headers["if-none-match"] == etag
    assert server.requests[1].headers["if-modified-since"] == modified


def test_unsendable_stored_validators_are_dropped_not_injected(server, client):
    server.static("/a", "ok", "text/plain")
    fetched = client.get(server.url("/a"), etag='"x"\r\nX-Injected: 1', last_modified="\x00")
    assert fetched.content == b"ok"
    sent = server.requests[0].headers
    assert not {"x-injected", "if-none-match", "if-modified-since"} & set(sent)


# --- status codes ----------------------------------------------------------------------------


def test_429_with_retry_after_seconds(server, client):
    server.route("/feed", lambda req: Reply(429, b"slow down", {"Retry-After": "120"}))
    error = fetch_error(client, server.url("/feed"))
    assert (error.code, error.status, error.retry_after) == ("rate_limited", 429, 120.0)
    assert error.url == server.url("/feed")


def test_503_with_retry_after_http_date(server, client):
    when = datetime.now(timezone.utc) + timedelta(seconds=90)
    header = {"Retry-After": format_datetime(when, usegmt=True)}
    server.route("/feed", lambda req: Reply(503, b"", header))
    error = fetch_error(client, server.url("/feed"))
    assert error.code == "rate_limited" and error.status == 503
    assert 85 <= error.retry_after <= 91


def test_429_without_retry_after(server, client):
    server.route("/feed", lambda req: Reply(429, b""))
    error = fetch_error(client, server.url("/feed"))
    assert error.code == "rate_limited" and error.retry_after is None


def test_410_is_gone(server, client):
    server.route("/feed", lambda req: Reply(410, b"bye"))
    error = fetch_error(client, server.url("/feed"))
    assert (error.code, error.status) == ("gone", 410)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 500, 502, 300])
def test_other_errors_are_http_status(server, client, status):
    server.route("/feed", lambda req: Reply(status, b"no"))
    error = fetch_error(client, server.url("/feed"))
    assert (error.code, error.status) == ("http_status", status)
    assert str(status) in error.message


NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("1.5", 1.5),
        ("-5", 0.0),
        ("315360000", 315360000.0),  # ten years: returned as is, the caller clamps
        ("Thu, 01 Jan 2026 12:01:30 GMT", 90.0),
        ("Thursday, 01-Jan-26 12:01:30 GMT", 90.0),  # obsolete RFC 850 form
        ("Thu, 01 Jan 2026 11:00:00 GMT", 0.0),  # in the past
        ("Sun, 01 Jan 2036 12:00:00 GMT", 315532800.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value, now=NOW) == expected


# --- redirects -------------------------------------------------------------------------------


def test_permanent_redirect_chain_sets_permanent_url(server, client):
    server.route("/old", lambda req: Reply(301, b"", {"Location": "/older"}))
    server.route("/older", lambda req: Reply(308, b"", {"Location": server.url("/new")}))
    server.static("/new", "<feed/>", "application/atom+xml")
    fetched = client.get(server.url("/old"))
    assert fetched.content == b"<feed/>"
    assert fetched.url == server.url("/new")
    assert fetched.redirects == 2
    assert fetched.permanent_url == server.url("/new")


@pytest.mark.parametrize("temporary", [302, 303, 307])
def test_any_temporary_hop_means_no_permanent_url(server, client, temporary):
    server.route("/a", lambda req: Reply(301, b"", {"Location": "/b"}))
    server.route("/b", lambda req: Reply(temporary, b"", {"Location": "/c"}))
    server.static("/c", "ok", "text/plain")
    fetched = client.get(server.url("/a"))
    assert fetched.url == server.url("/c") and fetched.redirects == 2
    assert fetched.permanent_url is None


def test_permanent_redirect_to_an_error_raises(server, client):
    server.route("/a", lambda req: Reply(301, b"", {"Location": "/missing"}))
    error = fetch_error(client, server.url("/a"))
    assert error.code == "http_status" and error.status == 404


def test_redirect_keeps_validators(server, client):
    server.route("/a", lambda req: Reply(302, b"", {"Location": "/b"}))
    server.route("/b", lambda req: Reply(304, b""))
    fetched = client.get(server.url("/a"), etag='"v1"')
    assert fetched.not_modified and fetched.url == server.url("/b")
    assert server.requests[1].headers["if-none-match"] == '"v1"'


def test_same_host_redirect_reuses_the_connection(client):
    def handler(conn, srv):
        while True:
            head = read_head(conn)
            if not head:
                return
            if head.startswith(b"GET /a "):
                conn.sendall(b"HTTP/1.1 301 Moved\r\nLocation: /b\r\nContent-Length: 1\r\n\r\nm")
            else:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    with RawServer(handler) as srv:
        assert client.get(srv.url("/a")).content == b"ok"
        assert client.get(srv.url("/b")).content == b"ok"
    assert srv.hits == 1  # one TCP connection for three requests


def test_redirect_without_location(server, client):
    server.route("/a", lambda req: Reply(302, b""))
    assert fetch_error(client, server.url("/a")).code == "bad_redirect"


def test_redirect_loop_stops(server, client):
    server.route("/a", lambda req: Reply(302, b"", {"Location": "/b"}))
    server.route("/b", lambda req: Reply(302, b"", {"Location": "/a"}))
    error = fetch_error(client, server.url("/a"))
    assert error.code == "too_many_redirects"
    assert server.hits("/a") == 1 and server.hits("/b") == 1


def test_thirty_hop_chain_stops_at_the_limit(server, client):
    for hop in range(30):
        server.route(f"/r{hop}", lambda req, hop=hop: Reply(301, b"", {"Location": f"/r{hop + 1}"}))
    server.static("/r30", "end", "text/plain")
    error = fetch_error(client, server.url("/r0"))
    assert error.code == "too_many_redirects"
    assert len(server.requests) == client.max_redirects + 1 == 6  # the first request + 5 hops
    assert server.hits("/r6") == 0


def test_max_redirects_zero(server):
    server.route("/a", lambda req: Reply(301, b"", {"Location": "/b"}))
    server.static("/b", "x", "text/plain")
    with GuardedClient(allow_networks=LOOPBACK, max_redirects=0) as c:
        assert fetch_error(c, server.url("/a")).code == "too_many_redirects"
    assert server.hits("/b") == 0


# --- content codings -------------------------------------------------------------------------


def _gzip(data: bytes) -> bytes:
    # No timestamp in the header: these bytes name parametrized tests, and the suite's
    # processes (pytest-xdist) must collect the same names.
    return gzip.compress(data, mtime=0)


TEXT = b"<rss>" + b"wire copy " * 20000 + b"</rss>"


def raw_deflate(data: bytes) -> bytes:
    squeezer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return squeezer.compress(data) + squeezer.flush()


@pytest.mark.parametrize(
    "encoding, body",
    [
        ("gzip", _gzip(TEXT)),
        ("x-gzip", _gzip(TEXT)),
        ("GZIP", _gzip(TEXT[:50000]) + _gzip(TEXT[50000:])),  # two members
        ("deflate", zlib.compress(TEXT)),
        ("deflate", raw_deflate(TEXT)),
        ("gzip, gzip", _gzip(_gzip(TEXT))),
        ("deflate, gzip", _gzip(zlib.compress(TEXT))),
        ("identity", TEXT),
        ("gzip", _gzip(TEXT) + b"\0\0\0"),  # zero padding after the member
    ],
)
def test_content_codings_are_decoded(server, client, encoding, body):
    server.route("/f", lambda req: Reply(200, body, {"Content-Encoding": encoding}))
    assert client.get(server.url("/f")).content == TEXT


@pytest.mark.parametrize(
    "encoding, body",
    [
        ("br", b"\x0b\x02\x80hello\x03"),
        ("compress", b"x"),
        ("zstd", b"x"),
        ("gzip, gzip, gzip", _gzip(_gzip(_gzip(b"x")))),
        ("gzip", _gzip(TEXT)[:-20]),  # truncated
        ("gzip", b"this is not gzip at all"),
        ("deflate", b"\xff\xff\xff\xff garbage"),
        ("gzip", _gzip(b"a") + b"trailing junk"),
    ],
)
def test_bad_or_unknown_codings_are_refused(server, client, encoding, body):
    server.route("/f", lambda req: Reply(200, body, {"Content-Encoding": encoding}))
    assert fetch_error(client, server.url("/f")).code == "bad_encoding"


@pytest.mark.parametrize("step", [1, 7, 65536])
def test_decoder_is_independent_of_chunk_boundaries(step):
    for encoding, body in [
        ("deflate", zlib.compress(TEXT)),
        ("deflate", raw_deflate(TEXT)),
        ("gzip", _gzip(TEXT[:1000]) + _gzip(TEXT[1000:])),
        ("gzip, gzip", _gzip(_gzip(TEXT))),
    ]:
        decoder = Decoder(encoding)
        pieces = [p for i in range(0, len(body), step) for p in decoder.feed(body[i : i + step])]
        pieces += list(decoder.finish())
        assert b"".join(pieces) == TEXT
        assert max(len(p) for p in pieces) <= 64 * 1024


# --- malformed servers, refused connections, DNS failures ------------------------------------


def test_non_http_answer_is_a_bad_response(client):
    def garbage(conn, srv):
        read_head(conn)
        conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")

    with RawServer(garbage) as srv:
        error = fetch_error(client, srv.url("/"))
    assert error.code == "bad_response"


def test_server_closing_at_once_is_a_clean_error(client):
    with RawServer(lambda conn, srv: None) as srv:
        error = fetch_error(client, srv.url("/"))
    assert error.code in ("bad_response", "network_error")


def test_refused_connection(client):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once closed
    assert fetch_error(client, f"http://127.0.0.1:{port}/").code == "connect_error"


def test_unknown_host_is_a_dns_error(monkeypatch, client):
    def fail():
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    fake_dns(monkeypatch, {"nowhere.test": fail})
    error = fetch_error(client, "http://nowhere.test/feed")
    assert error.code == "dns_error" and "nowhere.test" in error.message


@pytest.mark.parametrize("url", ["http://", "http://[::1/", "http://exa mple.com/", "https://:80/"])
def test_malformed_urls(client, url):
    assert fetch_error(client, url).code in ("bad_url", "blocked_address")


# --- settings ----------------------------------------------------------------------------------


def test_import_does_not_touch_django_settings():
    code = "import sys, wiredesk.core.http; assert 'django.conf' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_client_from_settings_is_built_once_from_fetch(settings, monkeypatch):
    monkeypatch.setattr(http_module.client, "_shared", None)
    settings.FETCH = {
        "allow_networks": ("10.0.0.0/8", "feeds.internal"),
        "connect_timeout": 3.0,
        "deadline": 7.0,
        "max_bytes": 1234,
        "max_redirects": 2,
        "per_host": 3,
        "user_agent": "wiredesk-settings/1",
    }
    first = client_from_settings()
    try:
        assert first is client_from_settings()
        assert (first.deadline, first.max_bytes, first.max_redirects) == (7.0, 1234, 2)
        assert first.connect_timeout == 3.0 and first.user_agent == "wiredesk-settings/1"
    finally:
        first.close()
        monkeypatch.setattr(http_module.client, "_shared", None)

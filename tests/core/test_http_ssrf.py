"""Guarded HTTP client: only public addresses, checked on the address actually connected to,
on every redirect hop (reliability.md F1-F3, F11). A canary listener proves nothing was sent.
"""

from __future__ import annotations

import ipaddress
import itertools
import ssl
import threading

import pytest

from tests.core.http_servers import (
    RawServer,
    Timer,
    canary,
    fake_dns,
    ipv6_loopback_available,
    make_certificate,
    read_head,
    reply,
)
from tests.loopback import LoopbackServer, Reply
from wiredesk.core.http import FetchError, GuardedClient
from wiredesk.core.http.addresses import AddressPolicy, non_public_reason


@pytest.fixture(scope="module")
def server():
    with LoopbackServer() as srv:  # one per module: stopping a LoopbackServer takes 0.5 s
        yield srv


def refused(client: GuardedClient, url: str) -> FetchError:
    with pytest.raises(FetchError) as caught:
        client.get(url)
    return caught.value


# --- the address table -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "127.255.255.254", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
        "169.254.169.254", "100.64.0.1", "100.127.255.254", "0.0.0.0", "0.1.2.3", "224.0.0.1",
        "239.255.255.250", "240.0.0.1", "255.255.255.255", "192.0.0.8", "198.18.0.1", "192.0.2.1",
        "::", "::1", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "fec0::1", "::ffff:127.0.0.1",
        "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::127.0.0.1", "64:ff9b::7f00:1",
        "64:ff9b::a9fe:a9fe", "2002:7f00:1::1", "2002:a00:1::1", "2001:db8::1", "2001::1",
    ],
)
def test_non_public_addresses_are_flagged(address):
    assert non_public_reason(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "1.1.1.1", "93.184.215.14", "2606:4700:4700::1111", "2a00:1450:4001::200e",
     "::ffff:8.8.8.8", "64:ff9b::808:808"],
)
def test_public_addresses_pass(address):
    assert non_public_reason(ipaddress.ip_address(address)) is None


def test_allowlist_is_exact():
    policy = AddressPolicy(("127.0.0.1/32", "10.0.0.0/8", "Wire.Internal."))
    assert policy.permits(ipaddress.ip_address("127.0.0.1"), "x")
    assert policy.permits(ipaddress.ip_address("::ffff:127.0.0.1"), "x")
    assert policy.permits(ipaddress.ip_address("10.9.8.7"), "x")
    assert policy.permits(ipaddress.ip_address("192.168.0.1"), "wire.internal")
    assert not policy.permits(ipaddress.ip_address("127.0.0.2"), "x")
    assert not policy.permits(ipaddress.ip_address("::1"), "x")
    assert not policy.permits(ipaddress.ip_address("192.168.0.1"), "other.internal")
    assert AddressPolicy("127.0.0.1/32, localhost").names == frozenset({"localhost"})


# --- literal targets: refused before any connection ---------------------------------------------

SCHEMES = ["file:///etc/passwd", "ftp://{h}:{p}/", "gopher://{h}:{p}/_GET%20/",
           "data:text/plain,hi", "javascript:alert(1)", "JavaScript://{h}:{p}/%0Aalert(1)",
           "//{h}:{p}/", "/relative",
           "ws://{h}:{p}/", "dict://{h}:{p}/"]


@pytest.mark.parametrize("template", SCHEMES)
def test_other_schemes_are_refused_before_connecting(template):
    with canary() as trap, GuardedClient(allow_networks=("127.0.0.1/32",)) as client:
        error = refused(client, template.format(h="127.0.0.1", p=trap.port))
    assert error.code == "bad_scheme"
    assert trap.hits == 0


LOOPBACK_FORMS = ["127.0.0.1", "2130706433", "0177.0.0.1", "0x7f.0.0.1", "0x7f000001",
                  "127.1", "017700000001", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "localhost",
                  "localhost.", "LOCALHOST", "feeds.localhost", "0.0.0.0", "0", "127.000.000.001"]


@pytest.mark.parametrize("host", LOOPBACK_FORMS)
def test_loopback_in_every_spelling_is_refused_and_nothing_is_sent(host):
    # The canary listens on all of 127.0.0.1 (0.0.0.0 and friends reach it on Linux).
    with canary() as trap, GuardedClient() as client:
        error = refused(client, f"http://{host}:{trap.port}/feed")
    assert error.code in ("blocked_address", "bad_url"), error
    assert error.code == "blocked_address" or host == "127.000.000.001"
    assert trap.hits == 0


@pytest.mark.skipif(not ipv6_loopback_available(), reason="no IPv6 loopback")
@pytest.mark.parametrize("host", ["[::1]", "[0:0:0:0:0:0:0:1]", "[::]", "localhost"])
def test_ipv6_loopback_is_refused(host):
    with canary("::1") as trap, GuardedClient(allow_networks=("127.0.0.1/32",)) as client:
        error = refused(client, f"http://{host}:{trap.port}/")
    # localhost also means 127.0.0.1, which is allowed here but has no listener: ::1 is skipped.
    assert error.code == ("connect_error" if host == "localhost" else "blocked_address")
    assert trap.hits == 0


@pytest.mark.parametrize(
    "host",
    ["169.254.169.254", "10.0.0.1", "172.16.0.1", "192.168.0.1", "100.64.0.1", "224.0.0.1",
     "[fe80::1]", "[fc00::1]", "[::ffff:169.254.169.254]", "[64:ff9b::a9fe:a9fe]",
     "[2002:a9fe:a9fe::]", "[fe80::1%25eth0]", "[fe80::1%25nosuch0]"],
)
def test_private_and_special_literals_are_refused(host):
    client = GuardedClient(allow_networks=("127.0.0.1/32",), connect_timeout=0.5)
    with client, Timer() as timer:
        error = refused(client, f"http://{host}/latest/meta-data/")
    assert error.code == "blocked_address"
    assert error.message.startswith("refused to connect to")
    assert timer.seconds < 0.2  # decided without trying to connect


def test_allowlist_opens_only_what_it_names(server):
    server.static("/allow", "ok", "text/plain")
    with GuardedClient(allow_networks=("10.0.0.0/8",)) as client:
        assert refused(client, server.url("/allow")).code == "blocked_address"
    with GuardedClient(allow_networks=("127.0.0.1",)) as client:
        assert client.get(server.url("/allow")).content == b"ok"
    with GuardedClient(allow_networks=("localhost",)) as client:
        assert client.get(f"http://localhost:{server.port}/allow").content == b"ok"
    assert server.hits("/allow") == 2


# --- names that resolve to private addresses, DNS rebinding ------------------------------------


def test_name_resolving_to_loopback_is_refused_at_connect(monkeypatch):
    looked_up = fake_dns(
        monkeypatch, {"intranet.test": ["127.0.0.1"], "mixed.test": ["10.0.0.5", "127.0.0.1"]}
    )
    with canary() as trap, GuardedClient() as client:
        for name in ("intranet.test", "mixed.test"):
            error = refused(client, f"http://{name}:{trap.port}/")
            assert error.code == "blocked_address" and name in error.message
    assert trap.hits == 0
    assert looked_up == ["intranet.test", "mixed.test"]  # refused on the resolved address


def test_dns_rebinding_never_reaches_the_private_address(monkeypatch):
    """The name answers alternately an allowed address and a forbidden one (same port).

    127.0.0.2 stands for "public" (allow-listed); the canary on 127.0.0.1 is the forbidden
    internal service. Each fetch opens a new connection (the server closes it).
    """
    with canary("127.0.0.1") as trap:
        good = RawServer(reply(b"public"), host="127.0.0.2", port=trap.port)
        answers = itertools.cycle(
            [["127.0.0.2"], ["127.0.0.1"], ["127.0.0.1", "127.0.0.2"], ["127.0.0.2", "127.0.0.1"]]
        )
        lock = threading.Lock()

        def rebinding():
            with lock:
                return next(answers)

        fake_dns(monkeypatch, {"rebind.test": rebinding})
        outcomes = []
        with good, GuardedClient(allow_networks=("127.0.0.2/32",)) as client:
            for _ in range(100):
                try:
                    outcomes.append(client.get(f"http://rebind.test:{trap.port}/").content)
                except FetchError as exc:
                    outcomes.append(exc.code)
    assert trap.hits == 0
    assert outcomes.count(b"public") == 75 and outcomes.count("blocked_address") == 25
    assert good.hits == 75


# --- redirects to forbidden places ------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirects_to_forbidden_targets_are_refused(status, monkeypatch, server):
    fake_dns(monkeypatch, {"internal.test": ["127.0.0.2"]})
    srv = server
    with canary("127.0.0.2") as trap:
        targets = {
            f"http://127.0.0.2:{trap.port}/admin": "blocked_address",
            f"http://2130706434:{trap.port}/": "blocked_address",
            f"http://internal.test:{trap.port}/": "blocked_address",  # refused after resolving
            "http://169.254.169.254/latest/meta-data/": "blocked_address",
            f"http://[::ffff:127.0.0.2]:{trap.port}/": "blocked_address",
            "file:///etc/passwd": "bad_scheme",
            f"gopher://127.0.0.2:{trap.port}/": "bad_scheme",
            "javascript:alert(1)": "bad_scheme",
        }
        with GuardedClient(allow_networks=("127.0.0.1/32",)) as client:
            for index, (target, code) in enumerate(targets.items()):
                path = f"/r{status}-{index}"
                srv.route(path, lambda req, target=target: Reply(status, b"", {"Location": target}))
                error = refused(client, srv.url(path))
                assert error.code == code, (target, error)
                assert error.url == srv.url(path)
                assert srv.hits(path) == 1
    assert trap.hits == 0


# --- TLS: connect to the checked IP, verify the certificate against the name -------------------


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    files = make_certificate(tmp_path_factory.mktemp("tls"), "feeds.test", "localhost")
    if files is None:
        pytest.skip("openssl binary not available")
    return files


def tls_server(tls_files, handler):
    cert, key = tls_files
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    seen: list[str | None] = []
    context.sni_callback = lambda sock, name, ctx: seen.append(name)
    server = RawServer(handler, tls=context)
    server.sni = seen
    return server


def trusting(tls_files) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(tls_files[0]))


def trusting_client(tls_files) -> GuardedClient:
    return GuardedClient(allow_networks=("127.0.0.1/32",), ssl_context=trusting(tls_files))


def test_tls_uses_the_name_for_sni_and_verification(tls_files, monkeypatch):
    fake_dns(monkeypatch, {"feeds.test": ["127.0.0.1"]})
    heads: list[bytes] = []

    def handler(conn, srv):
        heads.append(read_head(conn))
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nsecure")

    with tls_server(tls_files, handler) as srv:
        with trusting_client(tls_files) as client:
            fetched = client.get(f"https://feeds.test:{srv.port}/feed")
    assert fetched.content == b"secure"
    assert srv.sni == ["feeds.test"]
    assert f"Host: feeds.test:{srv.port}".encode() in heads[0]


def test_tls_failures_fail_closed(tls_files, monkeypatch):
    fake_dns(monkeypatch, {"feeds.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]})
    with tls_server(tls_files, lambda conn, srv: read_head(conn)) as srv:
        with GuardedClient(allow_networks=("127.0.0.1/32",)) as default:  # self-signed: untrusted
            assert refused(default, f"https://feeds.test:{srv.port}/").code == "tls_error"
        with trusting_client(tls_files) as client:
            # the certificate is for feeds.test and localhost, not these
            error = refused(client, f"https://other.test:{srv.port}/")
            assert error.code == "tls_error"
            assert refused(client, f"https://127.0.0.1:{srv.port}/").code == "tls_error"


def test_https_to_http_downgrade_is_refused(tls_files, monkeypatch):
    fake_dns(monkeypatch, {"feeds.test": ["127.0.0.1"]})
    with canary() as trap:
        location = f"http://127.0.0.1:{trap.port}/feed"

        def handler(conn, srv):
            read_head(conn)
            head = f"HTTP/1.1 301 Moved\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n"
            conn.sendall(head.encode())

        with tls_server(tls_files, handler) as srv:
            with trusting_client(tls_files) as client:
                error = refused(client, f"https://feeds.test:{srv.port}/feed")
    assert error.code == "insecure_redirect"
    assert trap.hits == 0

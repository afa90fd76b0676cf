"""Reliability P1/P2 (G3): entity bombs and XXE are refused before any parser runs, fast."""

from __future__ import annotations

import time

import pytest

from tests.loopback import LoopbackServer
from wiredesk.ingest.formats import ParseError, parse_feed

URL = "https://feeds.example/hostile.xml"


def _billion_laughs(root: str) -> bytes:
    levels = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    return (f'<?xml version="1.0"?>\n<!DOCTYPE {root} [\n' + "\n".join(levels) + "\n]>\n").encode() + (
        b'<rss version="2.0"><channel><title>&lol9;</title></channel></rss>'
        if root == "rss"
        else b'<feed xmlns="http://www.w3.org/2005/Atom"><title>&lol9;</title></feed>'
    )


def _quadratic(root: str) -> bytes:
    entity = "A" * 50_000
    body = "&a;" * 50_000
    head = f'<?xml version="1.0"?>\n<!DOCTYPE {root} [<!ENTITY a "{entity}">]>\n'
    if root == "rss":
        return (head + f'<rss version="2.0"><channel><title>{body}</title></channel></rss>').encode()
    return (head + f'<feed xmlns="http://www.w3.org/2005/Atom"><title>{body}</title></feed>').encode()


BOMBS = {
    "billion_laughs_rss": _billion_laughs("rss"),
    "billion_laughs_atom": _billion_laughs("feed"),
    "quadratic_rss": _quadratic("rss"),
    "quadratic_atom": _quadratic("feed"),
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_entity_bombs_are_refused_fast(name):
    started = time.perf_counter()
    with pytest.raises(ParseError) as caught:
        parse_feed(BOMBS[name], url=URL)
    assert caught.value.code == "xml_entities"
    assert time.perf_counter() - started < 1.0


def _xxe_payloads(canary: str) -> dict[str, bytes]:
    rss = b'<rss version="2.0"><channel><title>&x;</title></channel></rss>'
    return {
        "file_entity": b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + rss,
        "http_entity": f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "{canary}/entity">]>'.encode() + rss,
        "public_entity": (
            f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x PUBLIC "-//X//Y//EN" "{canary}/public">]>'.encode() + rss
        ),
        "parameter_entity": (
            f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY % p SYSTEM "{canary}/param"> %p;]>'.encode() + rss
        ),
        "external_dtd": f'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "{canary}/rss.dtd">'.encode() + rss,
        "external_dtd_public": (
            f'<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Kessan//DTD Feed//EN" "{canary}/pub.dtd">'.encode() + rss
        ),
        "lowercase_doctype": f'<!doctype rss system "{canary}/lower.dtd">'.encode() + rss,
        "entity_outside_doctype": f'<?xml version="1.0"?><!ENTITY x SYSTEM "{canary}/loose">'.encode() + rss,
        "doctype_after_comment": f'<!-- hello --><!DOCTYPE rss [<!ENTITY x SYSTEM "{canary}/c">]>'.encode() + rss,
        "utf16_entity": (
            '\ufeff<?xml version="1.0" encoding="utf-16"?>'
            f'<!DOCTYPE rss [<!ENTITY x SYSTEM "{canary}/utf16">]><rss version="2.0"><channel><title>&x;</title>'
            "</channel></rss>"
        ).encode("utf-16-le"),
    }


def test_xxe_and_external_dtds_never_open_anything():
    with LoopbackServer() as canary:
        for path in ("/entity", "/public", "/param", "/rss.dtd", "/pub.dtd", "/lower.dtd", "/loose", "/c", "/utf16"):
            canary.static(path, b'<!ENTITY x "pwned">', "application/xml-dtd")
        for name, payload in _xxe_payloads(canary.url("")).items():
            started = time.perf_counter()
            with pytest.raises(ParseError) as caught:
                parse_feed(payload, url=URL)
            assert caught.value.code == "xml_entities", name
            assert time.perf_counter() - started < 1.0, name
        assert canary.requests == []


def test_xinclude_is_not_processed():
    with LoopbackServer() as canary:
        canary.static("/inc.xml", b"<title>included</title>", "application/xml")
        doc = (
            '<rss version="2.0" xmlns:xi="http://www.w3.org/2001/XInclude"><channel><title>Plain</title>'
            f'<item><title>One</title><xi:include href="{canary.url("/inc.xml")}"/></item></channel></rss>'
        ).encode()
        feed = parse_feed(doc, url=URL)
        assert [item.title for item in feed.items] == ["One"]
        assert canary.requests == []


def test_a_body_that_is_a_local_path_is_not_opened(tmp_path):
    # feedparser.parse(bytes) tries bytes as a file name first; the parser must not.
    secret = tmp_path / "local-feed.xml"
    secret.write_bytes(b'<rss version="2.0"><channel><title>Local file</title></channel></rss>')
    with pytest.raises(ParseError) as caught:
        parse_feed(str(secret).encode(), url=URL)
    assert caught.value.code == "not_a_feed"


def test_a_body_that_is_a_url_is_not_fetched():
    with LoopbackServer() as canary:
        canary.static("/feed.xml", b'<rss version="2.0"><channel><title>Remote</title></channel></rss>', "application/rss+xml")
        with pytest.raises(ParseError):
            parse_feed(canary.url("/feed.xml").encode(), url=URL)
        assert canary.requests == []


def test_plain_doctype_is_stripped_and_parsed():
    feed = parse_feed(b'<?xml version="1.0"?>\n<!DOCTYPE rss>\n<rss version="2.0"><channel><title>Bare</title></channel></rss>', url=URL)
    assert feed.title == "Bare"


@pytest.mark.parametrize(
    "declaration",
    [
        b'<?xml version="1.0" encoding="utf-7"?>',
        b'<?xml version="1.0" encoding="UTF-7"?>',
        b'<?xml version="1.0" encoding="unicode-escape"?>',
        b'<?xml version="1.0" encoding="x-mac-unknown"?><?xml-stylesheet href="a"?>',
    ],
)
def test_utf7_and_markup_smuggling_codecs_are_refused(declaration):
    doc = declaration + b'<rss version="2.0"><channel><title>+ADw-script+AD4-x+ADw-/script+AD4-</title></channel></rss>'
    try:
        feed = parse_feed(doc, url=URL)
    except ParseError as exc:
        assert exc.code == "bad_encoding"
    else:  # an unknown label is ignored: the bytes are read as UTF-8, never as UTF-7
        assert "<" not in feed.title and "+ADw-" in feed.title


def test_utf7_in_the_http_header_is_refused():
    with pytest.raises(ParseError) as caught:
        parse_feed(b'<rss version="2.0"><channel><title>+ADw-b+AD4-</title></channel></rss>', url=URL, content_type="application/rss+xml; charset=utf-7")
    assert caught.value.code == "bad_encoding"

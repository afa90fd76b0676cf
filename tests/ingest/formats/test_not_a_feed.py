"""Reliability F12: what a server sends instead of a feed gives a clear error, never a crash."""

from __future__ import annotations

import pytest

from wiredesk.ingest.formats import ParseError, parse_feed

URL = "https://feeds.example/feed"

CASES = {
    "empty": (b"", "empty_body"),
    "whitespace": (b"  \r\n\t ", "empty_body"),
    "bom_only": (b"\xef\xbb\xbf", "empty_body"),
    "pdf": (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n", "not_a_feed"),
    "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01", "not_a_feed"),
    "gif": (b"GIF89a\x01\x00\x01\x00\x80\x00\x00", "not_a_feed"),
    "jpeg": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "not_a_feed"),
    "gzip": (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "not_a_feed"),
    "html_doctype": (b"<!DOCTYPE html><html><head><title>Front page</title></head><body>Hi</body></html>", "not_a_feed"),
    "html_no_doctype": (b"<html><body><p>Plain page</p></body></html>", "not_a_feed"),
    "xhtml": (
        b'<?xml version="1.0"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
        b'"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd"><html xmlns="http://www.w3.org/1999/xhtml"></html>',
        "not_a_feed",
    ),
    "plain_text": (b"Service temporarily unavailable, try again later.", "not_a_feed"),
    "other_xml": (b'<?xml version="1.0"?><sitemapindex><sitemap/></sitemapindex>', "not_a_feed"),
    "broken_xml": (b"<?xml version='1.0'?><foo><<<&&&", "malformed"),
    "json_not_a_feed": (b'{"status": "ok"}', "not_a_feed"),
    "json_broken": (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', "malformed"),
    "json_array": (b"[1, 2, 3]", "not_a_feed"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_not_a_feed(name):
    body, code = CASES[name]
    with pytest.raises(ParseError) as caught:
        parse_feed(body, url=URL, content_type="application/json" if name.startswith("json") else None)
    assert caught.value.code == code


def test_png_served_as_rss_is_still_refused():
    with pytest.raises(ParseError) as caught:
        parse_feed(CASES["png"][0], url=URL, content_type="application/rss+xml")
    assert caught.value.code == "not_a_feed"


def test_valid_empty_channel_is_a_feed_with_no_items():
    feed = parse_feed(b'<rss version="2.0"><channel><title>Nothing yet</title></channel></rss>', url=URL)
    assert (feed.format, feed.items, feed.warnings) == ("rss", (), ())


def test_rss_served_as_text_html_is_parsed():
    body = b'<rss version="2.0"><channel><title>Mislabelled</title><item><title>A</title></item></channel></rss>'
    feed = parse_feed(body, url=URL, content_type="text/html; charset=utf-8")
    assert [i.title for i in feed.items] == ["A"]


def test_body_must_be_bytes():
    with pytest.raises(TypeError):
        parse_feed("<rss/>", url=URL)  # type: ignore[arg-type]

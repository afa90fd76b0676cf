"""Autodiscovery of feeds announced in an HTML page's head."""

from __future__ import annotations

from wiredesk.ingest.formats import discover_feeds

PAGE = b"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Kessan Courier</title>
<link rel="stylesheet" href="/style.css">
<link rel="alternate" type="application/rss+xml" title="All news" href="/feed.xml">
<link rel="alternate" type="application/atom+xml" title="  Sport
  only " href="https://courier.example/sport.atom">
<link rel="ALTERNATE home" type="Application/Feed+JSON; charset=utf-8" href="feeds/main.json">
<link rel="alternate" type="application/json" href="/api/feed.json" title="JSON">
<link rel="alternate" type="application/rss+xml" href="/feed.xml" title="duplicate">
<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
<link rel="alternate" type="application/rss+xml" href="ftp://courier.example/feed.xml">
<link rel="alternate" type="text/html" hreflang="nb" href="/nb/">
<link rel="alternate" type="application/rss+xml">
</head><body>
<link rel="alternate" type="application/rss+xml" href="/body-feed.xml">
</body></html>"""


def test_discovers_head_links_in_order_absolute_and_deduplicated():
    assert discover_feeds(PAGE, base_url="https://courier.example/news/") == [
        ("https://courier.example/feed.xml", "application/rss+xml", "All news"),
        ("https://courier.example/sport.atom", "application/atom+xml", "Sport only"),
        ("https://courier.example/news/feeds/main.json", "application/feed+json", ""),
        ("https://courier.example/api/feed.json", "application/json", "JSON"),
    ]


def test_base_href_is_honoured_and_str_input_works():
    page = '<html><head><base href="https://cdn.courier.example/x/"><link rel="alternate" type="application/rss+xml" href="f.xml"></head></html>'
    assert discover_feeds(page, base_url="https://courier.example/") == [
        ("https://cdn.courier.example/x/f.xml", "application/rss+xml", "")
    ]


def test_nothing_to_discover():
    assert discover_feeds(b"", base_url="https://a.example/") == []
    assert discover_feeds(b"\x00\x01\x02", base_url="https://a.example/") == []
    assert discover_feeds("<p>no head at all</p>", base_url="https://a.example/") == []


def test_xhtml_str_with_declaration_and_non_ascii_title():
    page = (
        '<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml"><head>'
        '<link rel="alternate" type="application/atom+xml" title="Nyheter på norsk" href="/atom"/></head></html>'
    )
    assert discover_feeds(page, base_url="https://avis.example/") == [
        ("https://avis.example/atom", "application/atom+xml", "Nyheter på norsk")
    ]

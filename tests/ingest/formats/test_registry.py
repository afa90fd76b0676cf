"""FORMATS registry, sniffing, declared-format handling and the caps on items and fields."""

from __future__ import annotations

import pytest

from wiredesk.ingest.formats import FORMATS, ParseError, parse_feed, sniff_format
from wiredesk.ingest.formats.fields import MAX_CATEGORIES, MAX_ITEMS, MAX_TITLE_CHARS

URL = "https://feeds.example/feed"
RSS = b'<rss version="2.0"><channel><title>R</title><item><title>A</title></item></channel></rss>'
JSON = b'{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [{"id": "1", "title": "A"}]}'


def test_registry_is_a_plain_dict_of_the_four_formats():
    assert type(FORMATS) is dict and set(FORMATS) == {"rss", "atom", "rdf", "jsonfeed"}
    assert all(callable(parser) for parser in FORMATS.values())


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (JSON, None, "jsonfeed"),
        (b"\xef\xbb\xbf  " + JSON, None, "jsonfeed"),
        (JSON, "application/feed+json", "jsonfeed"),
        (b"", "application/feed+json", "jsonfeed"),
        (RSS, "application/feed+json", "rss"),  # the bytes say XML
        (RSS, None, "rss"),
        (RSS, "application/json", "rss"),
    ],
)
def test_sniff_format(body, content_type, expected):
    assert sniff_format(body, content_type=content_type) == expected


def test_declared_format_mismatch_is_a_warning():
    feed = parse_feed(RSS, url=URL, declared_format="atom")
    assert feed.format == "rss" and "declared atom" in feed.warnings[-1]
    assert parse_feed(JSON, url=URL, declared_format="rss").format == "jsonfeed"
    assert parse_feed(RSS, url=URL, declared_format="jsonfeed").format == "rss"


def test_unknown_declared_format():
    with pytest.raises(ParseError) as caught:
        parse_feed(RSS, url=URL, declared_format="newsml")
    assert caught.value.code == "unknown_format"


def test_charset_argument_overrides_content_type():
    body = '<rss version="2.0"><channel><title>Tårn</title></channel></rss>'.encode("cp1252")
    assert parse_feed(body, url=URL, content_type="text/xml; charset=utf-8", charset="windows-1252").title == "Tårn"


def test_items_are_capped_with_a_warning():
    items = "".join(f"<item><title>n{i}</title><guid>g{i}</guid></item>" for i in range(MAX_ITEMS + 5))
    feed = parse_feed(f'<rss version="2.0"><channel><title>Big</title>{items}</channel></rss>'.encode(), url=URL)
    assert len(feed.items) == MAX_ITEMS and feed.items[-1].title == f"n{MAX_ITEMS - 1}"
    assert any(str(MAX_ITEMS + 5) in w for w in feed.warnings)


def test_titles_and_categories_are_capped():
    cats = "".join(f"<category>c{i}</category>" for i in range(80))
    doc = f'<rss version="2.0"><channel><title>T</title><item><title>{"x" * 5000}</title>{cats}</item></channel></rss>'
    item = parse_feed(doc.encode(), url=URL).items[0]
    assert len(item.title) == MAX_TITLE_CHARS and item.title.endswith("\u2026")
    assert len(item.categories) == MAX_CATEGORIES


def test_json_items_are_capped():
    items = ",".join(f'{{"id": "{i}", "title": "t{i}"}}' for i in range(MAX_ITEMS + 1))
    body = f'{{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [{items}]}}'.encode()
    feed = parse_feed(body, url=URL)
    assert len(feed.items) == MAX_ITEMS and feed.warnings


def test_titles_come_out_as_plain_text():
    doc = (
        '<rss version="2.0"><channel><title>T</title>'
        "<item><title>Fish &amp;amp; chips</title></item>"
        "<item><title>&lt;b&gt;Bold&lt;/b&gt; move</title></item>"
        "<item><title><![CDATA[Rock & <i>roll</i>]]></title></item>"
        "</channel></rss>"
    )
    assert [i.title for i in parse_feed(doc.encode(), url=URL).items] == ["Fish & chips", "Bold move", "Rock & roll"]


def test_author_addresses_are_not_published_as_bylines():
    doc = (
        '<rss version="2.0"><channel><title>T</title>'
        "<item><title>a</title><author>desk@paper.example (Ane Dahl)</author></item>"
        "<item><title>b</title><author>Ole Berg &lt;ole@paper.example&gt;</author></item>"
        "<item><title>c</title><author>tips@paper.example</author></item>"
        "</channel></rss>"
    )
    assert [i.author for i in parse_feed(doc.encode(), url=URL).items] == ["Ane Dahl", "Ole Berg", ""]


def test_raw_hash_is_stable_and_item_specific():
    first, second = parse_feed(RSS, url=URL), parse_feed(RSS, url=URL)
    assert first.items[0].raw_hash == second.items[0].raw_hash
    other = parse_feed(RSS.replace(b"<title>A</title>", b"<title>B</title>"), url=URL)
    assert other.items[0].raw_hash != first.items[0].raw_hash


def test_relative_links_resolve_against_the_feed_url_and_only_http_survives():
    doc = (
        '<rss version="2.0"><channel><title>T</title><link>/home</link>'
        "<item><title>a</title><link>story/1</link></item>"
        "<item><title>b</title><link>javascript:alert(1)</link></item>"
        "</channel></rss>"
    )
    feed = parse_feed(doc.encode(), url="https://paper.example/feeds/main.xml")
    assert feed.home_url == "https://paper.example/home"
    assert [i.link for i in feed.items] == ["https://paper.example/feeds/story/1", None]


def test_guids_stay_as_written_and_permalink_guids_give_the_link():
    doc = (
        '<rss version="2.0"><channel><title>T</title>'
        "<item><title>a</title><guid>wire-1</guid></item>"
        '<item><title>b</title><guid isPermaLink="false">https://paper.example/id/2</guid></item>'
        "<item><title>c</title><guid>https://paper.example/story/3</guid></item>"
        '<item><title>d</title><guid isPermaLink="true">https://paper.example/story/4</guid>'
        "<link>https://paper.example/canonical/4</link></item>"
        "</channel></rss>"
    )
    items = parse_feed(doc.encode(), url="https://paper.example/feed.xml").items
    assert [(i.guid, i.link) for i in items] == [
        ("wire-1", None),
        ("https://paper.example/id/2", None),
        ("https://paper.example/story/3", "https://paper.example/story/3"),
        ("https://paper.example/story/4", "https://paper.example/canonical/4"),
    ]


def test_empty_items_are_skipped_and_a_broken_feed_with_nothing_left_is_malformed():
    feed = parse_feed(b'<rss version="2.0"><channel><title>T</title><item></item><item><title>x</title></item></channel></rss>', url=URL)
    assert [i.title for i in feed.items] == ["x"] and "1 empty items skipped" in feed.warnings
    with pytest.raises(ParseError) as caught:
        parse_feed(b"<?xml version='1.0'?><rss><channel><title>broken</title><item><title>a</ti", url=URL)
    assert caught.value.code == "malformed"

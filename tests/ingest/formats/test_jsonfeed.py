"""JSON Feed specifics: version check, nesting limit, odd values."""

from __future__ import annotations

import json

import pytest

from wiredesk.ingest.formats import ParseError, parse_feed

URL = "https://feeds.example/feed.json"


def _feed(**extra) -> bytes:
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [], **extra}).encode()


def test_absurd_nesting_is_refused():
    deep = b'{"version": "https://jsonfeed.org/version/1.1", "items": [], "_x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with pytest.raises(ParseError) as caught:
        parse_feed(deep, url=URL)
    assert caught.value.code == "too_deep"


def test_moderate_nesting_beyond_the_limit_is_refused():
    nested: dict = {}
    for _ in range(40):
        nested = {"a": nested}
    with pytest.raises(ParseError) as caught:
        parse_feed(_feed(_ext=nested), url=URL)
    assert caught.value.code == "too_deep"


def test_version_must_be_a_jsonfeed_url():
    with pytest.raises(ParseError) as caught:
        parse_feed(b'{"version": "1.1", "items": []}', url=URL)
    assert caught.value.code == "not_a_feed"


def test_unknown_future_version_parses_with_a_warning():
    body = json.dumps({"version": "https://jsonfeed.org/version/2", "title": "J", "items": [{"id": "a"}]}).encode()
    feed = parse_feed(body, url=URL)
    assert len(feed.items) == 1 and "version" in feed.warnings[0]


def test_items_must_be_a_list_and_odd_items_are_skipped():
    with pytest.raises(ParseError) as caught:
        parse_feed(_feed(items={"id": "1"}), url=URL)
    assert caught.value.code == "malformed"
    feed = parse_feed(_feed(items=[{"id": "1", "title": "ok"}, "junk", 7, None]), url=URL)
    assert [i.title for i in feed.items] == ["ok"] and "3 items" in feed.warnings[0]


def test_wrongly_typed_fields_do_not_crash():
    item = {"id": ["x"], "url": 5, "title": {"a": 1}, "tags": "news", "authors": "me", "image": 3,
            "date_published": 20240101, "content_html": None, "content_text": ["no"], "attachments": "x"}
    feed = parse_feed(_feed(items=[item]), url=URL)
    raw = feed.items[0]
    assert (raw.guid, raw.link, raw.title, raw.categories, raw.published, raw.content_html) == (None, None, "", (), None, "")


def test_content_text_becomes_escaped_paragraphs():
    feed = parse_feed(_feed(items=[{"id": "1", "content_text": "<b>not bold</b>\n\nsecond"}]), url=URL)
    assert feed.items[0].content_html == "<p>&lt;b&gt;not bold&lt;/b&gt;</p><p>second</p>"


def test_non_utf8_json_without_charset_is_refused():
    with pytest.raises(ParseError) as caught:
        parse_feed('{"version": "https://jsonfeed.org/version/1", "title": "Tårn", "items": []}'.encode("cp1252"), url=URL)
    assert caught.value.code == "bad_encoding"

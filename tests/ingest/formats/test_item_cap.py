"""Items past the cap (fields.MAX_ITEMS) are not parsed: they cannot change the result.

For every format: a feed of MAX_ITEMS good items followed by items that would fail (broken
markup, undefined entities, invalid JSON) or be huge parses exactly like the feed of the
first MAX_ITEMS items alone, and the memory it takes stays far below what building every
item took (tracemalloc: deterministic, not the machine's speed).
"""

from __future__ import annotations

import json
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from wiredesk.ingest.formats import fields, parse_feed
from wiredesk.ingest.formats.itemcap import limit_items

MAX_ITEMS = 40  # the cap these tests run with (fields.MAX_ITEMS is 1,000): same code, less time

URL = "https://quay.example/feed"
CHANNEL = "<title>Quay Wire</title><link>https://quay.example/</link><ttl>30</ttl>"

# (document head, one item, document tail) per XML format; {n} numbers the item.
XML_FORMATS = {
    "rss": (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<channel>{CHANNEL}",
        '<item><title>Quay story {n}</title><guid isPermaLink="false">q-{n}</guid>'
        "<dc:creator>Desk</dc:creator><description>&lt;p&gt;Berth {n} reopens.&lt;/p&gt;</description></item>\n",
        "</channel></rss>",
    ),
    "rdf": (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">'
        '<channel rdf:about="https://quay.example/"><title>Quay Wire</title><link>https://quay.example/</link></channel>',
        '<item rdf:about="https://quay.example/{n}"><title>Quay story {n}</title><link>https://quay.example/{n}</link></item>\n',
        "</rdf:RDF>",
    ),
    "atom": (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>Quay Wire</title><id>urn:quay</id>'
        '<updated>2026-06-01T06:00:00Z</updated>',
        "<entry><id>urn:quay:{n}</id><title>Quay story {n}</title><updated>2026-06-01T06:00:00Z</updated>"
        '<content type="html">&lt;p&gt;Berth {n}.&lt;/p&gt;</content></entry>\n',
        "</feed>",
    ),
    "prefixed": (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:rss="http://purl.org/rss/1.0/">'
        '<rss:channel rdf:about="https://quay.example/"><rss:title>Quay Wire</rss:title></rss:channel>',
        '<rss:item rdf:about="https://quay.example/{n}"><rss:title>Quay story {n}</rss:title>'
        "<rss:link>https://quay.example/{n}</rss:link></rss:item>\n",
        "</rdf:RDF>",
    ),
}
# What follows the cap: things that would fail the whole document or cost a lot.
POISON = {
    "broken markup": "<item><title>half</titl></item><entry><",
    "undefined entity": "<item><title>&nope; &amp also</title></item>\n",
    "unclosed everything": "<item><title>no end" + "<x>" * 1000,
    "huge item": "<item><title>big</title><description>" + "word " * 400_000 + "</description></item>",
    "bad encoding": "<item><title>\udcff</title></item>",  # encoded with surrogateescape: a lone 0xFF
}


@pytest.fixture(autouse=True)
def small_cap(monkeypatch):
    monkeypatch.setattr(fields, "MAX_ITEMS", MAX_ITEMS)


def xml_feed(fmt: str, count: int, tail: str = "", *, start: int = 0) -> bytes:
    head, item, end = XML_FORMATS[fmt]
    body = head + "".join(item.format(n=n) for n in range(start, start + count)) + tail + end
    return body.encode("utf-8", "surrogateescape")


@pytest.mark.parametrize("fmt", sorted(XML_FORMATS))
@pytest.mark.parametrize("poison", sorted(POISON))
def test_xml_items_past_the_cap_do_not_change_the_result(fmt, poison):
    capped = parse_feed(xml_feed(fmt, MAX_ITEMS), url=URL)
    assert len(capped.items) == MAX_ITEMS and capped.warnings == ()
    # The poison right after the cap, then many more good items.
    feed = parse_feed(xml_feed(fmt, MAX_ITEMS, POISON[poison] + XML_FORMATS[fmt][1].format(n="x") * 2000), url=URL)
    assert feed.items == capped.items
    assert (feed.format, feed.title, feed.home_url, feed.ttl_seconds) == (
        capped.format, capped.title, capped.home_url, capped.ttl_seconds
    )
    assert len(feed.warnings) == 1 and f"kept the first {MAX_ITEMS}" in feed.warnings[0]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-32-be"])
def test_wide_encodings_are_cut_too(encoding):
    body = xml_feed("rss", MAX_ITEMS + 500).decode("utf-8").replace('encoding="utf-8"', f'encoding="{encoding}"')
    feed = parse_feed(body.encode(encoding), url=URL)
    assert feed.items == parse_feed(xml_feed("rss", MAX_ITEMS), url=URL).items
    assert any(f"{MAX_ITEMS + 500} items" in w for w in feed.warnings)


@pytest.mark.parametrize("encoding", ["utf-8", "windows-1252", "shift_jis"])
def test_cut_is_clean_in_any_ascii_compatible_encoding(encoding):
    """Non-ASCII names in UTF-8, legacy bytes that are not UTF-8: closed, well-formed, same items."""
    head = (f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0" xmlns:x="urn:x">'
            "<channel><title>Caf\u00e9 Quay</title>")
    item = "<item><title>Caf\u00e9 {n} \u201cquay\u201d</title><guid>c-{n}</guid><x:ti\u0301tulo>v</x:ti\u0301tulo></item>"
    if encoding != "utf-8":
        item = item.replace("\u0301", "")  # names stay ASCII where the encoding lacks the accent
    def doc(count: int) -> bytes:
        text = head + "".join(item.format(n=n) for n in range(count)) + "</channel></rss>"
        return text.encode(encoding, "xmlcharrefreplace")
    capped, feed = parse_feed(doc(MAX_ITEMS), url=URL), parse_feed(doc(3 * MAX_ITEMS), url=URL)
    assert feed.items == capped.items and feed.title == "Caf\u00e9 Quay"
    assert feed.warnings == capped.warnings + (f"{3 * MAX_ITEMS} items, kept the first {MAX_ITEMS}",)


def test_a_document_broken_before_the_cap_is_cut_by_its_item_tags():
    """expat stops at the stray "&"; the cut falls back to counting item start tags."""
    broken = XML_FORMATS["rss"][1].format(n=0).replace("Quay story 0", "Fish & chips")
    body = xml_feed("rss", MAX_ITEMS - 1, start=1).replace(b"<item>", broken.encode() + b"<item>", 1)
    kept, counted = limit_items(body + xml_feed("rss", 3000), limit=MAX_ITEMS)
    assert counted > MAX_ITEMS and kept.count(b"<item>") == MAX_ITEMS


def test_feed_level_elements_before_the_items_are_kept_and_nothing_is_cut_under_the_cap():
    body = xml_feed("rss", MAX_ITEMS)
    assert limit_items(body, limit=MAX_ITEMS) == (body, 0)
    kept, counted = limit_items(xml_feed("rss", MAX_ITEMS + 1), limit=MAX_ITEMS)
    assert counted == MAX_ITEMS + 1
    assert kept.endswith(b"</channel></rss>") and CHANNEL.encode() in kept


def test_a_dtd_subset_is_left_to_the_safety_checks():
    laughs = '<!DOCTYPE rss [<!ENTITY a "lol">]>'
    body = xml_feed("rss", MAX_ITEMS + 5).replace(b"<rss ", laughs.encode() + b"<rss ", 1)
    assert limit_items(body, limit=MAX_ITEMS) == (body, 0)
    with pytest.raises(Exception) as refused:
        parse_feed(body, url=URL)
    assert getattr(refused.value, "code", None) == "xml_entities"


def json_feed(count: int, *, tail: str = "", items_first: bool = False, tags: int = 2) -> bytes:
    """A JSON Feed of ``count`` items, ``tail`` written inside the items array after them."""
    items = [{"id": f"q-{n}", "title": f"Quay story {n}", "tags": [f"t{j}" for j in range(tags)]} for n in range(count)]
    array = json.dumps(items)[:-1] + tail + "]"
    head = '"version": "https://jsonfeed.org/version/1.1", "title": "Quay Wire"'
    # A generator that sorts keys writes "items" before "title" and "version".
    return ("{" + (f'"items": {array}, {head}' if items_first else f'{head}, "items": {array}') + "}").encode()


@pytest.mark.parametrize("tail", [', {"id": "broken" "x"}', ', [[[[[[', ", " + "[" * 5000 + "]" * 5000, ", 7, {}"])
def test_json_items_past_the_cap_do_not_change_the_result(tail):
    capped = parse_feed(json_feed(MAX_ITEMS), url=URL)
    feed = parse_feed(json_feed(MAX_ITEMS, tail=tail), url=URL)
    assert feed.items == capped.items and feed.title == capped.title == "Quay Wire"


def test_json_keys_after_a_long_items_array_are_read():
    feed = parse_feed(json_feed(MAX_ITEMS + 300, items_first=True), url=URL)  # "version" after "items"
    assert feed.format == "jsonfeed" and feed.title == "Quay Wire" and len(feed.items) == MAX_ITEMS
    assert feed.warnings == (f"{MAX_ITEMS + 300} items, kept the first {MAX_ITEMS}",)


def traced_peak(action) -> int:
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("kind", ["rss", "jsonfeed"])
def test_memory_does_not_grow_with_items_past_the_cap(kind, monkeypatch):
    """Building every item took 9 to 12 times the document; the cap leaves about 1 to 2."""
    monkeypatch.setattr(fields, "MAX_ITEMS", 1000)  # the real cap
    body = xml_feed("rss", 20_000) if kind == "rss" else json_feed(20_000, tags=20)
    assert len(body) > 3 * 2**20
    peak = traced_peak(lambda: parse_feed(body, url=URL))
    assert peak < 3 * len(body), f"{peak / 2**20:.1f} MB for a {len(body) / 2**20:.1f} MB document"


# Text inside items that looks like items to a careless scanner.
DECOYS = st.sampled_from([
    "", "<![CDATA[<item><title>not an item</title></item>]]>", "<!-- <entry> -->", "&lt;item&gt;",
    "<?pi <item>?>", '<category domain="&lt;item&gt;">x</category>',
])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    fmt=st.sampled_from(sorted(XML_FORMATS)),
    count=st.integers(0, 3 * 5),
    decoys=st.lists(DECOYS, min_size=3 * 5, max_size=3 * 5),
    cap=st.integers(1, 5),
)
def test_any_feed_keeps_exactly_its_first_items(monkeypatch, fmt, count, decoys, cap):
    """However items are written, the cut document yields the same first ``cap`` items."""
    monkeypatch.setattr(fields, "MAX_ITEMS", cap)
    head, item, end = XML_FORMATS[fmt]
    close = item.rindex("</")
    items = [item[:close].format(n=n) + decoys[n] + item[close:] for n in range(count)]
    whole = (head + "".join(items) + end).encode()
    first = (head + "".join(items[:cap]) + end).encode()
    feed, expected = parse_feed(whole, url=URL), parse_feed(first, url=URL)
    assert feed.items == expected.items
    assert (len(feed.warnings) == 1) == (count > cap)

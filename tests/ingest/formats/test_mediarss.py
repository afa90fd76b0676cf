"""Each picture of a feed keeps its own caption, credit and text alternative.

Media RSS lets description, title and credit sit on a media:content, on the media:group
around it or on the item, the most specific winning; pictures also come as RSS enclosures
and Atom enclosure links. The property test builds random RSS and Atom documents of that
shape and checks every parsed picture against what the documents say, so no arrangement of
media elements can hand one picture's caption to another or lose it.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wiredesk.ingest.formats import parse_feed
from wiredesk.ingest.types import Image

# Words with the characters that need escaping in XML and some beyond Latin-1.
WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzÅØæéñßŁ<>&'\"0123456789", min_size=1, max_size=8)
TEXT = st.lists(WORD, min_size=1, max_size=6).map(" ".join)
MAYBE = st.one_of(st.just(""), TEXT)


@dataclass(frozen=True)
class Texts:
    description: str = ""
    title: str = ""
    credits: tuple[str, ...] = ()

    def xml(self, prefix: str, *, html: bool) -> str:
        out = []
        if self.title:
            out.append(f"<{prefix}:title type=\"plain\">{escape(self.title)}</{prefix}:title>")
        if self.description:
            # type="html": the markup is escaped once more inside the element.
            value = escape(f"<b>{escape(self.description)}</b>") if html else escape(self.description)
            kind = "html" if html else "plain"
            out.append(f"<{prefix}:description type=\"{kind}\">{value}</{prefix}:description>")
        out.extend(f"<{prefix}:credit role=\"photographer\">{escape(c)}</{prefix}:credit>" for c in self.credits)
        return "".join(out)


TEXTS = st.builds(Texts, description=MAYBE, title=MAYBE, credits=st.lists(TEXT, max_size=3, unique=True).map(tuple))


@dataclass(frozen=True)
class Picture:
    kind: str  # "content", "group", "enclosure"
    texts: Texts
    group_texts: Texts
    renditions: int  # in a group: how many sizes
    html: bool


PICTURE = st.builds(
    Picture, kind=st.sampled_from(["content", "group", "enclosure"]), texts=TEXTS, group_texts=TEXTS,
    renditions=st.integers(1, 3), html=st.booleans(),
)


@dataclass(frozen=True)
class Entry:
    item_texts: Texts
    pictures: tuple[Picture, ...]
    thumbnail: bool
    video: bool  # a non-picture media:content, never a picture


ENTRY = st.builds(Entry, item_texts=TEXTS, pictures=st.lists(PICTURE, max_size=4).map(tuple),
                  thumbnail=st.booleans(), video=st.booleans())


def picture_url(e: int, p: int, size: int = 0) -> str:
    return f"https://img.fjordpost.example/e{e}/p{p}-s{size}.jpg"


def entry_xml(n: int, entry: Entry, *, atom: bool) -> str:
    m = "media"
    parts = []
    if entry.video:
        parts.append(f'<{m}:content url="https://img.fjordpost.example/e{n}/clip.mp4" medium="video">'
                     f"<{m}:description>Not a picture</{m}:description></{m}:content>")
    for p, picture in enumerate(entry.pictures):
        if picture.kind == "content":
            parts.append(f'<{m}:content url={quoteattr(picture_url(n, p))} medium="image">'
                         f"{picture.texts.xml(m, html=picture.html)}"
                         f'<{m}:thumbnail url="https://img.fjordpost.example/e{n}/p{p}-thumb.jpg"/></{m}:content>')
        elif picture.kind == "group":
            sizes = "".join(
                f'<{m}:content url={quoteattr(picture_url(n, p, s))} type="image/jpeg" width="{100 * (s + 1)}" height="50"'
                f'{" isDefault=" + chr(34) + "true" + chr(34) if s == 0 and picture.renditions > 1 else ""}>'
                f"{picture.texts.xml(m, html=picture.html) if s == 0 else ''}</{m}:content>"
                for s in range(picture.renditions)
            )
            parts.append(f"<{m}:group>{sizes}{picture.group_texts.xml(m, html=picture.html)}</{m}:group>")
        elif atom:
            parts.append(f'<link rel="enclosure" type="image/jpeg" href={quoteattr(picture_url(n, p))}/>')
        else:
            parts.append(f'<enclosure url={quoteattr(picture_url(n, p))} type="image/jpeg" length="100"/>')
    if entry.thumbnail:
        parts.append(f'<{m}:thumbnail url="https://img.fjordpost.example/e{n}/thumb.jpg"/>')
    parts.append(entry.item_texts.xml(m, html=False))
    body = "".join(parts)
    if atom:
        return (f"<entry><id>tag:fjordpost.example,2025:{n}</id><title>Story {n}</title>"
                f'<link href="https://fjordpost.example/{n}"/><updated>2025-01-0{n % 9 + 1}T10:00:00Z</updated>'
                f"<summary>Summary {n}</summary>{body}</entry>")
    return (f"<item><title>Story {n}</title><link>https://fjordpost.example/{n}</link>"
            f"<guid isPermaLink=\"false\">fp-{n}</guid><description>Summary {n}</description>{body}</item>")


def document(entries: list[Entry], *, atom: bool) -> bytes:
    inner = "".join(entry_xml(n, e, atom=atom) for n, e in enumerate(entries))
    if atom:
        return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
                f'xmlns:media="http://search.yahoo.com/mrss/"><title>Fjord Post</title>'
                f"<id>tag:fjordpost.example,2025:feed</id><updated>2025-01-01T00:00:00Z</updated>{inner}</feed>").encode()
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/">'
            f"<channel><title>Fjord Post</title><link>https://fjordpost.example/</link>"
            f"<description>d</description>{inner}</channel></rss>").encode()


def squash(text: str) -> str:
    return " ".join(text.split())


def expected(n: int, entry: Entry) -> tuple[Image, ...]:
    """What the document says about each picture of entry ``n``, the most specific level first."""
    out = []
    for p, picture in enumerate(entry.pictures):
        levels = {
            "content": (picture.texts, entry.item_texts),
            "group": (picture.texts, picture.group_texts, entry.item_texts),
            "enclosure": (entry.item_texts,),
        }[picture.kind]
        description = next((t.description for t in levels if t.description), "")
        title = next((t.title for t in levels if t.title), "")
        credits = next((t.credits for t in levels if t.credits), ())
        caption = squash(description or title)
        out.append(Image(
            url=picture_url(n, p), caption=caption, credit=", ".join(squash(c) for c in credits),
            alt=squash(title) if description and title else caption,
        ))
    if not out and entry.thumbnail:
        texts = entry.item_texts
        caption = squash(texts.description or texts.title)
        out.append(Image(url=f"https://img.fjordpost.example/e{n}/thumb.jpg", caption=caption,
                         credit=", ".join(squash(c) for c in texts.credits),
                         alt=squash(texts.title) if texts.description and texts.title else caption))
    return tuple(out)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries=st.lists(ENTRY, min_size=1, max_size=4), atom=st.booleans())
def test_every_picture_keeps_its_own_texts(entries, atom):
    feed = parse_feed(document(entries, atom=atom), url="https://fjordpost.example/feed")
    assert len(feed.items) == len(entries)
    for n, (item, entry) in enumerate(zip(feed.items, entries)):
        assert item.images == expected(n, entry)
        # A media description never stands in for the story's own text or headline.
        assert item.title == f"Story {n}"
        assert f"Summary {n}" in (item.summary_html or item.content_html)


def test_a_picture_named_twice_keeps_the_texts_of_either_mention():
    # The Atom demo wire names its picture as an enclosure link and as a media:content.
    doc = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">
    <title>t</title><id>x</id><updated>2025-01-01T00:00:00Z</updated><entry><id>e</id><title>Quay works</title>
    <updated>2025-01-01T00:00:00Z</updated><link rel="enclosure" type="image/png" href="https://img.example/q.png"/>
    <media:content url="https://img.example/q.png" medium="image"><media:description>Cranes on the quay.</media:description>
    <media:credit>Ivo Brandt</media:credit></media:content></entry></feed>"""
    (item,) = parse_feed(doc, url="https://feed.example/").items
    assert item.images == (Image(url="https://img.example/q.png", caption="Cranes on the quay.", credit="Ivo Brandt",
                                 alt="Cranes on the quay."),)


def test_a_changed_caption_is_a_changed_item():
    # Stored items are skipped while their raw hash is unchanged: the caption must be part of it.
    def doc(caption: str) -> bytes:
        return (f'<?xml version="1.0"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>'
                f"<title>t</title><item><guid>g1</guid><title>Pier</title>"
                f'<media:content url="https://img.example/p.jpg" medium="image">'
                f"<media:description type=\"plain\">{caption}</media:description></media:content></item></channel></rss>").encode()

    first, second = (parse_feed(doc(c), url="https://feed.example/").items[0] for c in ("The pier.", "The new pier."))
    assert first.images[0].caption == "The pier." and second.images[0].caption == "The new pier."
    assert first.raw_hash != second.raw_hash

"""The demo wire server over real loopback HTTP: feeds, growth, stability, leads, conditional GET."""

from __future__ import annotations

import io
import json
import re
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser

import feedparser
import pytest
import trafilatura
from PIL import Image

from wiredesk.demo.server import DemoWireServer
from wiredesk.demo.stories import WIRES

INTERVAL = 0.5
FEEDS = {
    "harbour": ("/harbour/rss.xml", "application/rss+xml"),
    "northlight": ("/northlight/atom.xml", "application/atom+xml"),
    "meridian": ("/meridian/feed.json", "application/feed+json"),
    "valley": ("/valley/rss.xml", "application/rss+xml"),
}
CAPTION = re.compile(r"^\((\d{6})\) -- ([A-Z][A-Z .'-]+), ([A-Z][a-z]+\.?) (\d{1,2}), (\d{4}) \(Northlight\) -- \S")
PHOTO = re.compile(r"^\(Photo credit: [A-Z][^()]+-[A-Z][a-z]+ Images\) \S")
DATELINE = re.compile(r"^[A-Z][A-Z .'-]+(, [A-Z][a-z]+(?: [A-Z][a-z]+)*)?: \S")
READ_MORE = re.compile(r'<p>READ MORE: <a href="([^"]+)">([^<]+)</a></p>')
# A reissue's editor's note, its own paragraph before the lead ("(Corrects ...)", "Editor's note: ...").
NOTE = re.compile(r"^(?:\([^()]*\)|Editor's note: .*)$")


@pytest.fixture(scope="module")
def server():
    with DemoWireServer(port=0, interval=INTERVAL) as srv:
        yield srv


@pytest.fixture(scope="module")
def still_server():
    """A server whose next story is an hour away: nothing changes during a test."""
    with DemoWireServer(port=0, interval=3600) as srv:
        yield srv


def get(url: str, **headers: str):
    """GET with a plain urllib request; returns (status, headers, body), 304 included."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def items(server, key: str) -> list[dict]:
    """The feed's items as {guid, title, link, date, html, images} dicts, newest first."""
    status, headers, body = get(server.url(FEEDS[key][0]))
    assert status == 200
    assert headers["Content-Type"] == FEEDS[key][1] + "; charset=utf-8"
    if key == "meridian":
        doc = json.loads(body)
        assert doc["version"] == "https://jsonfeed.org/version/1.1"
        return [
            {"guid": i["id"], "title": i["title"], "link": i["url"], "date": i["date_published"],
             "html": i["content_html"], "summary": i["summary"], "images": [i["image"]] if "image" in i else []}
            for i in doc["items"]
        ]
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == ("atom10" if key == "northlight" else "rss20")
    return [
        {"guid": e.id, "title": e.title, "link": e.link, "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", e.published_parsed),
         "html": e.content[0].value if "content" in e else "", "summary": e.summary,
         "images": [m["url"] for m in e.get("media_content", [])] + [l.href for l in e.links if l.rel == "enclosure"],
         "media": e.get("media_content", []), "credit": e.get("media_credit", [])}
        for e in feed.entries
    ]


def first_paragraph(html: str) -> str:
    """The paragraph with the lead: the first one after a figure and a reissue's note."""
    html = re.sub(r"<figure>.*?</figure>\s*", "", html, flags=re.S)
    return next(p for p in re.findall(r"<p>(.*?)</p>", html, re.S) if not NOTE.match(p))


def test_feeds_parse_and_start_with_six_items_each(still_server):
    for key in FEEDS:
        found = items(still_server, key)
        assert len(found) == 6, key
        assert len({i["guid"] for i in found}) == 6
        assert all(i["title"] and i["link"].startswith(still_server.url("/")) and i["date"] for i in found)


def test_new_items_appear_and_old_ones_stay_identical(server):
    before = {key: items(server, key) for key in FEEDS}
    deadline = time.monotonic() + 8 * INTERVAL + 3
    while time.monotonic() < deadline:
        after = {key: items(server, key) for key in FEEDS}
        if all(len(after[k]) > len(before[k]) for k in FEEDS):
            break
        time.sleep(0.25)
    for key in FEEDS:
        assert len(after[key]) > len(before[key]), f"{key} did not grow"
        old = {i["guid"]: i for i in before[key]}
        for item in after[key]:
            if item["guid"] in old:
                assert item == old[item["guid"]], f"{key} item changed between fetches"
        new = [i for i in after[key] if i["guid"] not in old]
        assert new and all(i["date"] >= before[key][0]["date"] for i in new)
        assert [i["date"] for i in after[key]] == sorted((i["date"] for i in after[key]), reverse=True)


def test_same_bytes_and_strong_etag_while_nothing_is_published(still_server):
    for path, _ in FEEDS.values():
        s1, h1, b1 = get(still_server.url(path))
        s2, h2, b2 = get(still_server.url(path))
        assert s1 == s2 == 200 and b1 == b2
        assert h1["ETag"] == h2["ETag"] and re.fullmatch(r'"[0-9a-f]{32}"', h1["ETag"])
        assert h1["Last-Modified"] == h2["Last-Modified"]


def test_conditional_get_answers_304(still_server):
    for path, _ in FEEDS.values():
        url = still_server.url(path)
        status, headers, body = get(url)
        etag, modified = headers["ETag"], headers["Last-Modified"]
        status, headers304, body304 = get(url, **{"If-None-Match": etag})
        assert (status, body304) == (304, b"") and headers304["ETag"] == etag
        assert get(url, **{"If-None-Match": f'"other", W/{etag}'})[0] == 304  # weak comparison
        assert get(url, **{"If-None-Match": '"not-the-tag"'})[0] == 200
        # If-None-Match wins over a matching If-Modified-Since (RFC 9110 13.2.2).
        assert get(url, **{"If-None-Match": '"not-the-tag"', "If-Modified-Since": modified})[0] == 200
        assert get(url, **{"If-Modified-Since": modified})[0] == 304
        assert get(url, **{"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"})[0] == 200
        assert get(url, **{"If-Modified-Since": "not a date"})[0] == 200


def test_conditional_get_sees_new_items(server):
    status, headers, _ = get(server.url("/valley/rss.xml"))
    time.sleep(3 * INTERVAL + 1.1)
    status, headers2, _ = get(server.url("/valley/rss.xml"), **{"If-None-Match": headers["ETag"]})
    assert status == 200 and headers2["ETag"] != headers["ETag"]
    assert get(server.url("/valley/rss.xml"), **{"If-Modified-Since": headers["Last-Modified"]})[0] == 200


def test_harbour_datelines_credit_tag_and_media(server):
    found = items(server, "harbour")
    for item in found:
        assert DATELINE.match(first_paragraph(item["html"])), item["html"][:80]
        assert item["html"].rstrip().endswith("<p>(Harbour Wire)</p>")
    with_media = [i for i in found if i["media"]]
    assert with_media and all(i["credit"] and i["credit"][0]["content"] for i in with_media)


def test_caption_and_photo_credit_leads(server):
    northlight = items(server, "northlight")
    captions = [CAPTION.match(first_paragraph(i["html"])) for i in northlight]
    assert any(captions)
    for match, item in zip(captions, northlight):
        if match:  # the yymmdd code and the written date agree with the publication day
            code, month, day, year = match[1], match[3], int(match[4]), int(match[5])
            date = item["date"]
            assert code == f"{date[2:4]}{date[5:7]}{date[8:10]}"
            assert (year, day) == (int(date[:4]), int(date[8:10]))
            assert month in ("Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.")
    photo_leads = [i for k in ("northlight", "meridian") for i in items(server, k) if PHOTO.match(first_paragraph(i["html"]))]
    assert len(photo_leads) >= 2
    assert all(i["images"] for i in photo_leads)


def test_read_more_links_lead_to_the_named_story(server):
    links = [m for k in ("harbour", "meridian") for i in items(server, k) for m in READ_MORE.findall(i["html"])]
    assert links
    for url, title in links:
        status, _, body = get(url.replace("&amp;", "&"))
        assert status == 200
        assert f"<h1>{title}</h1>" in body.decode()


def test_summary_only_feed_and_its_article_pages(server):
    for item in items(server, "valley"):
        assert item["html"] == "" and item["summary"]
        status, headers, body = get(item["link"])
        assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
        page = body.decode()
        assert '<link rel="alternate" type="application/rss+xml"' in page
        assert "<footer>" in page and "More from Valley Dispatch" in page
        text = trafilatura.extract(page)
        # A reissue's note opens (or, for a repeat, closes) both the summary and the text.
        note = next((p for p in text.split("\n") if NOTE.match(p)), "") if text else ""
        lead = item["summary"].replace(note, "").strip()
        assert text and text.replace(note, "").strip().startswith(lead.rstrip(".")), (item["summary"], text[:200])
        assert "A demonstration wire" not in text and "Sign up" not in text
        assert len(text.split("\n")) >= 3


def test_figures_and_images_are_served(server):
    html = get(server.url("/valley/stories/tram-extension-opens-early.html"))[2].decode()
    figure = re.search(r'<figure><img src="([^"]+)"[^>]*><figcaption>([^<]+)<small class="credit">Photo: ([^<]+)</small>', html)
    assert figure and figure[2].strip() and figure[3] == "Ravi Tollund/Valley Dispatch"
    status, headers, data = get(figure[1])
    assert status == 200 and headers["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(data)).size == (480, 270)
    assert get(server.url("/img/no-such-picture.png"))[0] == 404


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.alternates: list[dict] = []

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "alternate":
            self.alternates.append(attrs)


def test_home_pages_autodiscover_their_feeds_and_robots_allow_all(server):
    for key, (path, content_type) in FEEDS.items():
        status, _, body = get(server.url(f"/{key}/"))
        assert status == 200
        parser = _Links()
        parser.feed(body.decode())
        assert [(a["type"], a["href"]) for a in parser.alternates] == [(content_type, server.url(path))]
    status, headers, body = get(server.url("/robots.txt"))
    assert status == 200 and body.decode().split() == ["User-agent:", "*", "Allow:", "/"]
    assert get(server.url("/nowhere"))[0] == 404


def test_only_published_story_pages_exist(still_server):
    pool = WIRES["valley"].stories
    assert get(still_server.url(f"/valley/stories/{pool[5].slug}.html"))[0] == 200
    for slug in (pool[6].slug, pool[-1].slug, f"{pool[0].slug}-r1", f"{pool[0].slug}-r0", f"{pool[0].slug}-r01"):
        assert get(still_server.url(f"/valley/stories/{slug}.html"))[0] == 404, slug

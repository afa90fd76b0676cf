"""One story, one entry: three wires' write-ups of one event show once on every surface of a
brand, through the member the brand prefers; the article page names the other coverage, the
story page lists it all, and a member not shown answers with a canonical link to the shown one.

Stories are made here with the ORM (a Story row, members pointed at it), as the clustering
stage would leave them; everything else is the real pipeline, pages, feeds, index and mail.
"""

from __future__ import annotations

import datetime as dt
import re

import feedparser
import lxml.html
import pytest
from django.utils import timezone

from tests.caches import clear_caches
from tests.digest.helpers import subscribe
from tests.web.factories import get, make_brand, make_source, store
from wiredesk.digest.services import editions, sending
from wiredesk.search.services import search_index_rebuild
from wiredesk.stories.models import Article, Story
from wiredesk.stories.selectors import articles_visible, preferred_member

pytestmark = pytest.mark.django_db

ALL = "all.test"  # carries every wire, lists none: the most complete member is shown
OWN = "own.test"  # lists Lake Wire only: its member is shown
ARTICLE_ID = re.compile(r"/story/(\d+)-")


OPENINGS = {
    "harbour": "The new ferry berth at the estuary opened on Tuesday.",
    "lake": "Boats tied up at the estuary's second berth for the first time this week.",
    "valley": "A long-awaited mooring for the estuary ferry is now in service, the port said.",
}


def body(place: str, n: int, wire: str) -> str:
    """A write-up of its own per wire (not a copy of another's: that would be a near-duplicate)."""
    words = " ".join(f"{wire}{i}" for i in range(n))
    return f"<p>{place}, Westmark (HW) - {OPENINGS[wire]} {words}</p>"


def make_story(members: list[Article]) -> Story:
    times = [a.published_at for a in members]
    story = Story.objects.create(first_seen_at=min(times), last_updated_at=max(times), size=len(members))
    Article.objects.filter(id__in=[a.id for a in members]).update(story=story)
    for a in members:
        a.refresh_from_db()
    return story


@pytest.fixture
def desk():
    """Three wires report one event; each also has a story of its own in other sections."""
    clear_caches()
    harbour, lake, valley = (make_source(n, credit=f"{n}.example") for n in ("Harbour Wire", "Lake Wire", "Valley Wire"))
    now = timezone.now().replace(microsecond=0)
    # Harbour's copy is the most complete, Valley's the earliest, Lake's in between.
    h = store(harbour, "Ferry berth opens at the estuary", body=body("PORT ELLIS", 60, "harbour"), published=now - dt.timedelta(minutes=20))
    lk = store(lake, "Estuary gets its new ferry berth", body=body("PORT ELLIS", 30, "lake"), published=now - dt.timedelta(minutes=30))
    v = store(valley, "New berth for the estuary ferry", body=body("PORT ELLIS", 10, "valley"), published=now - dt.timedelta(minutes=40))
    others = [
        store(harbour, "Harbour board sets its budget", section="business", published=now - dt.timedelta(minutes=5)),
        store(lake, "Lake rowing club wins the regatta", section="sports", published=now - dt.timedelta(minutes=6)),
        store(valley, "Valley vineyard reports a record harvest", section="business", published=now - dt.timedelta(minutes=7)),
    ]
    story = make_story([h, lk, v])
    everything = make_brand("All Herald", [ALL])
    own = make_brand("Lake Courier", [OWN], sources=[lake], time_zone="Australia/Sydney")
    search_index_rebuild()
    clear_caches()
    return {"story": story, "harbour": h, "lake": lk, "valley": v, "others": others, "brands": (everything, own),
            "now": now}


def ids_in(html: str) -> list[int]:
    return [int(i) for i in ARTICLE_ID.findall(html)]


def once(ids: list[int], desk, shown: Article) -> None:
    """The story appears exactly once, through ``shown``."""
    members = {desk["harbour"].id, desk["lake"].id, desk["valley"].id}
    assert [i for i in ids if i in members] == [shown.id], (ids, shown.id)


def teaser_ids(html: str) -> list[int]:
    """Article links of a page's teasers (each teaser links its article once, in its heading)."""
    root = lxml.html.fromstring(html)
    return [int(ARTICLE_ID.search(a.get("href"))[1]) for a in root.xpath("//main//h3/a") if ARTICLE_ID.search(a.get("href", ""))]


def test_the_preferred_member_rule(desk):
    everything, own = desk["brands"]
    assert preferred_member(brand=everything, article=desk["valley"]).id == desk["harbour"].id  # most complete
    assert preferred_member(brand=own, article=desk["lake"]).id == desk["lake"].id  # its own wire
    # Equally complete: the earliest.
    Article.objects.filter(id__in=[desk["harbour"].id, desk["lake"].id, desk["valley"].id]).update(body_chars=100)
    assert preferred_member(brand=everything, article=desk["harbour"]).id == desk["valley"].id
    # A member outside the brand's sections does not count.
    everything.sections = ["business", "sports"]
    everything.save()
    assert not articles_visible(brand=everything).filter(story=desk["story"]).exists()


@pytest.mark.parametrize("host", [ALL, OWN])
def test_lists_show_the_story_once(client, desk, host):
    shown = desk["harbour"] if host == ALL else desk["lake"]
    brand = desk["brands"][0 if host == ALL else 1]
    day = shown.published_at.astimezone(brand.tz)
    pages = ["/", "/section/world/", "/place/port-ellis/", f"/archive/{day.year}/{day.month}/{day.day}/",
             f"/archive/{day.year}/{day.month}/"]
    for path in pages:
        response = get(client, path, host)
        assert response.status_code == 200, path
        once(teaser_ids(response.content.decode()), desk, shown)
    for path in ("/feeds/rss.xml", "/feeds/atom.xml", "/section/world/rss.xml", "/section/world/atom.xml"):
        parsed = feedparser.parse(get(client, path, host).content)
        assert not parsed.bozo, path
        once([int(ARTICLE_ID.search(e.link)[1]) for e in parsed.entries], desk, shown)
    for path in ("/feeds/feed.json", "/section/world/feed.json"):
        items = get(client, path, host).json()["items"]
        once([int(ARTICLE_ID.search(i["url"])[1]) for i in items], desk, shown)
    for path in ("/sitemap.xml", "/news-sitemap.xml"):
        root = lxml.etree.fromstring(get(client, path, host).content)
        locs = [loc.text for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
        once([int(m[1]) for m in map(ARTICLE_ID.search, locs) if m], desk, shown)


def test_source_pages_list_each_wires_own_report(client, desk):
    # A source's page is its own reports: its member of the story is listed under its name.
    for key in ("harbour", "lake", "valley"):
        article = desk[key]
        ids = teaser_ids(get(client, f"/source/{article.source_id}/", ALL).content.decode())
        once(ids, desk, article)


def test_rail_and_read_more_never_show_the_story_twice(client, desk):
    # From a business story's page the rail ranks the world section: the story is there once.
    other = desk["others"][0]
    html = get(client, f"/story/{other.id}-{other.slug}/", ALL).content.decode()
    rail = lxml.html.fromstring(html).xpath("//aside[@class='rail']//a/@href")
    once([int(ARTICLE_ID.search(h)[1]) for h in rail], desk, desk["harbour"])
    # On the story's own page the rail holds none of its members.
    for key in ("harbour", "valley"):
        page = get(client, f"/story/{desk[key].id}-{desk[key].slug}/", ALL).content.decode()
        rail = lxml.html.fromstring(page).xpath("//aside[@class='rail']//a/@href")
        members = {desk["harbour"].id, desk["lake"].id, desk["valley"].id}
        assert not members & {int(ARTICLE_ID.search(h)[1]) for h in rail}


def test_rail_leaves_out_the_articles_story_filed_in_another_section(client, desk):
    # Valley's member is filed under business: the story now reaches the world pages' rail
    # through it... but not on the story's own pages.
    everything = desk["brands"][0]
    Article.objects.filter(id=desk["valley"].id).update(section="business", body_chars=10_000)
    clear_caches()
    assert preferred_member(brand=everything, article=desk["harbour"]).id == desk["valley"].id
    page = get(client, f"/story/{desk['harbour'].id}-{desk['harbour'].slug}/", ALL).content.decode()
    rail = {int(ARTICLE_ID.search(h)[1]) for h in lxml.html.fromstring(page).xpath("//aside[@class='rail']//a/@href")}
    assert desk["valley"].id not in rail
    assert rail  # the other stories are still there


@pytest.mark.parametrize("order", ["relevance", "newest"])
def test_search_gives_one_result_per_story_unless_asked_for_all(client, desk, order):
    html = get(client, f"/search/?q=ferry+berth&order={order}", ALL).content.decode()
    once(teaser_ids(html), desk, desk["harbour"])
    assert "1 story found" in html and "all=1" in html
    every = get(client, f"/search/?q=ferry+berth&order={order}&all=1", ALL).content.decode()
    assert sorted(teaser_ids(every)) == sorted([desk["harbour"].id, desk["lake"].id, desk["valley"].id])
    assert "3 reports found" in every
    # Words only a less complete member has: the story is found, through the member that has them.
    Article.objects.filter(id=desk["valley"].id).update(title="Kelpwick ferry berth")
    search_index_rebuild()
    clear_caches()
    html = get(client, f"/search/?q=kelpwick&order={order}", ALL).content.decode()
    once(teaser_ids(html), desk, desk["valley"])
    # Narrowed to one source: that source's member.
    html = get(client, f"/search/?q=ferry+berth&source={desk['lake'].source_id}", ALL).content.decode()
    once(teaser_ids(html), desk, desk["lake"])


def test_search_on_the_own_brand_shows_its_wires_member(client, desk):
    once(teaser_ids(get(client, "/search/?q=ferry+berth", OWN).content.decode()), desk, desk["lake"])


def test_daily_email_lists_the_story_once(desk, mail_sink):
    everything, _ = desk["brands"]
    everything.sections = ["world", "business", "sports"]
    everything.save()
    subscribe(everything, "reader@example.com", sections=("world", "business", "sports"))
    edition, created = editions.edition_open(brand=everything, date=timezone.localdate(), now=timezone.now())
    assert created
    assert sending.edition_send(edition_id=edition.pk).sent == 1
    (received,) = mail_sink.to("reader@example.com")
    for part in ("plain", "html"):
        text = received.message.get_body((part,)).get_content()
        once(list(dict.fromkeys(ids_in(text))), desk, desk["harbour"])  # a story may link twice


def test_daily_email_does_not_send_a_story_again_for_new_coverage(desk):
    from wiredesk.digest.content import select_stories

    everything, _ = desk["brands"]
    now = timezone.now()
    # Harbour's and Lake's copies went out yesterday; Valley's arrives today.
    Article.objects.filter(id__in=[desk["harbour"].id, desk["lake"].id]).update(first_seen_at=now - dt.timedelta(hours=30))
    chosen = select_stories(everything, since=now - dt.timedelta(hours=24), cutoff=now, per_section=5)
    assert desk["valley"].id not in [i for ids in chosen.values() for i in ids]
    # A story whose members are all new shows once, through the preferred member.
    Article.objects.filter(id__in=[desk["harbour"].id, desk["lake"].id]).update(first_seen_at=now - dt.timedelta(hours=1))
    chosen = select_stories(everything, since=now - dt.timedelta(hours=24), cutoff=now, per_section=5)
    members = {desk["harbour"].id, desk["lake"].id, desk["valley"].id}
    assert [i for ids in chosen.values() for i in ids if i in members] == [desk["harbour"].id]


def test_article_page_names_the_other_coverage(client, desk):
    h, lk, v = desk["harbour"], desk["lake"], desk["valley"]
    root = lxml.html.fromstring(get(client, f"/story/{h.id}-{h.slug}/", ALL).content)
    (section,) = root.xpath("//section[@class='coverage']")
    assert section.xpath("h2")[0].text == "Also reported by"
    items = section.xpath("ul/li")
    # The others, oldest first, each with its credit, its time in the brand's zone and a link.
    assert [li.xpath("a/@href")[0] for li in items] == [f"/story/{v.id}-{v.slug}/", f"/story/{lk.id}-{lk.slug}/"]
    assert [li.xpath("a/span[@class='credit']")[0].text for li in items] == ["Valley Wire.example", "Lake Wire.example"]
    assert items[0].xpath("time/@datetime")[0] == v.published_at.isoformat()
    assert section.xpath("p/a/@href")[0] == f"/coverage/{desk['story'].id}/"
    # The brand in Sydney: the times are its own; it carries only Lake Wire, so no other coverage.
    own = lxml.html.fromstring(get(client, f"/story/{lk.id}-{lk.slug}/", OWN).content)
    assert not own.xpath("//section[@class='coverage']")


def test_also_reported_by_shows_times_in_the_brands_zone(client, desk):
    _, own = desk["brands"]
    harbour_wire = desk["harbour"].source
    own.brandsource_set.create(source=harbour_wire)
    clear_caches()
    lk, h = desk["lake"], desk["harbour"]
    root = lxml.html.fromstring(get(client, f"/story/{lk.id}-{lk.slug}/", OWN).content)
    (li,) = root.xpath("//section[@class='coverage']/ul/li")
    local = h.published_at.astimezone(own.tz)
    assert "GMT+1" in li.xpath("time")[0].text and f"{local:%H:%M}" in li.xpath("time")[0].text


def test_story_page_lists_all_coverage_in_time_order(client, desk):
    h, lk, v = desk["harbour"], desk["lake"], desk["valley"]
    response = get(client, f"/coverage/{desk['story'].id}/", ALL)
    assert response.status_code == 200
    root = lxml.html.fromstring(response.content)
    assert root.xpath("//h1")[0].text == h.title  # named by the member the brand shows
    assert teaser_ids(response.content.decode()) == [v.id, lk.id, h.id]
    assert root.xpath("//link[@rel='canonical']/@href")[0] == f"http://{ALL}/coverage/{desk['story'].id}/"
    # The brand carrying one wire lists its one report; a story it carries nothing of is a 404.
    assert teaser_ids(get(client, f"/coverage/{desk['story'].id}/", OWN).content.decode()) == [lk.id]
    Article.objects.filter(id=lk.id).update(story=None)
    clear_caches()
    assert get(client, f"/coverage/{desk['story'].id}/", OWN).status_code == 404
    assert get(client, "/coverage/987654/", ALL).status_code == 404


def test_a_merged_storys_page_leads_to_the_story_it_joined(client, desk):
    gone = Story.objects.create(first_seen_at=desk["now"], last_updated_at=desk["now"], merged_into=desk["story"])
    response = get(client, f"/coverage/{gone.id}/", ALL)
    assert response.status_code == 301 and response["Location"] == f"/coverage/{desk['story'].id}/"


def test_a_member_not_shown_answers_with_a_canonical_link_to_the_shown_one(client, desk):
    h, lk, v = desk["harbour"], desk["lake"], desk["valley"]
    for article, host, shown in ((v, ALL, h), (lk, ALL, h), (h, ALL, h), (lk, OWN, lk)):
        response = get(client, f"/story/{article.id}-{article.slug}/", host)
        assert response.status_code == 200
        root = lxml.html.fromstring(response.content)
        assert root.xpath("//link[@rel='canonical']/@href") == [f"http://{host}/story/{shown.id}-{shown.slug}/"]
        assert root.xpath("//h1")[0].text == article.title  # its own copy, credited to its own wire
        assert article.source.credit in root.xpath("//p[@class='source-line']/a")[0].text


def test_a_verbatim_copy_is_not_listed_as_other_coverage(client, desk):
    h, v = desk["harbour"], desk["valley"]
    Article.objects.filter(id=v.id).update(duplicate_of=h)
    clear_caches()
    root = lxml.html.fromstring(get(client, f"/story/{h.id}-{h.slug}/", ALL).content)
    links = root.xpath("//section[@class='coverage']/ul/li/a/@href")
    assert links == [f"/story/{desk['lake'].id}-{desk['lake'].slug}/"]
    # Its own address leads to the copy shown, for now: which copy is shown may change as more
    # copies arrive, so the redirect is temporary.
    response = get(client, f"/story/{v.id}-{v.slug}/", ALL)
    assert response.status_code == 302 and response["Location"] == f"/story/{h.id}-{h.slug}/"


def test_the_more_complete_copy_is_shown_and_the_first_one_names_it(client, desk):
    """A reissue that adds a paragraph is the copy lists show (most complete), not the first
    sending; the first still answers at its address, naming the shown copy as canonical."""
    h, v = desk["harbour"], desk["valley"]
    Article.objects.filter(id=h.id).update(duplicate_of=v)  # Harbour's longer text resends Valley's
    clear_caches()
    front = teaser_ids(get(client, "/", ALL).content.decode())
    once(front, desk, h)
    first = get(client, f"/story/{v.id}-{v.slug}/", ALL)
    assert first.status_code == 200
    canonical = lxml.html.fromstring(first.content).xpath("//link[@rel='canonical']/@href")
    assert canonical and canonical[0].endswith(f"/story/{h.id}-{h.slug}/")


def test_a_story_filed_in_two_sections_is_on_both_section_pages_once(client, desk):
    """Valley filed its report under business: the business page lists the story through it,
    the world page through the report the brand prefers there; each page shows it once."""
    Article.objects.filter(id=desk["valley"].id).update(section="business")
    clear_caches()
    business = teaser_ids(get(client, "/section/business/", ALL).content.decode())
    world = teaser_ids(get(client, "/section/world/", ALL).content.decode())
    once(business, desk, desk["valley"])
    once(world, desk, desk["harbour"])

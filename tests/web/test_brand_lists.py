"""Every list a brand shows holds that brand's stories only, in its own sections and order.

Two brands share one stored pool of wire copy (several wires, every section, several places,
cross-wire duplicates, one brand's news releases). Hypothesis draws their configurations:
the wires each carries (none listed: every wire), the sections and their order, the home place
as an editor might type it, other spellings of it, source weights. For each, every list of
both sites is read over HTTP (the front, section, source and place pages, the feeds, search,
the sitemap, the archive and the "More Information" rail) and checked against an oracle
written here from the rules, not from the selectors: a story is listed only where the brand
shows it, a section page is exactly that section's newest stories, the rail is the brand's
own ranking of stories that share no section with the article.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from anyascii import anyascii
from django.utils.text import slugify
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.caches import clear_caches
from tests.web.factories import UTC, get, make_brand, make_source, store
from wiredesk.brands.models import Brand
from wiredesk.core.sections import SECTIONS
from wiredesk.search.services import search_index_rebuild
from wiredesk.sources.models import Source
from wiredesk.stories.models import Article

pytestmark = pytest.mark.django_db

HOSTS = ("a.test", "b.test")
PLACES = ["PORT ELLIS", "KINGSBRIDGE", "ØSTBY", ""]
HOME_SPELLINGS = ["", "PORT ELLIS", "Port Ellis", " port-ellis ", "kingsbridge", "Østby", "OSTBY"]
LOCAL_BONUS = 6 * 3600  # seconds: the rules of stories/ranking.py, restated
WEIGHT_STEP = 6 * 3600
RAIL_POOL, RAIL_SIZE, RAIL_PER_SECTION, PER_PAGE, FEED_ITEMS = 48, 12, 4, 20, 50


@dataclass
class Story:
    id: int
    source_id: int
    kind: str
    section: str
    place_slug: str
    duplicate_of: int | None
    published: dt.datetime


@pytest.fixture
def pool():
    """Three wires' stories in every section and place over three months, some copied by a
    second wire, and two news releases of a releases source (linked to the first brand only)."""
    wires = [make_source(name) for name in ("Harbour Wire", "Lake Wire", "Valley Wire")]
    releases = make_source("Releases", kind=Source.Kind.RELEASES)
    # Fifty minutes apart, so a home place (six hours up) and a weight really reorder them;
    # every seventh a few weeks older, so the archive has several months.
    start = dt.datetime.now(UTC) - dt.timedelta(days=3)
    n = 0
    for w, wire in enumerate(wires):
        for s, section in enumerate(SECTIONS):
            for p, place in enumerate(PLACES):
                if (w + s + p) % 2:
                    continue  # half the combinations: still every wire, section and place
                n += 1
                lead = f"{place}, Westmark: " if place else ""
                store(wire, f"Ferry story {n} of {wire.name}", section=section,
                      published=start + dt.timedelta(minutes=50 * n) - dt.timedelta(days=30 * (n % 7 == 0)),
                      body=f"<p>{lead}The ferry board met about story {n} on the quay.</p><p>More words {n}.</p>")
    originals = list(Article.objects.filter(source=wires[0]).order_by("id")[:4])
    for original in originals:  # the second wire's identical copies
        store(wires[1], original.title, section=original.section, duplicate_of=original,
              published=original.published_at + dt.timedelta(minutes=3),
              body=f"<p>{original.dateline_place + ': ' if original.dateline_place else ''}A copy about the ferry.</p>")
    for k in range(2):
        store(releases, f"Ferry club release {k}", section="local", body="<p>PORT ELLIS: The ferry club opens.</p>")
    search_index_rebuild()
    stories = [
        Story(a.id, a.source_id, a.source.kind, a.section, a.place_slug, a.duplicate_of_id, a.published_at)
        for a in Article.objects.select_related("source")
    ]
    return {"wires": wires, "releases": releases, "stories": {s.id: s for s in stories}}


# --- the oracle ----------------------------------------------------------------------------

class Oracle:
    def __init__(self, config: dict, pool: dict) -> None:
        self.config = config
        self.stories = pool["stories"]
        self.wires = {w.id for w in config["wires"]}
        self.releases = {pool["releases"].id} if config["releases"] else set()
        self.sections = config["sections"] or list(SECTIONS)
        names = [config["home"], *config["aliases"]]
        self.home = {slugify(anyascii(n)) for n in names} - {""}
        self.weights = config["weights"]

    def carried(self, s: Story) -> bool:
        if s.source_id in self.releases:
            return True
        return s.source_id in self.wires if self.wires else s.kind == Source.Kind.WIRE

    def local(self, s: Story) -> bool:
        return s.section == "local" or s.place_slug in self.home

    def sections_of(self, s: Story) -> set[str]:
        return {x for x in self.sections if x == s.section or (x == "local" and self.local(s))}

    def shown(self, s: Story) -> bool:
        return self.carried(s) and bool(self.sections_of(s))

    def visible(self, s: Story) -> bool:
        original = self.stories.get(s.duplicate_of) if s.duplicate_of else None
        return self.shown(s) and not (original is not None and self.shown(original))

    def listed(self, keep=lambda s: True) -> list[int]:
        """Ids of the visible stories that ``keep`` accepts, newest first."""
        found = [s for s in self.stories.values() if self.visible(s) and keep(s)]
        return [s.id for s in sorted(found, key=lambda s: (s.published, s.id), reverse=True)]

    def score(self, s: Story) -> float:
        bonus = LOCAL_BONUS if s.place_slug in self.home else 0
        return s.published.timestamp() + bonus + (self.weights.get(s.source_id, 1.0) - 1.0) * WEIGHT_STEP

    def rail(self, article: Story) -> list[int]:
        """The best of the 48 newest stories sharing no section with the article, four at most
        of one front section while others have stories."""
        mine = self.sections_of(article)
        pool = self.listed(lambda s: not (self.sections_of(s) & mine))[:RAIL_POOL]
        best = sorted((self.stories[i] for i in pool), key=lambda s: (self.score(s), s.id), reverse=True)
        spread = [s for n, s in enumerate(best)
                  if sum(self.front_section(o) == self.front_section(s) for o in best[:n]) < RAIL_PER_SECTION]
        chosen = [s.id for s in spread[:RAIL_SIZE]]
        chosen += [s.id for s in best if s.id not in chosen][: RAIL_SIZE - len(chosen)]
        return [s.id for s in best if s.id in chosen]

    def front_section(self, s: Story) -> str:
        return "local" if "local" in self.sections and self.local(s) else s.section


# --- reading the sites ----------------------------------------------------------------------

def ids(doc: str) -> list[int]:
    """Story ids linked from a page or feed, in order, each once."""
    return list(dict.fromkeys(int(i) for i in re.findall(r"/story/(\d+)-", doc)))


def main(doc: str) -> str:
    return re.search(r"<main.*?</main>", doc, re.S)[0]


def teasers(doc: str) -> list[int]:
    return [int(i) for i in re.findall(r'<h3><a href="/story/(\d+)-', doc)]


def page(client, path: str, host: str, status: int = 200) -> str:
    response = get(client, path, host)
    assert response.status_code == status, (host, path, response.status_code)
    return response.content.decode()


def check_brand(client, host: str, oracle: Oracle, pool: dict) -> None:
    visible = set(oracle.listed())
    # The front: the brand's stories, each block of its own section.
    home = page(client, "/", host)
    blocks = re.findall(r'<section class="front-block" aria-labelledby="s-(\w+)">(.*?)</section>', home, re.S)
    assert [b for b, _ in blocks] == [s for s in oracle.sections if s in {b for b, _ in blocks}]
    for section, block in blocks:
        assert {oracle.front_section(oracle.stories[i]) for i in teasers(block)} == {section}, (host, section)
    assert set(teasers(home)) <= visible
    # Section pages and feeds: exactly the section's newest stories; none for other sections.
    fed = {"local" if "local" in oracle.sections else oracle.sections[0]}  # one section feed is enough
    for section in SECTIONS:
        if section in oracle.sections:
            members = oracle.listed(lambda s, section=section: section in oracle.sections_of(s))
            assert teasers(page(client, f"/section/{section}/", host)) == members[:PER_PAGE], (host, section)
            if section in fed:
                assert ids(page(client, f"/section/{section}/rss.xml", host)) == members[:FEED_ITEMS]
        else:
            page(client, f"/section/{section}/", host, status=404)
    assert ids(page(client, "/feeds/feed.json", host)) == oracle.listed()[:FEED_ITEMS]
    # Source pages: the carried sources' stories, the rest not found.
    for source in [*pool["wires"], pool["releases"]]:
        carried = (source.id in oracle.releases or (source.id in oracle.wires if oracle.wires
                                                   else source.kind == Source.Kind.WIRE))
        if carried:
            expected = oracle.listed(lambda s, source=source: s.source_id == source.id)[:PER_PAGE]
            assert teasers(page(client, f"/source/{source.id}/", host)) == expected
        else:
            page(client, f"/source/{source.id}/", host, status=404)
    # Place pages.
    for slug in {s.place_slug for s in oracle.stories.values()} - {""}:
        expected = oracle.listed(lambda s, slug=slug: s.place_slug == slug)[:PER_PAGE]
        doc = page(client, f"/place/{slug}/", host, status=200 if expected else 404)
        assert not expected or teasers(doc) == expected
    # Search, the sitemap and the archive never list another brand's story.
    found = ids(main(page(client, "/search/?q=ferry&order=newest", host)))
    assert found == oracle.listed()[:PER_PAGE]
    if "local" in oracle.sections:
        local = oracle.listed(lambda s: "local" in oracle.sections_of(s))
        assert ids(main(page(client, "/search/?q=ferry&section=local&order=newest", host))) == local[:PER_PAGE]
    assert set(ids(page(client, "/sitemap.xml", host))) == visible
    for month in sorted(set(re.findall(r'href="(/archive/\d+/\d+/)"', page(client, "/archive/", host))))[-1:]:
        assert set(teasers(page(client, month, host))) <= visible
    # The rail of a few of the brand's articles.
    for article_id in oracle.listed()[::9][:3]:
        article = Article.objects.get(id=article_id)
        doc = page(client, f"/story/{article.id}-{article.slug}/", host)
        rail = re.search(r'<aside class="rail".*?</aside>', doc, re.S)[0]
        assert ids(rail) == oracle.rail(oracle.stories[article_id]), (host, article_id)
        # The section the story line links is one the brand shows, and one the story is in.
        linked = re.search(r'<p class="source-line">.*?href="/section/(\w+)/"', doc)[1]
        assert linked in oracle.sections_of(oracle.stories[article_id])


# --- brand configurations ------------------------------------------------------------------

SECTION_LISTS = st.one_of(
    st.just([]),
    st.lists(st.sampled_from(SECTIONS), min_size=1, max_size=len(SECTIONS), unique=True),
)


@st.composite
def config(draw) -> dict:
    """A brand's configuration; wires by their index in the pool."""
    chosen = draw(st.lists(st.sampled_from([0, 1, 2]), max_size=3, unique=True))
    return {
        "wires": chosen,
        "sections": draw(SECTION_LISTS),
        "home": draw(st.sampled_from(HOME_SPELLINGS)),
        "aliases": draw(st.lists(st.sampled_from(["Ostby", "KINGS BRIDGE", "Kingsbridge"]), max_size=2, unique=True)),
        "weights": {w: draw(st.sampled_from([0.5, 1.0, 2.0, 3.0])) for w in chosen},
    }


def resolved(cfg: dict, pool: dict) -> dict:
    """The configuration with wire indices replaced by the pool's sources."""
    wires = pool["wires"]
    return {**cfg, "wires": [wires[i] for i in cfg["wires"]],
            "weights": {wires[i].id: w for i, w in cfg["weights"].items()}}


def make(config: dict, host: str, pool: dict, *, releases: bool):
    linked = [*config["wires"], *([pool["releases"]] if releases else [])]
    weights = {source: config["weights"].get(source.id, 1.0) for source in linked}
    make_brand(host, [host], sources=linked, weights=weights, sections=config["sections"],
               home_place=config["home"], home_place_aliases=config["aliases"])


def run(client, pool: dict, configs: tuple[dict, dict]) -> None:
    Brand.objects.all().delete()
    clear_caches()
    configs = tuple(resolved(cfg, pool) for cfg in configs)
    for n, (host, cfg) in enumerate(zip(HOSTS, configs)):
        make(cfg, host, pool, releases=n == 0)
    for n, (host, cfg) in enumerate(zip(HOSTS, configs)):
        check_brand(client, host, Oracle({**cfg, "releases": n == 0}, pool), pool)


def brand(wires=(), sections=(), home="", aliases=(), weights=None) -> dict:
    return {"wires": list(wires), "sections": list(sections), "home": home, "aliases": list(aliases),
            "weights": weights or {}}


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(a=config(), b=config())
# Like the demo: every section and its home port; a few sections and another home place.
@example(a=brand(home="PORT ELLIS"), b=brand(sections=["world", "business", "technology", "sports"], home="KINGSBRIDGE"))
# Local news beside one section: the home place's stories of every other section too.
@example(a=brand(wires=[0], sections=["world", "local"], home="Port Ellis", weights={0: 3.0}),
         b=brand(wires=[1, 2], sections=["local", "sports", "business"], home="østby", aliases=["Kingsbridge"],
                 weights={1: 0.5, 2: 2.0}))
def test_every_list_of_every_brand_configuration(client, pool, a, b):
    run(client, pool, (a, b))

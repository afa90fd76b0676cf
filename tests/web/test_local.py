"""A brand's Local section holds its home place's stories, however the place is spelt.

The wires file stories under world, business, sports...; "local" is where the story happened.
The property test writes the home place into the brand and the datelines in different
cases, with and without accents and punctuation, and checks that the Local page, its feed and
search's Local filter all list exactly the stories of that place, and never a near-namesake.
"""

from __future__ import annotations

import re

import pytest
from anyascii import anyascii
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.caches import clear_caches
from tests.web.factories import get, make_brand, make_source, store
from wiredesk.brands.models import Brand
from wiredesk.search.services import search_index_rebuild
from wiredesk.stories.models import Article

pytestmark = pytest.mark.django_db

HOST = "harbour.test"
# Home places, each with places that only look like it.
PLACES = {
    "SÃO AMARO": ["SAO AMAROS", "SANTO AMARO"],
    "ØSTBY": ["ØSTBYEN", "VESTBY"],
    "ST. AUBIN": ["ST. AUBINS", "AUBIN"],
    "PORT ELLIS": ["PORT ELLISON", "EAST PORT ELLIS"],
    "ŁOWICZ": ["ŁOWICZE", "OWICZ"],
}
SECTIONS = ["world", "business", "technology", "sports", "photo"]


def ids_in(doc: str) -> set[int]:
    """Ids of the stories a page or feed links (feeds link them absolutely)."""
    return {int(i) for i in re.findall(r'/story/(\d+)-', doc)}


def teaser_ids(doc: str) -> list[int]:
    return [int(i) for i in re.findall(r'<h3><a href="/story/(\d+)-', doc)]


@st.composite
def admin_spelling(draw, place: str) -> str:
    """How an editor might type the home place into the admin."""
    name = draw(st.sampled_from([place, anyascii(place)]))  # with or without its accents
    name = draw(st.sampled_from([name, name.lower(), name.title(), name.casefold()]))
    if "." in name:
        name = draw(st.sampled_from([name, name.replace(".", ""), name.replace(". ", "-")]))
    return draw(st.sampled_from(["", " "])) + name + draw(st.sampled_from(["", " "]))


@st.composite
def wire_spelling(draw, place: str) -> str:
    """How a wire might write the place in a dateline (upper case, as datelines are)."""
    name = draw(st.sampled_from([place, anyascii(place).upper()]))
    if "." in name:
        name = draw(st.sampled_from([name, name.replace(".", "")]))
    return name


@st.composite
def scenario(draw):
    home = draw(st.sampled_from(sorted(PLACES)))
    stories = []
    for n in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["home", "lookalike", "elsewhere", "none"]))
        place = {
            "home": draw(wire_spelling(home)),
            "lookalike": draw(st.sampled_from(PLACES[home])),
            "elsewhere": draw(st.sampled_from([p for p in PLACES if p != home])),
            "none": "",
        }[kind]
        stories.append((kind, place, draw(st.sampled_from(SECTIONS)), draw(st.booleans())))
    return home, draw(admin_spelling(home)), stories


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=scenario())
def test_the_local_section_is_the_home_place_however_it_is_spelt(client, case):
    home, typed, stories = case
    Article.objects.all().delete()
    Brand.objects.all().delete()
    clear_caches()
    wire = make_source("Harbour Wire")
    make_brand("Harbour Herald", [HOST], sources=[wire], home_place=typed)
    local = []
    for n, (kind, place, section, caption) in enumerate(stories):
        if not place:
            body = "<p>The ferry board met again on Monday in the usual hall.</p>"
        elif caption:  # an agency caption lead
            body = f"<p>(250303) -- {place}, March 3, 2025 (Northlight) -- The ferry board met again.</p>"
        else:
            body = f"<p>{place}, Westmark: The ferry board met again on Monday in the usual hall.</p>"
        article = store(wire, f"Ferry board story {n}", body=body, section=section)
        assert article.dateline_place == place  # the dateline was read: the test is about matching
        if kind == "home":
            local.append(article.id)
    search_index_rebuild()
    newest_first = sorted(local, key=lambda i: Article.objects.get(id=i).published_at, reverse=True)

    assert teaser_ids(get(client, "/section/local/", HOST).content.decode()) == newest_first
    feed = get(client, "/section/local/rss.xml", HOST).content.decode()
    assert ids_in(feed) == set(local)
    found = get(client, "/search/?q=ferry+board&section=local", HOST).content.decode()
    assert ids_in(found) == set(local)


@pytest.fixture
def wire():
    return make_source("Harbour Wire")


def test_other_spellings_set_in_the_admin_count_too(client, wire):
    make_brand("Harbour Herald", [HOST], sources=[wire], home_place="PORT ELLIS", home_place_aliases=["Ellis Harbour"])
    a = store(wire, "Pier repaired", body="<p>ELLIS HARBOUR: The pier reopened on Monday after repairs.</p>")
    b = store(wire, "Fares frozen", body="<p>PORT ELLIS: Ferry fares were frozen for the winter.</p>")
    store(wire, "Elsewhere", body="<p>KINGSBRIDGE: The bridge was painted.</p>")
    assert sorted(teaser_ids(get(client, "/section/local/", HOST).content.decode())) == sorted([a.id, b.id])


def test_a_brand_showing_local_news_but_not_business_shows_its_home_places_business_news(client, wire):
    make_brand("Harbour Herald", [HOST], sources=[wire], home_place="PORT ELLIS", sections=["world", "local"])
    local_business = store(wire, "Shipyard order", section="business", body="<p>PORT ELLIS: The yard won an order.</p>")
    store(wire, "Bank results", section="business", body="<p>KINGSBRIDGE: The bank reported a profit.</p>")
    assert teaser_ids(get(client, "/section/local/", HOST).content.decode()) == [local_business.id]
    story = get(client, f"/story/{local_business.id}-{local_business.slug}/", HOST).content.decode()
    assert '<a href="/section/local/">Local</a>' in story  # the section it is shown in, not Business
    assert get(client, "/section/business/", HOST).status_code == 404


def test_a_brand_without_a_local_section_has_no_local_page(client, wire):
    make_brand("Lakeside Ledger", [HOST], sources=[wire], home_place="PORT ELLIS", sections=["world", "business"])
    store(wire, "Fares frozen", body="<p>PORT ELLIS: Ferry fares were frozen.</p>")
    assert get(client, "/section/local/", HOST).status_code == 404
    assert get(client, "/section/local/rss.xml", HOST).status_code == 404


def test_a_brand_without_a_home_place_has_only_what_wires_file_as_local(client, wire):
    make_brand("Harbour Herald", [HOST], sources=[wire])
    filed = store(wire, "Filed as local", section="local", body="<p>KINGSBRIDGE: The bridge was painted.</p>")
    store(wire, "No dateline", body="<p>The council met.</p>")
    assert teaser_ids(get(client, "/section/local/", HOST).content.decode()) == [filed.id]

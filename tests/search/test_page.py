"""The /search/ page through the test client (Host: testserver)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.search.conftest import BASE, make_article, make_source

pytestmark = pytest.mark.django_db

XSS_TITLE = '<script>alert("t")</script><img src=x onerror=alert(2)> Ferry crash'
XSS_BODY = ("<p>The ferry hit the pier. &lt;script&gt;alert(3)&lt;/script&gt; "
            "&lt;img src=y onerror=alert(4)&gt; and \"quotes\" &amp; 'apostrophes'.</p>")


def results_html(response) -> str:
    text = response.content.decode()
    found = re.search(r'<ol class="search-results.*?</ol>', text, re.S)
    return found.group(0) if found else ""


def test_empty_query_shows_the_form_only(client, brand):
    response = client.get("/search/")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'name="q"' in text and 'name="section"' in text and 'name="source"' in text
    assert 'name="from"' in text and 'name="to"' in text and 'name="order"' in text
    assert "search-results" not in text and "No stories match" not in text


def test_results_show_link_highlight_credit_and_brand_time(client, brand, source):
    a = make_article(source, "Harbour board approves new ferry berth", "Work starts at the north quay in spring.")
    response = client.get("/search/", {"q": "ferry"})
    assert response.status_code == 200
    html = results_html(response)
    assert f'href="/story/{a.id}-{a.slug}/"' in html
    assert "<mark>ferry</mark>" in html
    assert "Quayside Ledger" in html
    assert "19 Nov 2026, 19:00" in html  # 08:00 UTC in Sydney (GMT+11)
    # The header search box is filled with the query.
    assert re.search(r'<input id="q"[^>]*value="ferry"', response.content.decode())


def test_xss_in_titles_and_bodies_is_escaped(client, brand, source):
    make_article(source, XSS_TITLE, body_html=XSS_BODY)
    # (Words inside the tag-like text are not searched for: PostgreSQL's parser skips tags.)
    for query in ("ferry", "crash", "pier", "quotes apostrophes"):
        response = client.get("/search/", {"q": query})
        assert response.status_code == 200
        text = response.content.decode()
        assert "<script" not in text.lower()  # the page has no script element at all
        assert "<img src=x" not in text and "<img src=y" not in text
        html = results_html(response)
        assert "<mark>" in html, query
        # Only the template's own elements and <mark>: nothing from the story became markup.
        assert set(re.findall(r"<(\w+)", html)) <= {"ol", "li", "h3", "a", "mark", "p", "span", "time"}
    html = results_html(client.get("/search/", {"q": "ferry"}))
    assert "&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;" in html
    assert "&lt;img src=y onerror=alert(4)&gt;" in html


def test_xss_in_the_query_is_escaped(client, brand, source):
    make_article(source, "Ferry berth", "Board votes.")
    payload = '"><script>alert(1)</script>'
    response = client.get("/search/", {"q": payload + " ferry", "from": payload, "section": payload, "source": payload})
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.content.decode()


@pytest.mark.parametrize(
    "q", ['"', "AND", "OR", "NOT", "-", "*", "NEAR(", "NEAR(ferry, 2)", "ferry*", '"ferry', "(", ")", "title:ferry",
          "\x00", "%00", "a" * 2000, "ferry -", "-ferry", "{title}: ferry", "^ferry", "'; DROP TABLE stories_article; --"],
)
def test_hostile_queries_do_not_500(client, brand, source, q):
    make_article(source, "Ferry berth approved", "Board votes.")
    response = client.get("/search/", {"q": q, "order": "newest"})
    assert response.status_code == 200


@pytest.mark.parametrize("params", [
    {"page": "-1"}, {"page": "abc"}, {"page": "99999999999999999999"}, {"order": "sideways"},
    {"source": "99999999999999999999999"}, {"source": "x"}, {"section": "nope"},
])
def test_odd_parameters_do_not_500(client, brand, source, params):
    make_article(source, "Ferry berth approved", "Board votes.")
    assert client.get("/search/", {"q": "ferry", **params}).status_code == 200


@pytest.mark.parametrize("bad", ["yesterday", "2026-13-01", "2026-02-30", "19/11/2026"])
def test_a_bad_date_is_a_clear_message(client, brand, source, bad):
    make_article(source, "Ferry berth approved", "Board votes.")
    response = client.get("/search/", {"q": "ferry", "from": bad})
    assert response.status_code == 200
    text = response.content.decode()
    assert "is not a date" in text and "YYYY-MM-DD" in text
    response = client.get("/search/", {"q": "ferry", "from": "2026-11-20", "to": "2026-11-19"})
    assert response.status_code == 200 and "after the to date" in response.content.decode()


def test_filters_order_and_paging_through_the_page(client, brand, source):
    other = make_source("Northlight")
    for i in range(23):
        make_article(source if i % 2 else other, f"Ferry note {i}", "Timetable.", published=BASE + dt.timedelta(hours=i),
                     section="business" if i < 20 else "local")
    response = client.get("/search/", {"q": "ferry", "order": "newest"})
    text = response.content.decode()
    assert "23 stories found" in text and "page 1 of 2" in text
    assert text.index("note 22<") < text.index("note 21<")
    nxt = re.search(r'href="(\?[^"]*page=2[^"]*)" rel="next"', text).group(1).replace("&amp;", "&")
    assert "q=ferry" in nxt and "order=newest" in nxt
    second = client.get("/search/" + nxt).content.decode()
    assert "note 2<" in second and "note 22<" not in second

    local = client.get("/search/", {"q": "ferry", "section": "local"}).content.decode()
    assert "3 stories found" in local
    by_source = client.get("/search/", {"q": "ferry", "source": str(other.id), "section": "local"}).content.decode()
    assert "2 stories found" in by_source  # 20 and 22
    dated = client.get("/search/", {"q": "ferry", "from": "2026-11-20", "to": "2026-11-20"}).content.decode()
    assert "18 stories found" in dated  # from 13:00 UTC on the 19th: 00:00 on the 20th in Sydney
    assert client.get("/search/", {"q": "submarine"}).content.decode().count("No stories match") == 1


def test_sources_listed_are_the_brands(client, source):
    from tests.search.conftest import make_brand

    carried, other = source, make_source("Elsewhere Wire")
    make_brand(carried)
    text = client.get("/search/").content.decode()
    assert f'value="{carried.id}"' in text and f'value="{other.id}"' not in text


def test_a_search_with_more_matches_than_it_lists_says_so(client, brand, source, monkeypatch):
    from wiredesk.search import selectors

    monkeypatch.setattr(selectors, "MAX_HITS", 3)
    for i in range(4):
        make_article(source, f"Ferry note {i}", "Timetable.", published=BASE + dt.timedelta(hours=i))
    text = " ".join(client.get("/search/", {"q": "ferry"}).content.decode().split())
    assert "More than 3 stories found" in text and "Only the newest 3 are listed" in text
    monkeypatch.setattr(selectors, "MAX_HITS", 4)  # another query: the first page is cached
    text = " ".join(client.get("/search/", {"q": "ferry note"}).content.decode().split())
    assert "4 stories found" in text and "More than" not in text

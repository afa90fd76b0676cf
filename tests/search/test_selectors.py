"""search_articles on whichever database the suite runs on (SQLite FTS5 or PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.search.conftest import BASE, make_article, make_brand, make_source
from wiredesk.brands.models import Brand
from wiredesk.search.selectors import search_articles
from wiredesk.search.services import search_index_rebuild, search_index_update
from wiredesk.stories.models import Article

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


def ids(page) -> list[int]:
    return [h.article.id for h in page.hits]


def test_relevance_puts_the_title_match_first_newest_puts_the_newest_first(brand, source):
    titled = make_article(source, "Ferry berth approved", "The harbour board voted on Wednesday.", published=BASE)
    mentioned = make_article(source, "Council meets", "Among other things the ferry timetable was read out "
                             "and the minutes of the last meeting were approved after a long debate.",
                             published=BASE + 5 * HOUR)
    make_article(source, "Rowers brave the cold", "Crews rowed the estuary course.", published=BASE + 9 * HOUR)

    relevant = search_articles(brand=brand, query="ferry", order="relevance")
    assert relevant.total == 2 and ids(relevant) == [titled.id, mentioned.id]
    newest = search_articles(brand=brand, query="ferry", order="newest")
    assert ids(newest) == [mentioned.id, titled.id]


def test_all_words_must_match_phrases_and_exclusions(brand, source):
    a = make_article(source, "Harbour board approves new ferry berth", "Work starts in spring at the north quay.")
    b = make_article(source, "Ferry fares frozen", "Fares on the island boats stay the same; the quay north of town closes.")
    assert set(ids(search_articles(brand=brand, query="ferry quay"))) == {a.id, b.id}
    assert ids(search_articles(brand=brand, query='"north quay"')) == [a.id]
    assert ids(search_articles(brand=brand, query="ferry -fares")) == [a.id]
    assert ids(search_articles(brand=brand, query="ferry berth spring")) == [a.id]
    assert search_articles(brand=brand, query="ferry submarine").total == 0


def test_stemming_matches_other_forms(brand, source):
    a = make_article(source, "Plant hires technicians", "The company is hiring two hundred technicians.")
    assert ids(search_articles(brand=brand, query="hire technician")) == [a.id]


def test_section_source_and_date_filters(brand, source):
    other = make_source("Northlight")
    # 19 Nov 08:00 UTC is 19 Nov 19:00 in Sydney; 19 Nov 14:00 UTC is already 20 Nov 01:00 there.
    early = make_article(source, "Ferry strike ends", "Talks succeeded.", published=BASE, section="business")
    late = make_article(other, "Ferry strike ballot", "Crews vote.", published=BASE + 6 * HOUR, section="local")

    assert ids(search_articles(brand=brand, query="ferry", section="business")) == [early.id]
    assert ids(search_articles(brand=brand, query="ferry", section="local")) == [late.id]
    assert search_articles(brand=brand, query="ferry", section="sports").total == 0
    assert ids(search_articles(brand=brand, query="ferry", source_id=other.id)) == [late.id]

    day19, day20 = dt.date(2026, 11, 19), dt.date(2026, 11, 20)
    assert ids(search_articles(brand=brand, query="ferry", date_from=day20)) == [late.id]
    assert ids(search_articles(brand=brand, query="ferry", date_to=day19)) == [early.id]
    assert ids(search_articles(brand=brand, query="ferry", date_from=day19, date_to=day19)) == [early.id]
    assert search_articles(brand=brand, query="ferry", date_from=day20, date_to=day20, source_id=source.id).total == 0
    both = search_articles(brand=brand, query="ferry", date_from=day19, date_to=day20, order="newest")
    assert ids(both) == [late.id, early.id]


def test_matches_are_marked_and_everything_else_escaped(brand, source):
    make_article(
        source, "<script>alert('t')</script> Ferry & fares",
        body_html="<p>Before &lt;img src=x onerror=alert(1)&gt; the ferry left at dawn.</p>",
    )
    page = search_articles(brand=brand, query="ferry")
    hit = page.hits[0]
    assert "<mark>Ferry</mark>" in hit.title_html
    assert "&lt;script&gt;" in hit.title_html and "<script" not in hit.title_html
    assert "&amp;" in hit.title_html
    assert "<mark>ferry</mark>" in hit.snippet_html
    assert "&lt;img src=x" in hit.snippet_html and "<img" not in hit.snippet_html
    assert hit.snippet_html.count("<mark>") == hit.snippet_html.count("</mark>")


def test_lead_text_is_searchable_when_the_body_lacks_it(brand, source):
    a = make_article(source, "Untitled", body_html="<p>Nothing here.</p>", index=False)
    Article.objects.filter(id=a.id).update(lead_text="KINGSBRIDGE: estuary regatta at dawn")
    search_index_update(article_ids=[a.id])
    assert ids(search_articles(brand=brand, query="regatta")) == [a.id]


def test_duplicates_are_not_returned(brand, source):
    original = make_article(source, "Ferry berth approved", "The board voted.")
    make_article(make_source("Copycat"), "Ferry berth approved", "The board voted.", duplicate_of=original)
    page = search_articles(brand=brand, query="ferry berth")
    assert page.total == 1 and ids(page) == [original.id]


def test_only_stories_the_brand_shows(source):
    carried = make_article(source, "Ferry berth approved", "Board votes.")
    other = make_source("Elsewhere Wire")
    foreign = make_article(other, "Ferry berth rejected", "Board votes no.")
    narrow = make_brand(source, hosts=["narrow.example"], name="Narrow")
    wide = make_brand(hosts=["wide.example"], name="Wide")
    assert ids(search_articles(brand=narrow, query="ferry")) == [carried.id]
    assert set(ids(search_articles(brand=wide, query="ferry"))) == {carried.id, foreign.id}
    # A source the brand does not carry finds nothing even when asked for by id.
    assert search_articles(brand=narrow, query="ferry", source_id=other.id).total == 0


def test_paging_and_a_page_past_the_end(brand, source):
    made = [make_article(source, f"Ferry note {i}", "Timetable.", published=BASE + i * HOUR) for i in range(7)]
    first = search_articles(brand=brand, query="ferry", order="newest", per_page=3)
    assert (first.total, first.num_pages, first.has_next, first.has_previous) == (7, 3, True, False)
    assert ids(first) == [a.id for a in reversed(made)][:3]
    second = search_articles(brand=brand, query="ferry", order="newest", per_page=3, page=2)
    assert ids(second) == [a.id for a in reversed(made)][3:6]
    past = search_articles(brand=brand, query="ferry", order="newest", per_page=3, page=99)
    assert past.page == 3 and ids(past) == [made[0].id]


@pytest.mark.parametrize("order", ["relevance", "newest"])
def test_query_count_does_not_depend_on_page_size(brand, source, order, django_assert_num_queries):
    for i in range(25):
        make_article(make_source(f"Wire {i}") if i % 5 == 0 else source, f"Ferry story {i}", "Timetable changes.",
                     published=BASE + i * HOUR)
    # A fresh brand instance for each search, as each request has (it remembers its sources).
    one, other = Brand.objects.get(id=brand.id), Brand.objects.get(id=brand.id)
    with CaptureQueriesContext(connection) as small:
        assert len(search_articles(brand=one, query="ferry", order=order, per_page=5).hits) == 5
    assert len(small) <= 5  # brand sources, count, page ids, snippets for the page, articles
    with django_assert_num_queries(len(small)):
        page = search_articles(brand=other, query="ferry", order=order, per_page=20)
        assert len(page.hits) == 20
        for hit in page.hits:  # the credit is already loaded
            assert hit.article.source.credit


@pytest.mark.parametrize(
    "text", ['"', "AND", "OR ferry", "NOT", "-", "*", "NEAR(", "NEAR(ferry berth, 2)", 'title:ferry', 'ferry "unbalanced',
             "ferry*", "(ferry", "ferry)", "\x00ferry", "a" * 500, "-ferry", "ferry -", "'; DROP TABLE x; --", "ferry^"],
)
def test_hostile_queries_never_raise(brand, source, text):
    make_article(source, "Ferry berth approved", "The board voted.")
    page = search_articles(brand=brand, query=text)
    assert page.total >= 0


def test_update_drops_deleted_articles_and_rebuild_restores_everything(brand, source):
    keep = make_article(source, "Ferry berth approved", "Board votes.")
    gone = make_article(source, "Ferry fares frozen", "For the winter.")
    unindexed = make_article(source, "Ferry timetable", "Winter timetable.", index=False)
    assert set(ids(search_articles(brand=brand, query="ferry"))) == {keep.id, gone.id}

    gone_id = gone.id
    gone.delete()
    search_index_update(article_ids=[gone_id])
    assert search_articles(brand=brand, query="ferry").total == 1

    assert search_index_rebuild() == 2
    assert set(ids(search_articles(brand=brand, query="ferry"))) == {keep.id, unindexed.id}
    out = io.StringIO()
    call_command("search_reindex", stdout=out)
    assert "2 articles" in out.getvalue()
    assert search_articles(brand=brand, query="winter").total == 1


def test_empty_query_touches_no_table(brand, django_assert_num_queries):
    with django_assert_num_queries(0):
        page = search_articles(brand=brand, query='  " - * ')
    assert page.total == 0 and page.hits == []


def test_a_search_counts_and_lists_at_most_max_hits_and_says_there_were_more(brand, source, monkeypatch):
    from wiredesk.search import selectors

    monkeypatch.setattr(selectors, "MAX_HITS", 5)
    made = [make_article(source, f"Ferry note {i}", "Timetable.", published=BASE + i * HOUR) for i in range(8)]
    newest_first = [a.id for a in reversed(made)]
    listed = []
    for number in range(1, 5):
        page = search_articles(brand=brand, query="ferry", order="newest", per_page=2, page=number)
        assert (page.total, page.more, page.num_pages) == (5, True, 3)
        listed += ids(page) if page.page == number else []
    assert listed == newest_first[:5]  # the newest five, each once; page 4 is clamped to page 3
    exact = search_articles(brand=brand, query="ferry note 3")
    assert (exact.total, exact.more) == (1, False)
    monkeypatch.setattr(selectors, "MAX_HITS", 8)  # exactly the cap: nothing more
    at_cap = search_articles(brand=brand, query="ferry")
    assert (at_cap.total, at_cap.more) == (8, False)


def test_relevance_ranks_the_newest_window_and_lists_older_matches_newest_first(brand, source, monkeypatch):
    from wiredesk.search import selectors

    monkeypatch.setattr(selectors, "RANKED", 3)
    mention = "Among much else the ferry was mentioned once in a long report on the harbour board's meeting."
    # Oldest first: the best match (the word in its title) is the oldest, outside the window.
    best_old = make_article(source, "Ferry ferry berth", "The ferry berth.", published=BASE)
    older = make_article(source, "Harbour report", mention, published=BASE + HOUR)
    in_window = [make_article(source, "Harbour report", mention, published=BASE + 2 * HOUR),
                 make_article(source, "Harbour report", mention, published=BASE + 3 * HOUR)]
    best_new = make_article(source, "Ferry timetable", "The ferry timetable.", published=BASE + 4 * HOUR)
    expected = [best_new.id, in_window[1].id, in_window[0].id, older.id, best_old.id]
    pages = [search_articles(brand=brand, query="ferry", order="relevance", per_page=2, page=n) for n in (1, 2, 3)]
    assert [i for p in pages for i in ids(p)] == expected
    monkeypatch.setattr(selectors, "RANKED", 10)  # every match in the window: the best old one leads
    assert ids(search_articles(brand=brand, query="ferry", order="relevance"))[:2] == [best_old.id, best_new.id]


def test_postgresql_index_rows_keep_their_articles_publication_time(brand, source):
    if connection.vendor != "postgresql":
        pytest.skip("the SQLite index does not keep the time")
    from wiredesk.search.models import SearchDocument

    made = [make_article(source, f"Ferry note {i}", "Timetable.", published=BASE + i * HOUR) for i in range(3)]
    Article.objects.filter(id=made[0].id).update(published_at=BASE + 9 * HOUR)  # as an editor's re-dating would
    search_index_update(article_ids=[made[0].id])
    held = dict(SearchDocument.objects.values_list("article_id", "published_at"))
    assert held == dict(Article.objects.values_list("id", "published_at"))
    assert ids(search_articles(brand=brand, query="ferry", order="newest"))[0] == made[0].id
    search_index_rebuild()
    assert dict(SearchDocument.objects.values_list("article_id", "published_at")) == held
    with pytest.raises(Exception), transaction.atomic():  # a writer that leaves the time out fails loudly
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_document (article_id, title, body) VALUES (%s, 'x', 'y')", [10**9])


def test_the_engines_count_stops_at_the_cap(brand, source):
    from wiredesk.search.backends import backend_for
    from wiredesk.search.query import parse_query
    from wiredesk.stories.selectors import articles_carried

    for i in range(8):
        make_article(source, f"Ferry note {i}", "Timetable.", published=BASE + i * HOUR)
    backend, query = backend_for(connection), parse_query("ferry")
    counts = [backend.count(candidates=articles_carried(brand=brand), query=query, cap=cap) for cap in (3, 8, 50)]
    assert counts == [3, 8, 8]

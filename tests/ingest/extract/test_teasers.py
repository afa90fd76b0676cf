"""Links to other articles inside the main text ("Read also: <headline>") are taken out; the
article's own paragraphs, links and all, are not."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st
from lxml import etree

from tests.ingest.extract.pages import article_page
from wiredesk.ingest.extract import extract_article
from wiredesk.ingest.extract.teasers import LABEL_CHARS, LABEL_WORDS, drop_teasers

STORY = [
    "The ferry company of Port Ellis will add a night crossing to Skerry Island from March, its chief said on Tuesday.",
    "Islanders had asked for a later boat for years; the last crossing now leaves the harbour at half past eight.",
    "The night ferry will run on Fridays and Saturdays at first, and every night in summer if enough people use it.",
    "Tickets will cost the same as on the day crossings, the company said, and bicycles will travel free of charge.",
]


def page(middle: str, end: str = "") -> str:
    return article_page("Night ferry to Skerry Island", STORY, middle=middle, end=end)


def test_a_read_also_line_goes_and_every_paragraph_stays():
    html = page('<p>Read also: <a href="/news/harbour-dredging">Harbour dredging to start after the storm season</a></p>',
                end='<h3>More from the harbour</h3>')
    got = extract_article(html, url="https://ellis.example/news/night-ferry")
    assert "Harbour dredging" not in got.text and "Read also" not in got.text
    assert "More from the harbour" not in got.text  # a heading with nothing after it
    for line in STORY:
        assert line in got.text


def test_links_inside_the_articles_own_sentences_stay():
    own = ('<p>The timetable is on <a href="/timetable">the company\'s timetable page for the winter season</a> '
           "and at the harbour office, which opens at seven.</p>")
    got = extract_article(page(own), url="https://ellis.example/news/night-ferry")
    assert "the company's timetable page for the winter season" in got.text
    for credit in ('<p>Source: <a href="/">Ellis Wire</a></p>',  # short, and the front page
                   '<p>Source: <a href="https://stats.example/harbour/2026">Harbour Statistics Office, yearly report</a></p>',
                   '<p>Timetable: <a href="/files/night-ferry-timetable.pdf">Night ferry timetable for the winter</a></p>'):
        got = extract_article(page(credit), url="https://ellis.example/news/night-ferry")
        assert etree.fromstring(credit).xpath("string(.//a)") in got.text  # another site's page, a file: kept


def test_a_read_also_line_on_the_sites_canonical_host_goes():
    """The page fetched from one address, its links written for its canonical host."""
    teaser = '<p>LEE TAMBIÉN: <a href="https://www.ellis.example/news/harbour-dredging">Harbour dredging to start soon</a></p>'
    html = page(teaser).replace("<head>", '<head><link rel="canonical" href="https://www.ellis.example/news/night-ferry">')
    got = extract_article(html, url="https://mirror.example/ellis/night-ferry")
    assert "Harbour dredging" not in got.text and all(line in got.text for line in STORY)


def _body(*blocks: str) -> etree._Element:
    return etree.fromstring(f"<body>{''.join(blocks)}</body>")


WORD = st.text(st.characters(codec="utf-8", categories=["L", "N"]), min_size=1, max_size=12)
ENDS = st.sampled_from(["", ":", " :", "»", "|", "–", ">", ".", "?", ","])


@example(words=["Lea", "también"], end=":", noise="", headline=["Reportero", "retenido", "en", "la", "frontera", "norte"])
@example(words="Here is what the minister said about it".split(), end=":", noise="",
         headline="the full statement of the ministry of transport on the night crossing plan for the islands".split())
@example(words=["Mehr"], end=":", noise="", headline=["hier"])
@given(words=st.lists(WORD, min_size=1, max_size=10), end=ENDS, noise=st.text(st.characters(codec="utf-8", categories=["L", "N", "P", "Zs"]), max_size=20),
       headline=st.lists(WORD, min_size=0, max_size=12))
def test_only_a_short_lead_in_and_a_headline_make_a_teaser(words, end, noise, headline):
    """Whatever the words: a paragraph goes only when its unlinked text is a short label
    ending like a lead-in and its link carries most of it; anything else stays, untouched."""
    label = (noise if len(words) > 8 else "") + " ".join(words) + end
    p = etree.SubElement(etree.Element("body"), "p")
    p.text = label
    ref = etree.SubElement(p, "ref", target="/other")
    ref.text = " ".join(headline)
    body = p.getparent()
    before = " ".join("".join(p.itertext()).split())
    gone = drop_teasers(body)
    lead, linked = " ".join(label.split()), " ".join(ref.text.split())
    teaser = (len(lead.split()) <= LABEL_WORDS and len(lead) <= LABEL_CHARS and lead.endswith((":", "»", "|", "–", ">"))
              and len(linked) >= 15 and len(linked) >= 0.6 * len(before))
    assert gone == int(teaser), (lead, linked)
    if not teaser:
        assert " ".join("".join(body[0].itertext()).split()) == before


def test_a_heading_in_the_middle_stays_those_at_the_end_go():
    body = _body("<p>One.</p>", "<head>Reaction</head>", "<p>Two.</p>", "<head>Related</head>", "<head>More</head>")
    assert drop_teasers(body) == 2
    assert [e.tag for e in body] == ["p", "head", "p"]
    only_headings = _body("<head>Timetable</head>", "<head>Fares</head>")
    assert drop_teasers(only_headings) == 0 and len(only_headings) == 2  # nothing else: they are the text
    with_text_after = _body("<p>One.</p>", "<head>Fares</head>two crowns a crossing")
    assert drop_teasers(with_text_after) == 0


def test_headlines_linked_at_the_end_go_those_in_the_text_stay():
    own = '<p><a href="/news/skerry-school">The island school will reopen in May with two new teachers</a></p>'
    related = ('<p>Updated 4 March</p><h3>More from the islands</h3>'
               '<p><a href="/news/lighthouse-keeper">Skerry lighthouse gets its first keeper in forty years, '
               'and the island its light back</a></p>'
               '<p><a href="https://www.ellis.example/news/harbour-fees">Harbour fees to rise by a tenth next spring '
               'for every boat that moors at the quay</a></p>'
               '<p><a href="/news/gulls">Gulls return to the cliffs</a><a href="/news/pier">Pier lights '
               'to be replaced this winter</a></p>')
    html = page(own, end=related).replace(
        "<head>", '<head><link rel="canonical" href="https://www.ellis.example/news/night-ferry">')
    got = extract_article(html, url="https://ellis.example/news/night-ferry")
    assert "Skerry lighthouse" not in got.text and "Harbour fees" not in got.text
    assert "Gulls return" not in got.text and "Pier lights" not in got.text  # two run together
    assert "More from the islands" not in got.text  # its links gone, a heading closing the text
    assert "The island school will reopen in May" in got.text  # the article goes on after it
    for line in STORY:
        assert line in got.text


def test_links_at_the_end_that_are_not_headlines_of_the_site_stay():
    # Each long enough for trafilatura to keep a paragraph that is all link (it drops short ones).
    for end in ('<p><a href="https://other.example/report/ferries">National ferry report for the year 2026, with '
                'the figures of every crossing</a></p>',
                '<p><a href="/">Ellis Wire front page, with all the news of the harbour and the islands today</a></p>',
                '<p><a href="/files/timetable.pdf">Night ferry timetable for the winter, with the Friday and '
                'Saturday boats</a></p>',
                '<p>The timetable is <a href="/news/timetable">on the page of the winter timetable</a> of the '
                'company, which the harbour office also prints and hands out.</p>'):
        got = extract_article(page("", end=end), url="https://ellis.example/news/night-ferry")
        kept = etree.fromstring(end).xpath("string(.//a)")
        assert kept in got.text, end


def test_tail_links_with_no_article_before_them_are_the_text():
    body = _body('<p><ref target="/a">Skerry lighthouse gets its first keeper</ref></p>',
                 '<p><ref target="/b">Harbour fees to rise by a tenth next spring</ref></p>')
    assert drop_teasers(body) == 0 and len(body) == 2
    body = _body("<p>" + STORY[0] + "</p>", '<p><ref target="/a">Skerry lighthouse gets its first keeper</ref></p>',
                 '<p><ref target="/b">Harbour fees to rise by a tenth next spring</ref></p>', "<p>4 March</p>")
    assert drop_teasers(body) == 2 and [" ".join(e.itertext()) for e in body] == [STORY[0], "4 March"]
    for link in ('<ref target="/fares">Winter timetables</ref>',  # two words: a link, not a headline
                 '<ref target="/a">Lighthouse</ref> keeper retires after forty years on the rock'):  # mostly not linked
        body = _body("<p>" + STORY[0] + "</p>", f"<p>{link}</p>")
        assert drop_teasers(body) == 0 and len(body) == 2, link


def test_comments_among_the_blocks_are_passed_over():
    body = _body("<p>" + STORY[0] + "</p>", "<!-- related -->", '<p><ref target="/a">Skerry lighthouse gets its first keeper</ref></p>',
                 "<!-- end -->")
    assert drop_teasers(body) == 1 and STORY[0] in "".join(body.itertext())


def test_page_controls_go_and_links_inside_sentences_to_the_same_page_stay():
    """"Back to top" and "Join the discussion" link to a place on their own page or to a script:
    dead once the text leaves it. A footnote link inside a sentence is the sentence's."""
    html = page('<p><a href="#comments">Join the discussion</a></p>',
                end='<p><a href="#" class="top">Back to top</a></p><p><a href="javascript:void(0)">Show all comments</a></p>'
                    '<p>The timetable is in the note below.<a href="#note-1">[1]</a></p>')
    got = extract_article(html, url="https://ellis.example/news/night-ferry")
    for gone in ("Join the discussion", "Back to top", "Show all comments"):
        assert gone not in got.text
    assert "The timetable is in the note below." in got.text
    for line in STORY:
        assert line in got.text


@given(label=st.text(st.characters(categories=["L", "Zs"]), min_size=1, max_size=60).filter(str.strip),
       target=st.sampled_from(["#", "#top", "#comments", "javascript:void(0)", " JavaScript:go()", ""]),
       off_page=st.sampled_from(["https://harbour-board.example/timetable", "mailto:desk@ellis.example"]))
def test_a_short_block_of_links_going_nowhere_goes_one_going_somewhere_stays(label, target, off_page):
    """(A link to another page of the same site is judged as a teaser: see the tests above.)"""
    body = _body(*(f"<p>{line}</p>" for line in STORY),
                 f'<p><ref target="{target}">{label}</ref></p>', f'<p><ref target="{off_page}">{label}</ref></p>')
    drop_teasers(body)
    kept = [" ".join("".join(p.itertext()).split()) for p in body]
    assert kept == STORY + [" ".join(label.split())]
    assert body[-1].find("ref").get("target") == off_page


def test_a_heading_linked_to_itself_or_carrying_an_anchor_is_the_articles_subheading():
    """Tables of contents link each subheading to itself ("#cost"); older pages put an
    ``<a name>`` in it. Both are the article's, not page controls."""
    for heading in ("<h2 id='fares'><a href='#fares'>What the night crossing will cost</a></h2>",
                    "<h2><a name='fares'>What the night crossing will cost</a></h2>",
                    "<p><strong><a id='fares'>What the night crossing will cost</a></strong></p>"):
        got = extract_article(page(heading), url="https://ellis.example/news/night-ferry")
        assert "What the night crossing will cost" in got.text, heading

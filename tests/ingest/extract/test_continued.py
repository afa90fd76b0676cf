"""An article split into sibling containers around an ad, a figure or a box of links is read
whole: the parts after the break follow the first, in order, once; never a sibling that is a
post, a teaser row, a form, a disclaimer or a gallery, and never past a section of another kind."""

from __future__ import annotations

import html as htmlmod

import lxml.html
import pytest
import trafilatura
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from wiredesk.ingest.extract import continued, extract_article

TITLE = "Pellin ferry back on the water after its winter refit"
FIRST = [
    "The ferry between Marlow Quay and Pellin Point sailed again on Monday after four months in the Tanner dry dock.",
    "Crews replaced both propeller shafts and fitted a wider ramp, which the operator says will speed up boarding.",
    "The refit cost a little over two hundred thousand, shared between the operator and the harbour trust.",
    "On the first crossing the skipper counted forty passengers, most of them commuters with bicycles.",
    "The timetable for December keeps the hourly crossing, with the last boat leaving Pellin at half past ten.",
    "A second vessel, the Morwen, stays in the yard until its hull survey is finished early next year.",
    "The harbour trust thanked the yard's apprentices, who did most of the painting between their exams.",
    "Fares stay as they were before the refit, and children under twelve still travel free with an adult.",
    "Cyclists are asked to wait at the new marked bay on the slipway until the crew waves them aboard.",
    "The trust will publish the ferry's monthly passenger figures on its website from the new year on.",
]
REST = [
    "Passenger numbers fell by a third while the replacement bus ran, according to figures the trust published.",
    "Councillor Edna Voss said the bus took forty minutes on a good day and more than an hour at school time.",
    "Traders on Quay Row said their takings dropped over the autumn and hoped the boat would bring customers back.",
    "The operator plans an open day on the Morwen in spring so that residents can see the work for themselves.",
]
MORE = [
    "Tickets bought for the replacement bus will be accepted on the ferry until the end of the month.",
    "Season tickets paused during the refit run on for the four months they could not be used, the trust said.",
]
AD = '<div class="ad-slot"><span>Advertisement</span><iframe src="https://ads.example/slot/1"></iframe></div>'


def part(lines: list[str], cls: str = "article-body", tag: str = "div") -> str:
    inner = "".join(f"<p>{htmlmod.escape(line)}</p>" for line in lines)
    attrs = f' class="{cls}"' if cls else ""
    return f"<{tag}{attrs}>{inner}</{tag}>"


def page(*after: str, first: str | None = None, before: str = "") -> str:
    """A news page whose article opens with FIRST in a container, then ``after`` (the siblings
    that follow it), inside the article element."""
    first = part(FIRST) if first is None else first
    return (f"<!DOCTYPE html><html><head><title>{TITLE}</title></head><body>"
            f'<header class="site"><a href="/">Marlow Telegraph</a><nav><a href="/news/">News</a>'
            f' <a href="/sport/">Sport</a></nav></header>'
            f"<main><article><h1>{TITLE}</h1>{before}{first}{''.join(after)}</article>"
            f'<aside class="related"><h2>More news</h2><ul><li><a href="/news/bridge">Bridge works run late</a></li>'
            f'<li><a href="/news/school">School roof mended in time</a></li></ul></aside></main>'
            f"<footer><p>Marlow Telegraph, 2 Quay Row, Marlow</p></footer></body></html>")


def lines(html: str) -> list[str]:
    return extract_article(html, url="https://marlow.example/news/ferry").text.split("\n")


def test_the_extractor_alone_stops_at_the_ad():
    # The premise: trafilatura takes the first container and ends the text there.
    alone = trafilatura.extract(page(AD, part(REST)))
    assert FIRST[0] in alone and REST[0] not in alone


@pytest.mark.parametrize("gap", [
    AD,
    "",  # block-based templates set parts of one class side by side
    '<figure><img src="/img/ferry.jpg" alt="The ferry"><figcaption>The ferry at Pellin Point.</figcaption></figure>',
    '<aside class="promo"><p>Read our guide to the harbour walks, with maps and the best cafés on the way.</p></aside>',
    '<div class="inline-related"><a href="/news/a">Bridge works run late</a> <a href="/news/b">New bus timetable</a>'
    ' <a href="/news/c">Quay Row traders meet the council</a></div>',
    AD + '<div class="ad-label">Sponsored</div><hr>',
    # a sidebar column set between the parts, long prose and all
    '<aside class="column"><h3>Ferries elsewhere</h3>'
    + "".join(f"<p>Elsewhere on the coast, {line}</p>" for line in MORE)
    + "<p>The Lanmouth ferry, the only other one in the county, runs all winter with a smaller boat.</p></aside>",
    # a long box of links to other stories
    '<div class="more-news">' + "".join(f'<a href="/news/{n}">Another headline from the harbour, number {n}</a> '
                                        for n in range(8)) + "</div>",
], ids=["ad", "nothing", "figure", "aside", "links", "three", "sidebar-column", "many-links"])
def test_the_paragraphs_after_a_break_follow_in_order_once(gap):
    got = lines(page(gap, part(REST)))
    assert got == FIRST + REST


def test_an_article_in_three_parts_is_read_whole():
    assert lines(page(AD, part(REST), AD, part(MORE))) == FIRST + REST + MORE


def test_a_subheading_between_parts_stays_in_its_place():
    html = page(AD, "<h2>What passengers say</h2>", part(REST))
    assert lines(html) == FIRST + ["What passengers say"] + REST
    got = extract_article(html, url="https://marlow.example/news/ferry").html
    assert "</p>\n<h2>What passengers say</h2>\n<p>" in got


def test_the_text_in_the_pages_metadata_does_not_hide_where_it_stands():
    # JSON-LD repeats the whole article: each paragraph's opening is then found twice on the
    # page, and only the visible one says where the text stands.
    body = " ".join(FIRST + REST).replace('"', "'")
    ld = f'<script type="application/ld+json">{{"@type": "NewsArticle", "articleBody": "{body}"}}</script>'
    assert lines(page(AD, part(REST), before=ld)) == FIRST + REST


def test_a_container_holding_much_more_than_the_text_is_not_continued():
    # The text's first and last paragraphs stand in a block that also holds a long comment
    # thread the extraction leaves out: that block is a page's frame, not the article's part.
    thread = '<div class="comments">' + "".join(
        f"<p>Reader {n} wrote that the ferry ran late again on Tuesday and the quay cafe ran out of scones.</p>"
        for n in range(20)) + "</div>"
    got = lines(page(AD, part(REST), first=part(FIRST).replace("</div>", thread + "</div>")))
    assert got == FIRST


def test_a_part_repeating_the_text_is_not_its_continuation():
    # A recap or a print copy: it holds a paragraph the text already has, so none of it is added.
    got = lines(page(AD, part([FIRST[3], *REST])))
    assert got == FIRST


def test_a_block_of_a_part_already_in_the_text_is_not_added_again():
    got = lines(page(AD, part(REST).replace("</div>", f"<ul><li>{FIRST[1]}</li></ul></div>")))
    assert got.count(FIRST[1]) == 1 and got[-len(REST):] == REST


def test_parts_inside_layout_wrappers_are_found():
    def wrapped(lines_: list[str]) -> str:
        return f'<div class="row"><div class="col-main">{part(lines_)}</div></div>'
    assert lines(page(AD, wrapped(REST), first=wrapped(FIRST))) == FIRST + REST


def test_links_and_emphasis_inside_a_part_are_kept():
    rest = part([REST[0], REST[1]]).replace("forty minutes", '<a href="https://trust.example/bus">forty minutes</a>')
    got = extract_article(page(AD, rest), url="https://marlow.example/news/ferry")
    assert '<a href="https://trust.example/bus">forty minutes</a>' in got.html
    assert got.text.split("\n") == FIRST + REST[:2]


@pytest.mark.parametrize("sibling", [
    # a newsletter box of the same class
    part(REST).replace("</div>", '<form action="/subscribe"><input name="email"><button>Sign up</button></form></div>'),
    # a row of teasers: headlines linked to other stories
    '<div class="article-body">' + "".join(f'<h3><a href="/news/{n}">{line[:40]}</a></h3><p>{line}</p>'
                                           for n, line in enumerate(REST)) + "</div>",
    # a post or a comment of its own: a date and an author
    part(REST).replace("</div>", '<p>Posted by <a rel="author" href="/u/ned">Ned</a> <time>2 May</time></p></div>'),
    # a disclaimer, a gallery
    '<div class="article-body"><div class="editorial-disclaimer">' + part(REST, cls="") + "</div></div>",
    '<div class="article-body"><div class="photo-gallery">' + part(REST, cls="") + "</div></div>",
    # one paragraph: a note as often as the article
    part(REST[:1]),
    # mostly links
    '<div class="article-body">' + "".join(f'<p><a href="/news/{n}">{line}</a></p>' for n, line in enumerate(REST))
    + "</div>",
], ids=["form", "teasers", "post", "disclaimer", "gallery", "one-paragraph", "links"])
def test_a_sibling_that_is_not_the_article_is_not_added(sibling):
    got = lines(page(AD, sibling))
    assert got[:len(FIRST)] == FIRST and not any(line in got for line in REST)


def test_a_section_of_another_kind_ends_the_article():
    letters = [*MORE, "Sir, the ferry's new ramp is a great help to those of us who walk with a stick. A. Penrose.",
               "Sir, four months without a boat was too long; the trust should keep a spare vessel. B. Hollis."]
    comments = ('<section class="reader-letters"><h2>Letters</h2>'
                + "".join(f"<p>{line}</p>" for line in letters) + "</section>")
    got = lines(page(AD, comments, part(REST)))
    assert not any(line in got for line in REST)


def test_more_than_three_breaks_end_the_article():
    assert not any(line in lines(page(AD, AD, AD, AD, part(REST))) for line in REST)
    assert lines(page(AD, AD, AD, part(REST))) == FIRST + REST


@pytest.mark.parametrize("after", [
    part(REST, cls="story-text"),  # another class
    part(REST, cls="article-body comments"),  # a class naming furniture added
    part(REST, tag="section"),  # another tag
])
def test_only_a_container_of_the_same_tag_and_classes_continues_it(after):
    got = lines(page(AD, after))
    assert not any(line in got for line in REST)


def test_a_part_with_a_modifier_class_added_continues_the_text():
    assert lines(page(AD, part(REST, cls="article-body article-body--rest"))) == FIRST + REST


def test_containers_without_classes_are_not_taken_for_the_same_one():
    # Too common to say "the same container": most pages have such <div>s side by side.
    plain, classed = lxml.html.fromstring("<div><p>a</p></div>"), lxml.html.fromstring('<div class="x"><p>a</p></div>')
    assert not continued._alike(plain, lxml.html.fromstring("<div><p>b</p></div>"))
    assert continued._alike(classed, lxml.html.fromstring('<div class="x"><p>b</p></div>'))
    swapped = lxml.html.fromstring('<div class="y x"></div>')
    assert continued._alike(lxml.html.fromstring('<div class="x y"></div>'), swapped)


def test_a_copy_of_the_text_after_it_is_not_added_again():
    got = lines(page(AD, part(FIRST[2:])))
    assert got == FIRST


def test_sibling_articles_are_other_articles():
    html = page().replace(f"<article><h1>{TITLE}</h1>{part(FIRST)}</article>",
                          f'<article class="story"><h1>{TITLE}</h1>{part(FIRST)}</article>{AD}'
                          f'<article class="story"><h2>Bridge works run late</h2>{part(REST)}</article>')
    assert REST[0] in html
    assert not any(line in lines(html) for line in REST)


def test_the_next_story_of_an_endless_page_is_not_a_continuation():
    # Pages that load the next story below the first wrap each in the same block: past the
    # <article> element, what follows is another story, even without a headline of its own.
    html = page().replace(f"<article><h1>{TITLE}</h1>{part(FIRST)}</article>",
                          f'<div class="story-wrap"><article><h1>{TITLE}</h1>{part(FIRST)}</article></div>{AD}'
                          f'<div class="story-wrap"><div class="story-text">{part(REST)}</div></div>')
    assert REST[0] in html
    assert lines(html) == FIRST


def test_a_copy_of_the_first_paragraph_elsewhere_does_not_hide_the_container():
    # A ticker quotes the story's opening: that paragraph's place is not known, the next one's is.
    ticker = f'<div class="ticker"><span>{FIRST[0]}</span></div>'
    html = page(AD, part(REST)).replace('<header class="site">', ticker + '<header class="site">')
    assert lines(html)[-len(FIRST + REST):] == FIRST + REST


def test_many_parts_cost_a_bounded_number_of_looks(monkeypatch):
    # A hostile page sets thousands of containers of the article's class after it: at most
    # MAX_PARTS are read (each part counted once it is looked at).
    looked = []
    real = continued._prose

    def counted(element, known):
        looked.append(element)
        return real(element, known)

    monkeypatch.setattr(continued, "_prose", counted)
    filler = ["Paragraph {} of a page that repeats one container far more often than any article does.",
              "It is the {}th such container, and every one of them reads like prose to a quick look."]
    tree = lxml.html.fromstring(page(*[AD + part([line.format(n) for line in filler]) for n in range(3000)]))
    container = tree.find(".//div[@class='article-body']")
    parts = continued._parts_after(container, " ".join(FIRST))
    assert len(parts) == continued.MAX_PARTS
    assert len(looked) == continued.MAX_PARTS


# The model: after the container, parts are added while each is separated from the one before
# by at most three breaks; a sibling that is neither a break nor a good part ends the article.
_KINDS = ["part", "ad", "figure", "links", "teasers", "post", "prose-other", "one-paragraph"]
_WORDS = ["harbour", "ferry", "council", "ramp", "timetable", "skipper", "trust", "quay", "passengers", "survey",
          "winter", "crossing", "bicycles", "Pellin", "Marlow", "tickets", "repairs", "open day"]


def _sentence(n: int, words: list[str]) -> str:
    return f"Line {n} says the {' and the '.join(words)} matter to the town this week."


@settings(max_examples=40, deadline=None)
@given(kinds=st.lists(st.sampled_from(_KINDS), max_size=8),
       words=st.lists(st.lists(st.sampled_from(_WORDS), min_size=2, max_size=5), min_size=20, max_size=20))
def test_the_parts_added_are_those_the_model_says(kinds, words):
    counter = iter(range(1000))
    siblings, expected, breaks, ended = [], [], 0, False
    for kind in kinds:
        texts = [_sentence(next(counter), words[len(siblings) % 20][:k + 2]) for k in range(2)]
        if kind == "part":
            siblings.append(part(texts))
            if not ended and breaks <= 3:
                expected += texts
                breaks = 0
            else:
                ended = True
        elif kind in ("ad", "figure", "links"):
            siblings.append({"ad": AD, "figure": '<figure><img src="/f.jpg" alt=""></figure>',
                             "links": '<div class="more"><a href="/a">Bridge works run late</a></div>'}[kind])
            breaks += 1
        else:
            siblings.append({
                "teasers": '<div class="article-body">' + "".join(f'<h3><a href="/x">{t[:30]}</a></h3><p>{t}</p>'
                                                                  for t in texts) + "</div>",
                "post": part(texts).replace("</div>", "<p><time>2 May</time></p></div>"),
                "prose-other": part(MORE + texts, cls="letters"),
                "one-paragraph": part(texts[:1]),
            }[kind])
            ended = True
        if breaks > 3:
            ended = True
    html = page(*siblings)
    # Where the extractor alone stops at the first container (it reads the whole article
    # itself when what follows is much longer than the first part).
    assume(trafilatura.extract(html).split("\n") == FIRST)
    assert lines(html) == FIRST + expected


@settings(max_examples=40, deadline=None)
@given(texts=st.lists(st.text(min_size=0, max_size=200), min_size=1, max_size=6))
def test_whatever_the_parts_say_the_text_keeps_its_start_and_gains_only_what_they_show(texts):
    html = page(AD, '<div class="article-body">' + "".join(f"<p>{htmlmod.escape(t)}</p>" for t in texts) + "</div>")
    got = lines(html)
    assert got[:len(FIRST)] == FIRST
    added = got[len(FIRST):]
    shown = [" ".join(t.split()) for t in texts]
    for line in set(added):  # each a paragraph of the part, no more often than the part shows it
        assert 0 < added.count(line) <= sum(line in s for s in shown)

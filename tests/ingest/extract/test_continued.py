"""An article split into sibling containers around an ad, a figure or a box of links is read
whole: the parts after the break follow the first, in order, once; never a sibling that is a
post, a teaser row, a form, a disclaimer or a gallery, and never past a section of another kind."""

from __future__ import annotations

import html as htmlmod

import lxml.html
import pytest
import trafilatura
from hypothesis import assume, event, given, settings
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
    # a newsletter box or a cookie notice with a button and no form
    part(REST).replace("</div>", "<button>Sign up</button></div>"),
    # an author's box, a comment, a related story: headings that name the page's furniture
    '<div class="article-body"><h3>About the author</h3>' + part(REST, cls="") + "</div>",
    '<div class="article-body"><h3>Comments (3)</h3>' + part(REST, cls="") + "</div>",
    # the next story: its byline, or a link to its author's page
    '<div class="article-body"><p class="byline">By Sam Lee, 3 May</p>' + part(REST, cls="") + "</div>",
    '<div class="article-body"><p>By <a href="/author/sam-lee">Sam Lee</a></p>' + part(REST, cls="") + "</div>",
], ids=["form", "teasers", "post", "disclaimer", "gallery", "one-paragraph", "links", "button", "about-author",
        "comments", "byline", "author-link"])
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
    # between later parts too
    assert lines(page(AD, part(REST), AD, AD, AD, AD, part(MORE))) == FIRST + REST
    assert lines(page(AD, part(REST), AD, AD, AD, part(MORE))) == FIRST + REST + MORE


def test_no_break_spaces_in_the_source_still_say_where_the_text_stands():
    spaced = [line.replace(" ", "\u00a0", 2) for line in FIRST]
    assert len(lines(page(AD, part(REST), first=part(spaced)))) == len(FIRST + REST)


def test_a_picture_in_a_container_of_the_articles_kind_is_a_break():
    picture = '<div class="article-body"><figure><img src="/img/quay.jpg" alt="The quay"></figure></div>'
    assert lines(page(AD, picture, part(REST))) == FIRST + REST


def test_pictures_between_parts_count_as_breaks():
    picture = '<div class="photo"><img src="/img/quay.jpg" alt="The quay"></div>'
    assert lines(page(picture, picture, picture, part(REST))) == FIRST + REST
    assert lines(page(picture, picture, picture, picture, part(REST))) == FIRST


def test_paragraphs_written_as_divs_are_read_and_json_ld_does_not_hide_them():
    def divs(lines_: list[str]) -> str:
        return '<div class="article-body">' + "".join(f'<div class="para">{line}</div>' for line in lines_) + "</div>"
    body = " ".join(FIRST + REST).replace('"', "'")
    ld = f'<script type="application/ld+json">{{"@type": "NewsArticle", "articleBody": "{body}"}}</script>'
    assert lines(page(AD, divs(REST), first=divs(FIRST), before=ld)) == FIRST + REST


def test_empty_placeholders_between_parts_are_not_counted():
    empty = '<div class="slot"></div>'
    assert lines(page(empty, empty, '<div class="clearfix"></div>', AD, empty, part(REST))) == FIRST + REST


def test_a_promotion_of_any_size_is_a_break():
    promo = '<div class="sponsored-promo">' + "".join(f"<p>Our partner says: {line}</p>" for line in MORE * 2) + "</div>"
    assert lines(page(promo, part(REST))) == FIRST + REST


def test_a_later_part_of_one_paragraph_is_the_article_a_first_is_not():
    last = "The trust's next meeting, on the twelfth, is open to the public and held in the ferry office."
    assert lines(page(AD, part(REST), AD, part(MORE[:1]), AD, part([MORE[1], last]))) == FIRST + REST + MORE + [last]
    assert lines(page(AD, part(MORE[:1]), AD, part(REST))) == FIRST


def test_text_between_two_parts_stays_in_its_place():
    between = ("<p>Here is what the trust has listed for the season ahead of the reopening.</p>"
               "<ul><li>A later first crossing on Sundays, at nine.</li><li>Bicycles carried free all year.</li></ul>")
    got = lines(page(AD, between, part(REST)))
    assert got[len(FIRST)] == "Here is what the trust has listed for the season ahead of the reopening."
    assert got[-len(REST):] == REST and "Bicycles carried free all year." in got


def test_text_after_the_last_part_is_not_added():
    tail = "<p>This paragraph stands after the article, alone, with nothing of the story after it.</p>"
    assert lines(page(AD, part(REST), tail)) == FIRST + REST


def test_a_short_heading_whose_words_the_text_has_is_kept():
    assert lines(page(AD, "<h2>Fares</h2>", part(REST))) == FIRST + ["Fares"] + REST


def test_the_next_story_laid_out_flat_is_not_a_continuation():
    nxt = part(REST)
    assert lines(page(AD, "<h2>Bridge works run late</h2>", '<p class="byline">By Sam Lee, 3 May 2026</p>', nxt)) == FIRST
    wrapped = page().replace(
        f"<article><h1>{TITLE}</h1>{part(FIRST)}</article>",
        f'<div class="story"><h1>{TITLE}</h1>{part(FIRST)}</div>{AD}<div class="story">'
        f'<h2 class="headline">Bridge works run late</h2><div class="byline">By Sam Lee | 3 May</div>{nxt}</div>')
    assert lines(wrapped) == FIRST


OTHER_STORY = ["Bridge works on the coast road will run three weeks late, the county engineer said on Friday.",
               "The contractor blamed the wet autumn and a shortage of steel for the delay to the works.",
               "Drivers are asked to use the inland route through Hollow Lane until the bridge reopens."]


@pytest.mark.parametrize("head", [
    '<h2><a href="/news/bridge-works">Bridge works run late</a></h2>',
    '<header class="entry-header"><h2>Bridge works run late</h2></header>',
    '<div class="headline"><h2>Bridge works run late</h2><p class="dek">Steel and rain hold up the coast road.</p></div>',
    '<h2>Bridge works run late</h2><p>By <a href="/author/sam-lee">Sam Lee</a>, county reporter</p>',
    '<div class="read-next"><h3>Read next</h3><a href="/news/bridge">Bridge works run late</a></div>',
    "<h2>Trending now</h2>",
    '<div class="comments-title">3 comments</div>',
], ids=["linked-headline", "entry-header", "headline-box", "author-link", "read-next", "trending", "comments-title"])
def test_the_head_of_another_story_or_of_comments_ends_the_article(head):
    html = page(AD, head, part(OTHER_STORY))
    assert trafilatura.extract(html).split("\n") == FIRST  # the premise: the extractor alone stops
    assert lines(html) == FIRST


def test_a_call_or_a_notice_between_parts_is_not_kept_as_text():
    for call in ("<p>Sign up for our free morning newsletter to get the harbour news first.</p>",
                 "<p>© Marlow Telegraph 2026. All rights reserved.</p>"):
        got = lines(page(AD, call, part(REST)))
        assert got == FIRST + REST, call


def test_a_pull_quote_before_the_paragraph_it_repeats_is_not_added_twice():
    quote = f'<blockquote class="pull-quote"><p>{REST[1]}</p></blockquote>'
    assert lines(page(AD, quote, part(REST))) == FIRST + REST


def test_a_pull_quote_after_the_paragraph_it_repeats_is_not_added_again():
    quote = f'<blockquote class="pull-quote"><p>{REST[1]}</p></blockquote>'
    assert lines(page(AD, part(REST), quote, AD, part(MORE))) == FIRST + REST + MORE


def test_a_caption_between_parts_is_not_kept_as_text():
    picture = ('<div class="image"><img src="/img/morwen.jpg" alt="The Morwen"></div>'
               '<p class="caption">The Morwen in the Tanner yard last week, its hull half painted.</p>')
    assert lines(page(picture, part(REST))) == FIRST + REST


def test_a_long_paragraph_of_another_kind_between_parts_ends_the_article():
    long = "<p>" + " ".join(MORE * 2) + "</p>"
    assert lines(page(AD, long, part(REST))) == FIRST


def test_a_paragraph_named_as_furniture_between_parts_is_a_break():
    note = '<p class="newsletter-note">Our harbour newsletter goes out each Friday with the week\'s sailings.</p>'
    assert lines(page(AD, note, part(REST))) == FIRST + REST


@pytest.mark.parametrize("inside", ["<h1>Bridge works run late</h1>", "<nav><a href='/'>Home</a></nav>",
                                    "<footer>Marlow Telegraph</footer>", "<article><p>Elsewhere.</p></article>"])
def test_a_part_holding_a_frames_piece_is_not_the_article(inside):
    assert lines(page(AD, part(REST).replace("</div>", inside + "</div>"))) == FIRST


def test_a_comment_thread_of_the_articles_class_is_not_added():
    comments = [f'<div class="article-body"><p>Anna from Pellin, {n} hours ago</p>{part(MORE, cls="")}</div>'
                for n in range(2)]
    html = page(AD, "<h2>Comments (2)</h2>", *comments)
    assert trafilatura.extract(html).split("\n") == FIRST  # the premise: the extractor alone stops
    assert lines(html) == FIRST


def test_a_part_shown_twice_is_added_once():
    assert lines(page(AD, part(REST), AD, part(REST))) == FIRST + REST
    assert lines(page(AD, part(REST), part(REST))) == FIRST + REST


def test_a_call_closing_the_first_part_goes_as_it_did_before_the_rest_followed():
    call = "<p>Sign up for our free morning newsletter to get the harbour news first.</p>"
    alone = lines(page(first=part(FIRST).replace("</div>", call + "</div>")))
    assert alone == FIRST  # the premise: the call closing the text is taken out
    assert lines(page(AD, part(REST), first=part(FIRST).replace("</div>", call + "</div>"))) == FIRST + REST


def test_characters_xml_cannot_hold_break_nothing():
    a, b, c, d = REST
    html = (f'<html><body><div class="article-body"><p>{a} {b} {c}</p></div><div>{d} {d} {d}</div>'
            f"<p>&#xFFFE;{b}</p></body></html>")
    assert a in extract_article(html, url="https://marlow.example/news/ferry").text
    first = '<div class="article-body">' + "".join(f"<p>&#xFFFE;{line}</p>" for line in FIRST) + "</div>"
    rest = '<div class="article-body">' + "".join(f"<p>&#1;{line}</p>" for line in REST) + "</div>"
    assert lines(page(AD, rest, first=first)) == FIRST + REST


def test_source_lines_wrapped_anywhere_still_say_where_the_text_stands():
    wrapped = [line.replace(" ", "\n", 3) for line in FIRST]
    assert lines(page(AD, part(REST), first=part(wrapped))) == FIRST + REST


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
    ticker = f'<div class="ticker"><p>{FIRST[0]}</p></div>'
    html = page(AD, part(REST)).replace('<header class="site">', ticker + '<header class="site">')
    assert lines(html)[-len(FIRST + REST):] == FIRST + REST


def test_many_parts_cost_a_bounded_number_of_looks(monkeypatch):
    # A hostile page sets thousands of containers of the article's class after it: at most
    # MAX_PARTS are read (each part counted once it is looked at).
    looked = []
    real = continued._prose

    def counted(element, known, minimum):
        looked.append(element)
        return real(element, known, minimum)

    monkeypatch.setattr(continued, "_prose", counted)
    filler = ["Paragraph {} of a page that repeats one container far more often than any article does.",
              "It is the {}th such container, and every one of them reads like prose to a quick look."]
    tree = lxml.html.fromstring(page(*[AD + part([line.format(n) for line in filler]) for n in range(3000)]))
    container = tree.find(".//div[@class='article-body']")
    parts = continued._parts_after(container, set())
    assert len(parts) == continued.MAX_PARTS <= 50
    assert len(looked) == continued.MAX_PARTS


def test_a_part_of_many_paragraphs_costs_one_look_up_per_paragraph():
    # Whether a part's paragraphs are already in the text is asked of their openings, one
    # look-up each in a set, never by searching the whole text for each (quadratic on a long
    # text and a part of many short paragraphs).
    class Counted(set):
        looks = 0

        def __contains__(self, item):
            Counted.looks += 1
            return super().__contains__(item)

        def __iter__(self):  # a scan over the openings instead of a look-up
            raise AssertionError("the openings were scanned")

    many = [f"Short paragraph number {n} of the second part, told plainly." for n in range(3000)]
    tree = lxml.html.fromstring(page(AD, part(many)))
    container = tree.find(".//div[@class='article-body']")
    seen = Counted(line[:60] for line in FIRST)
    assert len(continued._parts_after(container, seen)) == 1
    assert Counted.looks <= len(many) and all(line[:60] in seen for line in many)
    # and through the whole extraction: every paragraph of the long part once, in order
    words = " ".join(f"word{n}" for n in range(30000))
    got = lines(page(AD, part(many[:1500]), first=part([f"{FIRST[0]} {words}", *FIRST[1:]])))
    assert got[len(FIRST):] == many[:1500]


# The model: after the container, parts are added while each is separated from the one before
# by at most three elements (ads, figures, link boxes, a paragraph of text kept in its place;
# empty placeholders not counted); the first part needs two paragraphs, a later one one; a
# part repeating one before it, or a sibling that is none of these, ends the article.
_KINDS = ["part", "ad", "figure", "links", "empty", "text", "teasers", "post", "prose-other", "one-paragraph",
          "again"]
_WORDS = ["harbour", "ferry", "council", "ramp", "timetable", "skipper", "trust", "quay", "passengers", "survey",
          "winter", "crossing", "bicycles", "Pellin", "Marlow", "tickets", "repairs", "open day"]


def _sentence(n: int, words: list[str]) -> str:
    return f"Line {n} says the {' and the '.join(words)} matter to the town this week."


@settings(max_examples=60, deadline=None)
@given(kinds=st.lists(st.sampled_from(_KINDS), max_size=8),
       words=st.lists(st.lists(st.sampled_from(_WORDS), min_size=2, max_size=5), min_size=20, max_size=20))
def test_the_parts_added_are_those_the_model_says(kinds, words):
    counter = iter(range(1000))
    siblings, expected, pending, gap, ended, parts = [], [], [], 0, False, []
    for kind in kinds:
        texts = [_sentence(next(counter), words[len(siblings) % 20][:k + 2]) for k in range(2)]
        if kind in ("part", "one-paragraph", "again"):
            shown = parts[-1] if kind == "again" and parts else texts if kind == "part" else texts[:1]
            siblings.append(part(shown))
            good = kind == "part" or (kind == "one-paragraph" and parts) or (kind == "again" and not parts)
            if kind == "again" and not parts:
                shown = texts
                siblings[-1] = part(shown)
            if not ended and good and gap <= 3:
                expected += pending + shown
                parts.append(shown)
                pending, gap = [], 0
            else:
                ended = True
        elif kind in ("ad", "figure", "links", "text"):
            siblings.append({"ad": AD, "figure": '<figure><img src="/f.jpg" alt=""></figure>',
                             "links": '<div class="more"><a href="/a">Bridge works run late</a></div>',
                             "text": f"<p>{texts[0]}</p>"}[kind])
            gap += 1
            if kind == "text":
                pending.append(texts[0])
            if gap > 3:
                ended = True
        elif kind == "empty":
            siblings.append('<div class="slot"></div>')
        else:
            siblings.append({
                "teasers": '<div class="article-body">' + "".join(f'<h3><a href="/x">{t[:30]}</a></h3><p>{t}</p>'
                                                                  for t in texts) + "</div>",
                "post": part(texts).replace("</div>", "<p><time>2 May</time></p></div>"),
                "prose-other": part(MORE + texts, cls="letters"),
            }[kind])
            ended = True
    html = page(*siblings)
    # Where the extractor alone stops at the first container (it reads the whole article
    # itself when what follows is much longer than the first part).
    assume(trafilatura.extract(html).split("\n") == FIRST)
    event("continued" if expected else "not continued")
    assert lines(html) == FIRST + expected


_HOSTILE = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)


@settings(max_examples=60, deadline=None)
@given(sentences=st.lists(st.tuples(_HOSTILE, st.sampled_from(REST + MORE), _HOSTILE), min_size=1, max_size=6))
def test_whatever_the_parts_say_the_text_keeps_its_start_and_gains_only_what_they_show(sentences):
    texts = [f"{a} {line} {b}" for a, line, b in sentences]
    html = page(AD, '<div class="article-body">' + "".join(f"<p>{htmlmod.escape(t)}</p>" for t in texts) + "</div>")
    got = lines(html)
    assert got[:len(FIRST)] == FIRST
    added = got[len(FIRST):]
    event("continued" if added else "not continued")
    # Each line added is one of the part's paragraphs (known by the sentence at its heart;
    # the characters around it may be cleaned), and no sentence more often than the part has it.
    for core in set(line for _, line, _ in sentences):
        assert sum(core in line for line in added) <= sum(core == line for _, line, _ in sentences)
    assert all(any(core in line for _, core, _ in sentences) for line in added)

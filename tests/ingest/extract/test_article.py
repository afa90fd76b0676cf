"""What extraction must keep (text, links, figures with caption and credit) and drop (boilerplate)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.golden import FIXTURES
from wiredesk.ingest.extract import ExtractError, extract_article
from wiredesk.ingest.extract.guards import MAX_DEPTH, MAX_HTML_BYTES, decode_html, nesting_depth
from wiredesk.ingest.types import Extracted, Image

PAGES = FIXTURES / "pages"


@pytest.fixture(scope="module")
def courier() -> Extracted:
    return extract_article((PAGES / "news_article.html").read_bytes(), url="https://courier.example/news/bridge")


def test_boilerplate_is_gone(courier):
    for junk in ("Advertisement", "Glimmerfrost", "Sponsored", "Holiday cabins", "Most read", "Storm warning",
                 "All rights reserved", "Privacy policy", "Weather"):
        assert junk not in courier.text and junk not in courier.html


def test_paragraphs_are_kept_one_per_line(courier):
    lines = courier.text.split("\n")
    assert lines[0].startswith("The Veltmoor harbour bridge opened to traffic again on Saturday")
    assert lines[-1] == "The agency says cyclists will get a separated lane from June, once the painting of the railings is finished."
    assert len(lines) == 5
    assert courier.html.count("<p>") == 5


def test_inline_links_are_kept(courier):
    assert '<a href="https://kessan-works.example/projects/veltmoor">Kessan Public Works Agency</a>' in courier.html
    assert "Engineers from the Kessan Public Works Agency replaced" in courier.text


def test_figure_caption_and_credit(courier):
    assert courier.images == (
        Image(
            url="https://courier.example/img/bridge.jpg",
            caption="Commuters cross the rebuilt span on Saturday morning.",
            credit="Tomas Eklind / Kessan Courier",
            alt="The Veltmoor harbour bridge at dawn",  # the page's own text alternative
        ),
    )
    assert (
        '<figure><img src="https://courier.example/img/bridge.jpg" alt="The Veltmoor harbour bridge at dawn">'
        "<figcaption>Commuters cross the rebuilt span on Saturday morning. "
        "<small>Tomas Eklind / Kessan Courier</small></figcaption></figure>"
    ) in courier.html
    assert "Commuters cross" not in courier.text  # captions live with the image, not in the text


def test_metadata(courier):
    assert courier.title == "Harbour bridge in Veltmoor reopens after two-year repair"
    assert courier.author == "Ilsa Brandvik"
    assert courier.published.isoformat() == "2024-04-12T08:30:00+02:00"
    assert not courier.text.startswith(courier.title)  # the repeated headline is dropped


def test_cp1252_page_and_lazy_image_and_teasers():
    page = extract_article((PAGES / "blog_post_cp1252.html").read_bytes(), url="https://gazette.orrin.example/stories/pond.html")
    assert page.title == "The mill pond\u2019s long winter"
    assert "\u201cMy father used to say" in page.text
    assert [i.url for i in page.images] == ["https://gazette.orrin.example/media/2024/01/pond-skaters.jpg"]
    assert (page.images[0].caption, page.images[0].credit) == ("Families on the ice below the old mill on Sunday.", "Gunnhild Eide")
    for junk in ("Popular this week", "Road salt", "Subscribe now", "Share this story", "Advertising enquiries"):
        assert junk not in page.text


def test_str_input_gives_the_same_result():
    raw = (PAGES / "news_article.html").read_bytes()
    url = "https://courier.example/news/bridge"
    assert extract_article(raw.decode("utf-8"), url=url) == extract_article(raw, url=url)


def test_too_large_is_refused_before_parsing():
    page = b"<html><body><p>" + b"x" * (MAX_HTML_BYTES + 1) + b"</p></body></html>"
    with pytest.raises(ExtractError) as caught:
        extract_article(page, url="https://a.example/")
    assert caught.value.code == "too_large"


@pytest.mark.parametrize("tag", ["div", "span", "section"])
def test_too_deep_is_refused_before_parsing(tag):
    depth = MAX_DEPTH + 10
    page = f"<html><body>{f'<{tag}>' * depth}<p>deep</p>{f'</{tag}>' * depth}</body></html>"
    with pytest.raises(ExtractError) as caught:
        extract_article(page, url="https://a.example/")
    assert caught.value.code == "too_deep"


def test_depth_scan_tolerates_sloppy_but_shallow_markup():
    sloppy = b"<html><body>" + b"<p>para<li>item<br><img src=x.jpg><dd>term" * 3000 + b"</body></html>"
    assert nesting_depth(sloppy) <= MAX_DEPTH
    balanced = b"<html><body>" + b"<div><span>x</span></div>" * 5000 + b"</body></html>"
    assert nesting_depth(balanced) == 2
    stray = b"</div>" * 3000 + b"<div>" * 50 + b"</div>" * 50
    assert nesting_depth(stray, limit=49) == 50  # stray closing tags close nothing
    # Fewer opening tags than the limit: no scan needed, nothing can nest that deep.
    assert nesting_depth(stray) <= MAX_DEPTH


@pytest.mark.parametrize(
    "page",
    [
        b"",
        b"   ",
        b"<html><body></body></html>",
        b"<html><head><title>Only a title</title></head><body><script>var a = 1;</script></body></html>",
        b"<html><body><img src='a.jpg'></body></html>",
        b"\x00\x01\x02",
    ],
)
def test_no_main_text(page):
    with pytest.raises(ExtractError) as caught:
        extract_article(page, url="https://a.example/")
    assert caught.value.code == "no_main_text"


def test_text_between_top_level_blocks_is_kept_in_the_html():
    from lxml import etree

    from wiredesk.ingest.extract.render import to_html, to_text

    body = etree.fromstring("<body><head>Intro</head>Loose text after the heading.<p>A paragraph.</p> Tail &amp; more </body>")
    assert to_html(body, base="https://a.example/") == (
        "<h3>Intro</h3>\n<p>Loose text after the heading.</p>\n<p>A paragraph.</p>\n<p>Tail &amp; more</p>"
    )
    assert to_text(body) == "Intro\nLoose text after the heading.\nA paragraph.\nTail & more"
    body.text = "Left by a dropped title heading."
    assert to_html(body, base="https://a.example/").startswith("<p>Left by a dropped title heading.</p>\n<h3>")
    assert to_text(body).startswith("Left by a dropped title heading.\nIntro")


def test_scripts_styles_drawings_and_templates_never_reach_the_text_and_json_ld_is_still_read():
    story = " ".join(f"Sentence {i} of the harbour story, about the ferry and the quay." for i in range(12))
    page = f"""<!DOCTYPE html><html><head><title>Quay works begin</title>
<script type="application/ld+json">{{"@type": "NewsArticle", "headline": "Quay works begin",
 "author": {{"@type": "Person", "name": "Mira Holt"}}, "datePublished": "2026-03-04T05:06:07Z"}}</script>
<style>p {{ content: "STYLE TEXT"; }}</style></head><body><article><h1>Quay works begin</h1>
<p>{story}</p><script>document.write("SCRIPT TEXT")</script> after the script.
<svg><text>SVG TEXT</text></svg><template><p>TEMPLATE TEXT</p></template>
<p>{story.replace("harbour", "estuary")}</p></article></body></html>"""
    extracted = extract_article(page.encode(), url="https://wire.example/news/quay")
    for hidden in ("STYLE TEXT", "SCRIPT TEXT", "SVG TEXT", "TEMPLATE TEXT"):
        assert hidden not in extracted.text and hidden not in extracted.html
    assert "Sentence 11 of the estuary story" in extracted.text
    assert extracted.author == "Mira Holt" and extracted.published.isoformat() == "2026-03-04T05:06:07+00:00"


def test_inert_elements_are_dropped_before_trafilatura_keeping_json_ld_and_the_text_after_them():
    import lxml.html

    from wiredesk.ingest.extract.article import _drop_inert

    tree = lxml.html.fromstring(
        '<html><head><script type="application/ld+json">{}</script><style>p{}</style></head><body>'
        "<p>One<script>x()</script> two</p><svg><text>drawn</text></svg>three"
        "<template><p>later</p></template><p>four</p></body></html>"
    )
    _drop_inert(tree)
    assert [e.tag for e in tree.iter("script", "style", "svg", "template")] == ["script"]
    assert tree.find(".//script").get("type") == "application/ld+json"
    assert tree.find("body").text_content() == "One twothreefour"  # the tails " two" and "three" stay


_POLISH = "Zażółć gęślą jaźń: organizacje sprzeciwiają się atakom na fundację, mówi rzecznik. "
_GERMAN = "Die Bürger über Größe und Straße: Änderungen für Öffentlichkeit, sagt die Behörde. "


@settings(max_examples=60, deadline=None)
@given(cut=st.integers(min_value=0, max_value=10_000), repeat=st.integers(min_value=3, max_value=40))
def test_utf8_with_a_broken_character_is_still_read_as_utf8(cut, repeat):
    """A page in UTF-8 with one character cut in half (a CMS truncating bytes) keeps all its
    other characters; read in a single-byte charset, every one of them was mojibake."""
    text = _POLISH * repeat
    data = text.encode("utf-8")
    at = cut % len(data)
    while at < len(data) and data[at] < 0x80:  # the lead byte of a multi-byte character
        at += 1
    if at < len(data):
        data = data[:at] + data[at + 1:]  # its first byte gone: its other bytes are broken
    decoded = decode_html(b"<html><head><meta charset='utf-8'></head><body><p>" + data + b"</p></body></html>")
    assert "Ä" not in decoded and "Å¼" not in decoded
    assert decoded.count("sprzeciwiają") >= repeat - 1


@settings(max_examples=30, deadline=None)
@given(repeat=st.integers(min_value=1, max_value=40), declared=st.sampled_from(["", "windows-1252", "iso-8859-1"]))
def test_single_byte_pages_are_not_taken_for_broken_utf8(repeat, declared):
    meta = f"<meta charset='{declared}'>".encode() if declared else b""
    data = b"<html><head>" + meta + b"</head><body><p>" + (_GERMAN * repeat).encode("cp1252") + b"</p></body></html>"
    assert (_GERMAN * repeat).strip() in decode_html(data)


def _ledger_page(title: str, named: str, *, alt: str, caption: str, heading: bool = False) -> str:
    """A page of two paragraphs and a figure; ``named`` opens the first one's second sentence."""
    h1 = f"<h1>{title}</h1>" if heading else ""
    return (f"<html><head><title>{title}</title></head><body><article>{h1}"
            "<p>The council archive holds records of the harbour reaching back many centuries, the clerk said. "
            f"{named} appears in every ledger of the old harbour office.</p>"
            f'<figure><img src="/img/ledger.jpg" alt="{alt}"><figcaption>{caption}</figcaption></figure>'
            "<p>Its oldest ledgers are kept in the cellar of the town hall, where the damp is kept out by a stove "
            "that burns all winter long.</p></article></body></html>")


@given(word=st.lists(st.text(st.characters(categories=["L"]), min_size=1, max_size=5), min_size=2, max_size=6),
       form=st.sampled_from(["&shy;", "\u00ad", "&#173;", "&#x00AD;", "&#XAD;", "&#0173;", "&shy"]))
@settings(max_examples=40, deadline=None)
def test_soft_hyphens_are_taken_out_of_the_text_and_the_title(word, form):
    """A CMS that hyphenates puts U+00AD every few letters: invisible, but kept it splits every
    such word for search ("Mit\u00adtel\u00adal\u00adter" is three tokens, not "Mittelalter")."""
    hyphenated, whole = form.join(word), unicodedata.normalize("NFC", "".join(word))  # text is NFC (test below)
    if form == "&shy" and any(w[:1].isascii() and w[:1].isalnum() for w in word[1:]):
        hyphenated = "&shy;".join(word)  # without its semicolon the entity runs into a letter after it
    html = _ledger_page(f"Archive of {hyphenated}", f"The word {hyphenated}", alt=f"A {hyphenated} ledger",
                        caption=f"The {hyphenated} ledger", heading=True)
    got = extract_article(html, url="https://courier.example/news/archive")
    assert "\u00ad" not in got.text + got.html + got.title
    assert got.images and all("\u00ad" not in image.caption + image.alt for image in got.images)
    assert got.images[0].caption == f"The {whole} ledger"
    assert f"The word {whole} appears" in got.text and got.title == f"Archive of {whole}"
    assert not got.text.startswith("Archive of")  # the heading still matched the title, and went


# The code points libxml2 puts in the tree for a numeric reference XML cannot hold (it writes
# U+FFFD for 0 and for surrogates itself).
_NOT_XML_POINTS = st.one_of(st.integers(1, 8), st.sampled_from([11, 12]), st.integers(14, 31),
                            st.sampled_from([0xFFFE, 0xFFFF]))


@given(point=_NOT_XML_POINTS, hexadecimal=st.booleans(), zeros=st.integers(0, 3), semicolon=st.booleans(),
       where=st.sampled_from(["text", "title", "alt", "caption", "src", "href"]))
@settings(max_examples=80, deadline=None)
def test_a_reference_to_a_character_xml_cannot_hold_loses_that_character_only(point, hexadecimal, zeros, semicolon,
                                                                             where):
    """"&#1;" or "&#xFFFE;" in a page: the HTML parser takes the character in, and an extraction
    working on XML copies of the page found no text at all in it (or failed on the picture)."""
    digits = "0" * zeros + (format(point, "X") if hexadecimal else str(point))
    reference = f"&#{'x' if hexadecimal else ''}{digits}{';' if semicolon else ''}"
    parts = {key: (reference if key == where else "") for key in ("text", "title", "alt", "caption", "src", "href")}
    html = _ledger_page(f"Archive of {parts['title']}ledgers", f"The word {parts['text']}ledger",
                        alt=f"A {parts['alt']}ledger", caption=f"The {parts['caption']}ledger", heading=True)
    html = html.replace("/img/ledger.jpg", f"/img/led{parts['src']}ger.jpg")
    html = html.replace("the clerk said", f'<a href="/staff/clerk{parts["href"]}">the clerk</a> said')
    assert reference in html
    got = extract_article(html, url="https://courier.example/news/archive")
    assert "appears in every ledger of the old harbour office" in got.text
    assert "Its oldest ledgers are kept in the cellar" in got.text
    assert [image.url for image in got.images] == ["https://courier.example/img/ledger.jpg"]
    shown = got.text + got.html + got.title + "".join(i.caption + i.alt for i in got.images)
    assert chr(point) not in shown and "the clerk" in got.text


@given(words=st.lists(st.text(st.characters(categories=["L", "M"]), min_size=1, max_size=6), min_size=2, max_size=6),
       decomposed=st.booleans())
@settings(max_examples=60, deadline=None)
def test_text_title_and_captions_come_out_in_one_spelling_nfc(words, decomposed):
    """The same word may reach us composed ("é") or decomposed ("e" + U+0301), and some
    scripts hold characters NFC never composes (Bengali "ড়" is U+09A1 U+09BC): whatever the page
    used, the stored text is NFC, so search and copy detection see one word."""
    phrase = " ".join(unicodedata.normalize("NFD" if decomposed else "NFC", w) for w in words)
    html = _ledger_page(f"Notes on {phrase}", f"The name {phrase}", alt=phrase, caption=f"The {phrase} ledger")
    got = extract_article(html, url="https://courier.example/news/archive")
    nfc = unicodedata.normalize("NFC", phrase)
    for value in (got.text, got.html, got.title, *(i.caption + i.alt for i in got.images)):
        assert unicodedata.is_normalized("NFC", value)
    assert f"The name {nfc} appears" in got.text
    assert got.images and got.images[0].caption == f"The {nfc} ledger"


def test_a_bengali_letter_outside_nfc_is_written_as_nfc():
    """U+09DC is excluded from composition: NFC writes it as U+09A1 U+09BC, the spelling search
    and the reader's copy use."""
    body = "সকাল সা\u09dcে সাতটার দিকে গ্রামে এ ঘটনা ঘটে। " * 4
    html = f"<html><head><title>খবর</title></head><body><article><p>{body}</p><p>{body}</p></article></body></html>"
    got = extract_article(html.encode(), url="https://courier.example/news/bn")
    assert "\u09dc" not in got.text and "\u09a1\u09bc" in got.text


_ASIDE_STORY = [
    "The river authority of Wendmoor will raise the flood wall along the old tannery quarter by half a metre next spring.",
    "Residents of the lower streets were flooded twice last winter, when the Wend rose faster than the pumps could clear it.",
    "The work is to take four months; the riverside path will close in sections so that the market can stay open.",
    "The authority's engineer said the higher wall would hold a flood of the size seen once in a century, with room to spare.",
    "A public meeting on the plans is set for the first Tuesday of next month in the hall of the tannery school.",
    "Shopkeepers on Quay Street asked for the work to pause in December, their busiest month, and the authority agreed.",
    "The wall will be faced with the same brown stone as the old one, so that the quarter keeps the look it is known for.",
    "Money for the scheme comes from the regional flood fund, with a smaller share from the town's own budget this year.",
]


def test_an_article_swallowed_by_a_sidebar_through_broken_markup_is_still_found():
    """A stray <aside> left open before the article nests the whole story inside it: the
    extractor drops asides as boilerplate and found almost nothing. The article element is
    extracted again alone."""
    story = "".join(f"<p>{line}</p>" for line in _ASIDE_STORY)
    html = ("<html><head><title>Flood wall to rise</title></head><body><div class='page'>"
            "<aside class='sidebar'><div class='widget'><p>Most read this week</p></div>"
            f"<div class='column'><article class='story'><h1>Flood wall to rise</h1>{story}</article></div>"
            "</aside></div><footer><p>Wendmoor Gazette, Tannery Lane 4</p></footer></body></html>")
    got = extract_article(html, url="https://wendmoor.example/news/flood-wall")
    for line in _ASIDE_STORY:
        assert line in got.text


def test_a_page_with_its_text_found_is_extracted_once(monkeypatch):
    """The second pass is for a page that lost its article, not a second opinion."""
    import trafilatura

    calls = []
    real = trafilatura.bare_extraction
    monkeypatch.setattr(trafilatura, "bare_extraction", lambda *a, **k: calls.append(1) or real(*a, **k))
    story = "".join(f"<p>{line}</p>" for line in _ASIDE_STORY)
    html = ("<html><head><title>Flood wall to rise</title></head><body><main>"
            f"<article class='story'><h1>Flood wall to rise</h1>{story}</article></main></body></html>")
    got = extract_article(html, url="https://wendmoor.example/news/flood-wall")
    assert all(line in got.text for line in _ASIDE_STORY) and len(calls) == 1


_BRIEF = ["The coast road between Harwick and Selby reopened on Tuesday after a landslip closed it for three days.",
          "Crews cleared the debris overnight; a lower speed limit stays near the slip until the bank is made safe."]
_CARDS = [("Harbour festival returns with tall ships", "Six tall ships will moor in the inner harbour for the first "
           "festival in years, with open decks for visitors all weekend long."),
          ("New ferry timetable from May", "The island ferry adds an early crossing on weekdays after commuters asked "
           "for a boat before seven in the morning."),
          ("School roof repairs delayed again", "Pupils will stay in temporary classrooms until autumn after the "
           "contractor found more damage in the loft than the survey showed."),
          ("Market hall to get solar panels", "The roof of the old market hall will carry two hundred panels under a "
           "plan the planning committee approved on Monday evening.")] * 2


@pytest.mark.parametrize("others", [
    "<aside><article class='list'>{cards}</article></aside>",  # a list of other stories
    "<div class='comments'><article>{notes}</article></div>",  # the comments
])
def test_a_short_story_is_not_replaced_by_a_bigger_article_element_that_is_not_it(others):
    """A brief under 500 characters is what the page has; an <article> of teasers or comments
    four times its size does not hold the page's headline and is not extracted instead."""
    cards = "".join(f"<div class='card'><h3><a href='/news/{n}'>{h}</a></h3><p>{s}</p></div>"
                    for n, (h, s) in enumerate(_CARDS))
    notes = "".join(f"<p>{s}</p>" for _, s in _CARDS)
    html = ("<html><head><title>Coast road reopens</title></head><body><main><div class='story'>"
            "<h1>Coast road reopens</h1>" + "".join(f"<p>{p}</p>" for p in _BRIEF) + "</div>"
            + others.format(cards=cards, notes=notes) + "</main><footer>Harwick Mercury</footer></body></html>")
    got = extract_article(html, url="https://mercury.example/news/coast-road")
    assert all(p in got.text for p in _BRIEF)
    assert not any(s in got.text for _, s in _CARDS)


def test_links_and_sources_keep_their_spelling_when_the_text_is_made_nfc():
    """A file saved under a decomposed name (as macOS writes them) is another URL to a server
    that compares bytes: only the text and the alt, title and content attributes change."""
    decomposed = "cafe\u0301"
    story = "".join(f"<p>{line}</p>" for line in _ASIDE_STORY)
    html = (f"<html><head><title>The {decomposed} by the quay</title></head><body><article>{story}"
            f'<p>More at <a href="https://wendmoor.example/{decomposed}/menu">the {decomposed} menu</a>.</p>'
            f'<figure><img src="https://wendmoor.example/img/{decomposed}.jpg" alt="The {decomposed}"></figure>'
            "</article></body></html>")
    got = extract_article(html, url="https://wendmoor.example/news/cafe")
    assert f"https://wendmoor.example/{decomposed}/menu" in got.html and "the café menu" in got.text
    assert got.title == "The café by the quay"
    assert got.images and got.images[0].url == f"https://wendmoor.example/img/{decomposed}.jpg"
    assert got.images[0].alt == "The café"


@pytest.mark.parametrize("mark", ["\u0338", "\u0338\u0301"])
def test_a_combining_mark_right_after_a_tag_does_not_break_the_tag(mark):
    """NFC joins ">" and a following U+0338 into "≯": normalising the page's source would
    break the tag before it. The text is normalised after parsing, so every paragraph stays."""
    paragraphs = [f"{mark}The ferry timetable changes on Monday, when the winter crossings start again at dawn.",
                  "The harbour office said the first boat would leave at six and the last at half past nine.",
                  "Passengers with bicycles are asked to book a place on the later boats from next week on."]
    html = ("<html><head><title>Timetable</title></head><body><article>"
            + "".join(f"<p>{p}</p>" for p in paragraphs) + "</article></body></html>")
    got = extract_article(html, url="https://courier.example/news/timetable")
    for p in paragraphs[1:]:
        assert p in got.text
    assert "The ferry timetable changes on Monday" in got.text and "\u226f" not in got.text

"""Every encoding and prologue a feed reader accepts gives back the title that was written.

The class: a valid feed with any title XML allows, written in any supported encoding, with or
without a byte-order mark, an XML declaration (true, or contradicted by a BOM), an HTTP
charset (exact, generic like "utf-16", or wrong where the bytes themselves decide), white
space before the first tag, and an HTML DOCTYPE before ``<rss>``.
"""

from __future__ import annotations

import codecs
import json

from hypothesis import assume, given, settings, strategies as st

from wiredesk.ingest.formats import ParseError, parse_feed

URL = "https://tidings.example/feed"
BOMS = {
    "utf-8": codecs.BOM_UTF8,
    "utf-16-le": codecs.BOM_UTF16_LE,
    "utf-16-be": codecs.BOM_UTF16_BE,
    "utf-32-le": codecs.BOM_UTF32_LE,
    "utf-32-be": codecs.BOM_UTF32_BE,
}
GENERIC = {"utf-8": "UTF-8", "utf-16-le": "UTF-16", "utf-16-be": "UTF-16", "utf-32-le": "UTF-32", "utf-32-be": "UTF-32"}
# Legacy encodings need a label (declaration or HTTP); characters they lack are written as
# character references, as their encoders do.
LEGACY = ("windows-1252", "iso-8859-1", "iso-8859-7", "koi8-r", "shift_jis", "euc-jp", "gb18030", "big5", "euc-kr")


# Any character XML 1.0 allows (no surrogates, U+FFFE or U+FFFF), less the white space and
# controls a title loses on purpose (fields.plain_text), the noncharacters HTML refuses and
# pages never carry (text.chars: U+FDD0-U+FDEF, the last two of each plane), and "&", "<", ">": titles are
# unescaped once more on purpose too, which is not what this test is about.
words = st.text(
    alphabet=st.characters(
        exclude_categories=("Cc", "Cs", "Zs", "Zl", "Zp"), exclude_characters="&<>\ufffe\uffff"
    ),
    min_size=1,
    max_size=12,
).filter(lambda w: not any(0xFDD0 <= ord(c) <= 0xFDEF or ord(c) & 0xFFFE == 0xFFFE for c in w))
titles = st.lists(words, min_size=1, max_size=5).map(" ".join)


def document(title: str, *, declared: str | None, lead: str, doctype: str) -> str:
    decl = f'<?xml version="1.0" encoding="{declared}"?>\n' if declared else ""
    return (
        f"{lead}{decl}{doctype}<rss version=\"2.0\"><channel><title>{title}</title>"
        f"<item><guid>t-1</guid><title>{title}</title></item></channel></rss>"
    )


def _specs() -> list[tuple[str, bool, str | None, str | None]]:
    """(encoding, byte-order mark, declared encoding, HTTP charset) for every case readers accept."""
    specs = []
    for form in BOMS:
        for with_bom in (False, True):
            for declared in (None, GENERIC[form], "ISO-8859-1" if with_bom else None):
                for http in (None, form, GENERIC[form], "utf-8" if form != "utf-8" and not declared else None):
                    specs.append((form, with_bom, declared, http))
    for codec in LEGACY:
        specs += [(codec, False, codec, None), (codec, False, None, codec), (codec, False, codec, codec)]
    return sorted(set(specs), key=str)


SPECS = _specs()


def encoded(title: str, spec, *, lead: str = "", doctype: str = "") -> bytes:
    codec, with_bom, declared, _http = spec
    # What a producer in a legacy encoding must do: a character the codec cannot hold becomes a
    # reference. That includes characters it maps lossily without an error (EUC-JP writes the
    # yen sign as a backslash, which reads back as a backslash).
    title = "".join(c if c.encode(codec, "ignore").decode(codec, "ignore") == c else f"&#{ord(c)};" for c in title)
    data = document(title, declared=declared, lead=lead, doctype=doctype).encode(codec, "xmlcharrefreplace")
    return (BOMS[codec] if with_bom else b"") + data


def assert_round_trip(title: str, spec, **prologue: str) -> None:
    try:
        feed = parse_feed(encoded(title, spec, **prologue), url=URL, charset=spec[3])
    except ParseError as exc:  # pragma: no cover - the assertion message
        raise AssertionError(f"{spec} {prologue}: {exc.code}: {exc}") from None
    assert (feed.title, feed.items[0].title) == (title, title), (spec, prologue)


def test_every_encoding_and_prologue_with_a_hard_title():
    """The whole matrix once, with astral, combining, right-to-left and private-use characters."""
    title = "Pørt “Éllery” 🌊 港 שלום  􏿽"
    for spec in SPECS:
        for lead in ("", "\r\n "):
            for doctype in ("", "<!DOCTYPE html>\n", "<!DOCTYPE rss>\n"):
                assert_round_trip(title, spec, lead=lead, doctype=doctype)


@settings(max_examples=200, deadline=None)
@given(
    title=titles,
    spec=st.sampled_from(SPECS),
    lead=st.sampled_from(["", "\n", " \r\n\t"]),
    doctype=st.sampled_from(["", "<!DOCTYPE html>\n", "<!DOCTYPE rss>\n"]),
)
def test_any_title_round_trips_in_any_encoding(title, spec, lead, doctype):
    assume(not looks_like_mojibake(title))
    assert_round_trip(title, spec, lead=lead, doctype=doctype)


def looks_like_mojibake(text: str) -> bool:
    """Text that is UTF-8 read as Latin-1 ("Â¡" for "¡"): feedparser repairs it on purpose."""
    try:
        return text.encode("latin-1").decode("utf-8") != text
    except (UnicodeEncodeError, UnicodeDecodeError):
        return False


@settings(max_examples=40, deadline=None)
@given(title=titles)
def test_json_feed_title_round_trips_in_every_unicode_form(title):
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": title,
                       "items": [{"id": "1", "title": title}]}, ensure_ascii=False)
    for form, bom in BOMS.items():
        for data in (body.encode(form), bom + body.encode(form)):
            feed = parse_feed(data, url=URL, content_type="application/feed+json")
            assert (feed.title, feed.items[0].title) == (title, title), form


def test_wrong_http_charset_on_bomless_utf16_is_overruled_with_a_warning():
    data = document("Kaj \u00e5bner", declared=None, lead="", doctype="").encode("utf-16-be")
    feed = parse_feed(data, url=URL, charset="utf-8")
    assert feed.title == "Kaj \u00e5bner"
    assert any("UTF-16-BE" in w for w in feed.warnings)


def test_an_html_doctype_before_an_html_root_is_still_not_a_feed():
    for page in (b"<!DOCTYPE html>\n<html><body>front page</body></html>", b"<!DOCTYPE html>\nHello"):
        try:
            parse_feed(page, url=URL)
        except ParseError as exc:
            assert exc.code == "not_a_feed" and "HTML" in str(exc)
        else:  # pragma: no cover
            raise AssertionError("an HTML page parsed as a feed")

"""Story bodies: untrusted HTML in, HTML safe to render as-is out; plain text."""

from __future__ import annotations

import functools
import html as html_lib
import re
from urllib.parse import urljoin

import lxml.html
import nh3
from lxml import etree

from wiredesk.text.urls import is_http_url

# What a news body needs and nothing more. No div-free purism: feeds wrap
# paragraphs in <div>, and stripping it would glue neighbouring blocks together.
ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "div",
        "a", "strong", "b", "em", "i", "u", "s", "del", "ins", "mark", "small",
        "sub", "sup", "abbr", "cite", "q", "time", "code", "pre", "blockquote",
        "h2", "h3", "h4", "h5", "h6",
        "ul", "ol", "li", "dl", "dt", "dd",
        "figure", "figcaption", "img",
        "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    # No id/class/style: they would collide with or restyle the host page.
    # No srcset: its comma-separated candidates bypass per-URL scheme checks.
    # No target: links open in place, and rel is forced anyway.
    "*": {"lang", "dir"},
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "time": {"datetime"},
    "q": {"cite"},
    "blockquote": {"cite"},
    "del": {"cite", "datetime"},
    "ins": {"cite", "datetime"},
    "ol": {"start"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
}
# Removed together with everything inside them: their content is code, a
# second document, or a form, never story text. svg and math go too because
# their foreign-content parsing rules are where mutation XSS lives.
DROPPED_WITH_CONTENT = frozenset(
    {
        "script", "style", "template", "noscript", "xmp", "plaintext", "noembed",
        "iframe", "frame", "frameset", "noframes", "object", "embed", "applet",
        "form", "button", "textarea", "select", "base", "meta", "link", "title",
        "svg", "math", "canvas", "audio", "video",
    }
)  # fmt: skip
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer"
# Links of promotional copy (news releases) say so: the rel values search engines read.
SPONSORED_LINK_REL = "sponsored noopener"
_MAX_PASSES = 4

_NUMBER = re.compile(r"^\d{1,5}$")
_LENGTH = re.compile(r"^\d{1,5}%?$")
_H1 = re.compile(r"<(/?)h1(?=[\s/>])", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
_ANY_TAG = re.compile(r"<[^>]*>")

# Elements that end a line in html_to_text.
_TEXT_BLOCKS = frozenset(
    {
        "p", "div", "br", "hr", "li", "dt", "dd", "tr", "pre", "blockquote",
        "h1", "h2", "h3", "h4", "h5", "h6", "figure", "figcaption", "caption",
        "table", "ul", "ol", "dl", "section", "article", "header", "footer",
        "aside", "nav", "main", "address", "details", "summary",
    }
)  # fmt: skip
_TEXT_CELLS = frozenset({"td", "th"})
_TEXT_SKIPPED = DROPPED_WITH_CONTENT | {"head"}


def sanitize_html(html: str, *, base_url: str | None = None, link_rel: str | None = None) -> str:
    """Return html reduced to the news-body allowlist, with absolute URLs.

    ``link_rel`` replaces the rel every link gets (news releases: "sponsored noopener").
    """
    if not html:
        return ""
    # The page already has the headline as its <h1>; a second one from the body
    # would break the outline, and stripping it would glue its text to the next
    # block. Renaming before parsing is safe because nh3 still parses the result.
    html = _H1.sub(r"<\1h2", html)
    base = base_url.strip() if base_url and is_http_url(base_url) else None
    rel = link_rel or LINK_REL
    clean = _cleaner(base, rel).clean(html)
    # HTML tree building can produce trees that do not survive serialization
    # (an <a> inside an <a>, an <li> inside an <li>, foster-parented table
    # content), so one pass is not always a fixed point. Re-clean until the
    # output reparses to itself; in practice one extra pass settles it.
    # Those passes see only what the first let through: attributes that passed
    # _filter_attribute (which accepts its own output unchanged) and, given a
    # base, href/src already made absolute against it. So one shared cleaner
    # without the filter and the base gives the same result, without a Python
    # callback per attribute nor a cleaner built per base.
    recleaner = _recleaner(rel)
    for _ in range(_MAX_PASSES):
        again = recleaner.clean(clean)
        if again == clean:
            break
        clean = again
    return clean


@functools.lru_cache(maxsize=256)
def _cleaner(base: str | None, link_rel: str = LINK_REL) -> nh3.Cleaner:
    # One cleaner per base URL: building one compiles the allowlist, and a feed
    # refresh sanitizes many items that share a base.
    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=functools.partial(_filter_attribute, base),
        url_schemes=set(URL_SCHEMES),
        link_rel=link_rel,
        # Relative href/src resolve against the article's own URL; without a base
        # they stay relative rather than being guessed.
        url_relative=("rewrite_with_base", base) if base else "pass_through",
        strip_comments=True,
    )


@functools.cache
def _recleaner(link_rel: str = LINK_REL) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=link_rel,
        url_relative="pass_through",
        strip_comments=True,
    )


def _filter_attribute(base: str | None, tag: str, name: str, value: str) -> str | None:
    if name in {"width", "height"}:
        return value if _LENGTH.match(value.strip()) else None
    if name in {"colspan", "rowspan", "start"}:
        return value if _NUMBER.match(value.strip()) else None
    if name == "dir":
        return value if value.strip().lower() in {"ltr", "rtl", "auto"} else None
    if name == "cite":
        # nh3 checks schemes on href and src only; cite is a URL too.
        url = urljoin(base, value.strip()) if base else value.strip()
        return url if is_http_url(url) else None
    return value


def html_to_text(html: str) -> str:
    """Return the text of html, one block per line, whitespace collapsed."""
    if not html or not html.strip():
        return ""
    root = parse_fragment(html)
    return _crude_text(html) if root is None else tree_to_text(root)


def html_texts(html: str) -> tuple[str, str]:
    """(html_to_text(html), the same without the text of <figure> elements), parsing once."""
    root = parse_fragment(html) if html and html.strip() else None
    if root is None:
        text = _crude_text(html) if html and html.strip() else ""
        return text, text
    return tree_texts(root)


def _crude_text(html: str) -> str:
    # Too deep for libxml2: crude tag stripping still gives searchable text, rather than
    # losing the body.
    return _SPACE.sub(" ", html_lib.unescape(_ANY_TAG.sub(" ", html))).strip()


def tree_to_text(root) -> str:
    """html_to_text of a tree parse_fragment returned (for callers that hold one)."""
    parts: list[str] = []
    _collect_text(root, parts)
    return _lines(parts)


def tree_texts(root) -> tuple[str, str]:
    """(tree_to_text(root), the same text without its <figure> elements), in one walk.

    The story's lead is its first paragraph, not the caption of a photo placed above it."""
    parts: list[str] = []
    figures: list[tuple[int, int]] = []
    _collect_text(root, parts, figures)
    text = _lines(parts)
    if not figures:
        return text, text
    kept: list[str] = []
    done = 0
    for start, end in figures:
        kept.extend(parts[done:start])
        kept.append(" ")
        done = end
    kept.extend(parts[done:])
    return text, _lines(kept)


def _lines(parts: list[str]) -> str:
    # str.split() splits on exactly the whitespace \s matches: strip and collapse at once.
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def parse_fragment(html: str):
    """Parse an HTML fragment into a wrapper <div>; None when it cannot be parsed whole."""
    if not html.strip():
        return None
    parser = lxml.html.HTMLParser()
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div", parser=parser)
    except (etree.ParserError, ValueError):
        return None
    # libxml2 stops at 256 levels of nesting and silently drops the rest; a
    # caller that edits and re-serialises that tree would lose the body.
    if any(error.level_name == "FATAL" for error in parser.error_log):
        return None
    return root


def _collect_text(element, parts: list[str], figures: list[tuple[int, int]] | None = None) -> None:
    # Source newlines are just whitespace in HTML; only block boundaries and
    # <br> become "\n", so newlines in text nodes become spaces. Runs of
    # whitespace are collapsed once per line, at the end.
    tag = element.tag
    if isinstance(tag, str):
        tag = tag.lower()
        if tag not in _TEXT_SKIPPED:
            # The span of parts an outermost <figure> wrote (for tree_texts), tail excluded.
            start = len(parts) if figures is not None and tag == "figure" else -1
            block = tag in _TEXT_BLOCKS
            if block:
                parts.append("\n")
            elif tag in _TEXT_CELLS:
                parts.append(" ")
            text = element.text
            if text:
                parts.append(text.replace("\n", " "))
            inner = None if start >= 0 else figures
            for child in element:
                _collect_text(child, parts, inner)
            if block:
                parts.append("\n")
            if start >= 0:
                figures.append((start, len(parts)))
    # Comments and skipped elements still own the text that follows them.
    tail = element.tail
    if tail:
        parts.append(tail.replace("\n", " "))

"""The sanitizer over generated hostile markup: properties, not examples (reliability E1).

Fragments are built from the pieces attacks are made of (script and event-handler vectors,
dangerous schemes in many spellings, SVG and MathML, unclosed and misnested tags, comments,
entities) in random orders. Whatever comes in: nothing executable comes out (no script-bearing
element, no event handler, style or form attribute, no dangerous URL scheme, every new-window
link with noopener) and sanitizing twice changes nothing more. (The element count is not a
property here: the HTML standard's tree building adds elements the input never named, a
<tbody> and <tr> around a lone <td>, a <p> for a stray </p>, and that is as a browser reads it.)
"""

from __future__ import annotations

import re

import lxml.html
from hypothesis import given, settings, strategies as st

from wiredesk.text.sanitize import sanitize_html

TAGS = ["p", "a", "b", "i", "em", "strong", "div", "span", "img", "script", "style", "iframe", "svg", "math",
        "object", "embed", "form", "button", "base", "meta", "link", "table", "td", "tr", "ul", "li", "h1", "h2",
        "blockquote", "annotation-xml", "noscript", "template", "textarea", "title", "select", "option", "video"]
ATTRS = ["href", "src", "srcset", "onerror", "onclick", "onload", "style", "formaction", "action", "xlink:href",
         "data", "srcdoc", "target", "rel", "class", "id", "background", "poster", "lowsrc", "dynsrc"]
VALUES = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "jav&#x09;ascript:alert(1)", "&#106;avascript:alert(1)",
          " javascript:alert(1)", "vbscript:msgbox(1)", "data:text/html,<script>alert(1)</script>",
          "javascript://example.com/%0Aalert(1)", "https://example.com/a.jpg", "/relative/path", "alert(1)",
          "http:a<script>alert(1)</script>", "expression(alert(1))", "url(javascript:alert(1))", "x\" onerror=\"alert(1)",
          "_blank", "#top", "mailto:a@b.example"]
TEXTS = ["Harbour news", "<", ">", "&", "&lt;script&gt;", "&#60;script&#62;", "\u202e", "\x00", "<!--", "-->",
         "]]>", "<![CDATA[", "alert(1)", "\"", "'"]


@st.composite
def fragments(draw) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 14))):
        kind = draw(st.sampled_from(("open", "close", "text", "comment", "void")))
        tag = draw(st.sampled_from(TAGS))
        if kind in ("open", "void"):
            attrs = "".join(f' {draw(st.sampled_from(ATTRS))}="{draw(st.sampled_from(VALUES))}"'
                            for _ in range(draw(st.integers(0, 3))))
            parts.append(f"<{tag}{attrs}{' /' if kind == 'void' else ''}>")
        elif kind == "close":
            parts.append(f"</{tag}>")
        elif kind == "comment":
            parts.append(f"<!--{draw(st.sampled_from(TEXTS))}-->")
        else:
            parts.append(draw(st.sampled_from(TEXTS)))
    return "".join(parts)


EXECUTABLE_TAGS = {"script", "iframe", "object", "embed", "form", "button", "base", "meta", "link", "style", "svg",
                   "math", "template", "textarea", "select", "frame", "frameset", "applet"}
BAD_SCHEME = re.compile(r"^\s*(javascript|vbscript|data|file):", re.I)


def _elements(html: str) -> list:
    if not html.strip():
        return []
    return [el for el in lxml.html.fragment_fromstring(html, create_parent="div").iter() if isinstance(el.tag, str)][1:]


@settings(max_examples=400, deadline=None)
@given(fragments(), st.sampled_from([None, "https://wire.example/news/1"]))
def test_nothing_executable_comes_out_and_sanitizing_again_changes_nothing(html, base):
    clean = sanitize_html(html, base_url=base)
    assert sanitize_html(clean, base_url=base) == clean  # idempotent: the output is a fixed point
    for element in _elements(clean):
        assert element.tag not in EXECUTABLE_TAGS, (html, clean)
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (html, clean)
            assert name.lower() not in ("style", "formaction", "srcdoc", "action"), (html, clean)
            if name.lower() in ("href", "src", "srcset", "xlink:href", "background", "poster"):
                assert not BAD_SCHEME.match(value), (html, clean)
            if element.tag == "a" and element.get("target") == "_blank":
                assert "noopener" in (element.get("rel") or ""), (html, clean)
    # (Text may say "javascript:" or "<script>": escaped, it is words on the page, not markup.)

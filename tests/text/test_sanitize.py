import re

import lxml.html
import pytest

from tests.golden import FIXTURES, cases, check_text, expected_path
from wiredesk.text.sanitize import html_to_text, sanitize_html

BASE = "https://wire.example.org/world/2025/harbour-story.html"
SANITIZE_CASES = cases("text/sanitize", ".html")
TEXT_CASES = cases("text/text", ".html")
PAYLOADS = [
    line
    for line in (FIXTURES / "text" / "xss" / "payloads.txt").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("# ")
]
DANGEROUS_TAGS = (
    "script", "style", "iframe", "frame", "object", "embed", "applet", "form", "button",
    "input", "base", "meta", "link", "svg", "math", "template", "noscript", "textarea",
    "select", "video", "source", "area", "map",
)  # fmt: skip
EVENT_ATTRIBUTE = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
URL_ATTRIBUTES = ("href", "src", "cite", "action", "formaction", "data", "background", "poster")


def _base_for(case):
    # Fixtures named nobase_* exercise the no-base-URL path.
    return None if case.name.startswith("nobase_") else BASE


def _elements(html):
    if not html.strip():
        return []
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    return [el for el in root.iter() if isinstance(el.tag, str)][1:]


def test_fixture_folders_are_populated():
    assert len(SANITIZE_CASES) >= 5
    assert len(TEXT_CASES) >= 3
    assert len(PAYLOADS) >= 40


@pytest.mark.parametrize("case", SANITIZE_CASES, ids=lambda p: p.stem)
def test_sanitize_golden(case):
    clean = sanitize_html(case.read_text(encoding="utf-8"), base_url=_base_for(case))
    check_text(expected_path(case, ".html", ".expected.html"), clean)


@pytest.mark.parametrize("case", SANITIZE_CASES, ids=lambda p: p.stem)
def test_sanitize_golden_is_idempotent(case):
    once = sanitize_html(case.read_text(encoding="utf-8"), base_url=_base_for(case))
    assert sanitize_html(once, base_url=_base_for(case)) == once
    assert sanitize_html(once) == once


@pytest.mark.parametrize("case", TEXT_CASES, ids=lambda p: p.stem)
def test_html_to_text_golden(case):
    text = html_to_text(case.read_text(encoding="utf-8"))
    check_text(expected_path(case, ".html", ".expected.txt"), text + "\n")


@pytest.mark.parametrize("base_url", [BASE, None], ids=["base", "nobase"])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_xss_payload_is_neutralised(payload, base_url):
    out = sanitize_html(payload, base_url=base_url)
    lowered = out.lower()
    for tag in DANGEROUS_TAGS:
        assert f"<{tag}" not in lowered
    assert not EVENT_ATTRIBUTE.search(out)
    for word in ("javascript:", "vbscript:", "data:", "srcset", "formaction", "http-equiv", "style=", "target="):
        assert word not in lowered
    assert sanitize_html(out, base_url=base_url) == out
    for element in _elements(out):
        assert element.tag not in DANGEROUS_TAGS
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on")
            if name in URL_ATTRIBUTES:
                assert re.match(r"(https?://|mailto:|/|#|\?|[\w.-]+(/|$))", value.strip()), value
                if base_url:
                    assert value.startswith(("https://", "http://", "mailto:")), value
        if element.tag == "a" and element.get("href") is not None:
            assert element.get("rel") == "noopener noreferrer"


def test_links_get_rel_and_absolute_href():
    out = sanitize_html('<a href="../local/ferry.html" rel="opener" target="_blank">Ferry</a>', base_url=BASE)
    assert out == '<a href="https://wire.example.org/world/local/ferry.html" rel="noopener noreferrer">Ferry</a>'


def test_relative_urls_stay_relative_without_base():
    assert sanitize_html('<img src="/i/gull.png" alt="Gull">') == '<img src="/i/gull.png" alt="Gull">'


def test_unsafe_base_url_is_ignored():
    out = sanitize_html('<a href="x.html">x</a>', base_url="javascript:alert(1)//")
    assert out == '<a href="x.html" rel="noopener noreferrer">x</a>'


def test_h1_becomes_h2():
    assert sanitize_html("<H1 class=x>Big</H1><p>Body</p>") == "<h2>Big</h2><p>Body</p>"


def test_dropped_containers_lose_their_content():
    html = "<p>Keep</p><script>gone()</script><iframe>gone</iframe><object>gone</object><form>gone</form>"
    assert sanitize_html(html) == "<p>Keep</p>"


def test_unknown_wrappers_keep_their_text():
    assert sanitize_html("<section><span>Gulls</span> <font>fly</font></section>") == "Gulls fly"


def test_numeric_attributes_are_validated():
    out = sanitize_html('<img src="https://e.example/a.png" width="50%" height="1x"><td colspan="2">c</td>')
    assert out == '<img src="https://e.example/a.png" width="50%">c'


def test_empty_input():
    assert sanitize_html("") == ""
    assert html_to_text("") == ""
    assert html_to_text("   <!-- nothing -->  ") == ""


def test_html_to_text_decodes_entities_and_collapses_whitespace():
    html = "<p>Fish &amp;\n  chips&nbsp;&nbsp;&pound;9</p><p>Next<br/>line</p>"
    assert html_to_text(html) == "Fish & chips £9\nNext\nline"


def test_html_to_text_of_sanitized_html_matches_raw():
    raw = "<p>The <b>ferry</b> sailed.</p><script>x()</script><p>Gulls followed.</p>"
    assert html_to_text(sanitize_html(raw)) == html_to_text(raw) == "The ferry sailed.\nGulls followed."


def test_html_to_text_survives_nesting_deeper_than_libxml2_allows():
    deep = "<div>" * 400 + "Deep <b>text</b> &amp; more" + "</div>" * 400
    assert html_to_text(deep) == "Deep text & more"


def test_sanitize_deep_nesting_is_idempotent():
    deep = "<div>" * 400 + "Deep" + "</div>" * 400
    once = sanitize_html(deep)
    assert "Deep" in once
    assert sanitize_html(once) == once

"""The article's images, with captions and photo credits, placed into the extracted body.

Extraction runs without trafilatura's image handling: with it, teaser boxes and loose
caption lines leak into the text (measured: lower precision on the extraction-dev pages).
Instead, the extracted paragraphs are found again in the parsed page, the smallest element
holding them is taken as the article, and its images are inserted into the body before the
paragraph that follows them in the page, each with the caption and credit of its
``<figure>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml.etree import SubElement, _Element
from lxml.html import HtmlElement

from wiredesk.ingest.types import Image

MAX_IMAGES = 20
MAX_CAPTION_CHARS = 1000
_MIN_KEY_CHARS = 25
_SOURCE_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre")
_OUTSIDE_ARTICLE = {"nav", "aside", "footer", "header", "form", "button", "noscript"}
_IMG_URL_ATTRS = ("data-src", "data-lazy-src", "data-original", "data-url", "src")
_SRCSET_ATTRS = ("srcset", "data-srcset")
_CREDIT_CLASS_RE = re.compile(r"credit|copyright|photographer|byline|source|author|rights", re.IGNORECASE)
# "Photo: Jane Doe", "(Foto: dpa)", "© Agency", "Credit: ..." at the end of a caption.
_CREDIT_LABEL_RE = re.compile(
    r"(?:^|(?<=[\s(\[|/\u2013\u2014-]))[(\[]?\s*"
    r"(?:(?:photo(?:graph)?s?|pictures?|images?|fotos?|bild(?:er)?|credits?|source|quelle)\s*:|\u00a9|\(c\))"
    r"\s*(?P<credit>[^()\[\]]{1,200}?)\s*[)\]]?\s*\.?$",
    re.IGNORECASE,
)
_IMAGE_LINK_RE = re.compile(r"\.(?:jpe?g|png|gif|webp|avif)(?:$|[?#])", re.IGNORECASE)
_TRIM = " \t\n|/\u2013\u2014-:;,."


@dataclass(frozen=True)
class Caption:
    caption: str
    credit: str
    text: str  # everything the figcaption said, for spotting it as a loose paragraph


def squash(text: str | None) -> str:
    return " ".join((text or "").split())


def _strip_label(credit: str) -> str:
    match = _CREDIT_LABEL_RE.search(credit)
    return squash(match.group("credit")) if match and match.start() == 0 else credit


def split_credit(text: str) -> tuple[str, str]:
    """Split "Caption text. Photo: Jane Doe" into ("Caption text.", "Jane Doe")."""
    match = _CREDIT_LABEL_RE.search(text)
    if not match:
        return text, ""
    caption = text[: match.start()].rstrip(_TRIM.replace(".", ""))
    return caption.strip(), squash(match.group("credit")).strip(_TRIM)


def _caption_of(figcaption: _Element) -> Caption:
    full = squash(figcaption.text_content())[:MAX_CAPTION_CHARS]
    credit_parts = []
    for element in figcaption.iter():
        if element is figcaption or not isinstance(element.tag, str):
            continue
        if element.tag in ("small", "cite") or _CREDIT_CLASS_RE.search(element.get("class") or ""):
            part = squash(element.text_content())
            if part and part not in credit_parts:
                credit_parts.append(part)
    if credit_parts:
        caption = full
        for part in credit_parts:
            caption = caption.replace(part, " ")
        credit = " / ".join(_strip_label(p).strip(_TRIM) for p in credit_parts)
        return Caption(squash(caption).strip(" |/\u2013\u2014-"), credit, full)
    caption, credit = split_credit(full)
    return Caption(caption, credit, full)


def image_urls(img: _Element, base: str) -> list[str]:
    """Every absolute http(s) URL an <img> may show (src, lazy-loading attributes, srcset)."""
    raw = [img.get(a) for a in _IMG_URL_ATTRS]
    for attr in _SRCSET_ATTRS:
        for candidate in (img.get(attr) or "").split(","):
            raw.append(candidate.strip().split(" ")[0])
    urls = []
    for value in raw:
        url = absolute_http(base, value)
        if url and url not in urls:
            urls.append(url)
    return urls


def absolute_http(base: str, value: str | None) -> str | None:
    if not value or value.startswith("data:"):
        return None
    try:
        url = urljoin(base, value.strip())
        return url if urlsplit(url).scheme in ("http", "https") else None
    except ValueError:
        return None


def _key(text: str) -> str | None:
    squashed = squash(text)
    return squashed[:80] if len(squashed) >= _MIN_KEY_CHARS else None


def _ancestors(element: _Element) -> list[_Element]:
    chain = [element]
    parent = element.getparent()
    while parent is not None:
        chain.append(parent)
        parent = parent.getparent()
    return chain[::-1]


def _common_ancestor(elements: list[_Element]) -> _Element:
    common = _ancestors(elements[0])
    for element in elements[1:]:
        chain = _ancestors(element)
        length = 0
        while length < min(len(common), len(chain)) and common[length] is chain[length]:
            length += 1
        common = common[:length]
    return common[-1]


def _is_small(img: _Element) -> bool:
    for attr in ("width", "height"):
        value = (img.get(attr) or "").strip().removesuffix("px")
        if value.isdigit() and int(value) < 100:
            return True
    return False


def _figure_caption(img: _Element, container: _Element) -> Caption | None:
    """The caption of the <figure> around ``img`` (at most five levels up, inside the article)."""
    element = img.getparent()
    for _ in range(5):
        if element is None or element is container.getparent():
            return None
        if element.tag == "figure":
            figcaption = next(element.iter("figcaption"), None)
            return _caption_of(figcaption) if figcaption is not None else None
        element = element.getparent()
    return None


def _eligible(img: _Element, container: _Element, *, whole_page: bool) -> bool:
    if _is_small(img):
        return False
    in_figure = False
    element = img.getparent()
    while element is not None and element is not container:
        tag = element.tag
        if tag in _OUTSIDE_ARTICLE:
            return False
        if tag == "a" and not _IMAGE_LINK_RE.search(element.get("href") or ""):
            return False  # a linked picture is a teaser, unless it links to the image itself
        in_figure = in_figure or tag in ("figure", "picture")
        element = element.getparent()
    return in_figure or not whole_page


def place_images(tree: HtmlElement, body: _Element, *, base: str) -> tuple[Image, ...]:
    """Insert the article's images into ``body`` as ``graphic`` elements; return them."""
    if next(tree.iter("img"), None) is None:
        return ()  # nothing to place: skip matching the paragraphs
    targets: dict[str, _Element] = {}
    for child in body:
        key = _key("".join(child.itertext()))
        if key:
            targets.setdefault(key, child)
    if not targets:
        return ()
    matched: list[tuple[_Element, _Element]] = []
    for element in tree.iter(*_SOURCE_BLOCKS):
        key = _key(element.text_content())
        if key in targets:
            matched.append((element, targets.pop(key)))
            if not targets:
                break
    if not matched:
        return ()
    container = _common_ancestor([source for source, _ in matched])
    whole_page = container.tag in ("html", "body")
    # The container's images and matched paragraphs in document order (a tag-filtered walk:
    # no Python object for each of the other elements); each image goes before the body
    # block of the next matched paragraph.
    target_of = {source: target for source, target in matched}
    placed: list[tuple[_Element, _Element | None]] = []
    waiting: list[_Element] = []
    for element in container.iter("img", *_SOURCE_BLOCKS):
        if element.tag == "img":
            waiting.append(element)
        elif element in target_of and waiting:
            placed.extend((img, target_of[element]) for img in waiting)
            waiting.clear()
    placed.extend((img, None) for img in waiting)
    images: list[Image] = []
    for img, following in placed:
        if len(images) >= MAX_IMAGES or not _eligible(img, container, whole_page=whole_page):
            continue
        urls = image_urls(img, base)
        if not urls or urls[0] in {i.url for i in images}:
            continue
        caption = _figure_caption(img, container) or Caption("", "", "")
        image = Image(url=urls[0], caption=caption.caption, credit=caption.credit, alt=squash(img.get("alt")))
        images.append(image)
        graphic = SubElement(body, "graphic", src=image.url, alt=image.alt)
        graphic.set("caption", image.caption)
        graphic.set("credit", image.credit)
        if following is not None:
            following.addprevious(graphic)  # moves it from the end of the body
    return tuple(images)

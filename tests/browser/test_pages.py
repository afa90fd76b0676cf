"""A reader's path through a brand's site in headless Chromium: home, article, rail, search."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.helpers import (
    BRAND, DATE_LINE, PHONE, broken_images, expected_date_line, load_all_images, screenshot, story_id,
)
from wiredesk.brands.models import Brand
from wiredesk.stories.models import Article
from wiredesk.stories.selectors import articles_visible

pytestmark = pytest.mark.browser


def test_home_then_article_with_its_date_line_and_rail(site, page):
    response = page.goto("/")
    assert response.status == 200
    assert BRAND in page.title()
    nav = page.get_by_role("navigation", name="Sections")
    assert nav.get_by_role("link").all_inner_texts()[:5] == ["Home", "World", "Business", "Technology", "Sports"]
    headings = page.locator("section.front-block > h2").all_inner_texts()
    assert {"WORLD", "BUSINESS", "TECHNOLOGY", "SPORTS"} <= {h.strip().upper() for h in headings}
    for stamp in page.locator(".teaser time").all_inner_texts():
        assert DATE_LINE.match(stamp), stamp
    load_all_images(page)
    assert not broken_images(page)
    screenshot(page, "home-desktop")

    lead = page.locator(".teaser-lead h3 a").first
    title = lead.inner_text()
    lead.click()
    page.wait_for_url("**/story/**")
    article = Article.objects.select_related("source").get(id=story_id(page.url))
    assert page.locator("h1").inner_text() == title == article.title
    assert page.title() == f"{article.title} | {BRAND}"
    assert nav.get_by_role("link", name="Home").get_attribute("aria-current") is None

    # The date line: the original time in the brand's zone (Sydney), with its offset.
    date_line = page.locator(".date-line")
    text = date_line.inner_text().strip()
    assert DATE_LINE.match(text), text
    assert text == expected_date_line(article.published_at, site.tz)
    stamp = date_line.locator("time").get_attribute("datetime")
    assert dt.datetime.fromisoformat(stamp) == article.published_at

    # The rail: about a dozen teasers from the other sections, each cut with "...".
    items = page.locator("aside.rail li")
    assert items.count() == 12
    seen = set()
    for n in range(items.count()):
        item = items.nth(n)
        other = Article.objects.get(id=story_id(item.locator("a").get_attribute("href")))
        assert other.id != article.id and other.id not in seen
        assert other.section != article.section, (other.title, other.section)
        assert item.locator("a").inner_text() == other.title
        assert item.locator("p").inner_text().endswith("..."), item.locator("p").inner_text()
        seen.add(other.id)
    assert page.locator(".closing-credit").inner_text().startswith("(")
    load_all_images(page)
    assert not broken_images(page)
    screenshot(page, "article-desktop")


def test_phone_layout_has_no_sideways_scrolling(site, new_page):
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    # A story whose feed carries its photo both as an enclosure and in the text: shown once.
    article = next(
        a for a in Article.objects.filter(duplicate_of__isnull=True, excerpt_only=False).exclude(images=[])
        if a.images[0]["url"] in a.body_html
    )
    for path, name in (("/", "home-phone"), (f"/story/{article.id}-{article.slug}/", "article-phone")):
        assert page.goto(path).status == 200
        load_all_images(page)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width}px wide on a {PHONE['width']}px phone"
        shown = page.locator("main img").evaluate_all("els => els.map(e => e.getAttribute('src'))")
        assert len(shown) == len(set(shown)), f"an image is shown twice on {path}: {shown}"
        screenshot(page, name)


def test_search_from_the_header_box(site, page):
    # A story the brand's lists show (one report per story), found by the longest word of its
    # headline, as a reader would search for it.
    brand = Brand.objects.get(name=BRAND)
    target = articles_visible(brand=brand).first()
    assert target is not None
    word = max(re.findall(r"[A-Za-z]{5,}", target.title), key=len).lower()
    page.goto("/")
    box = page.get_by_role("searchbox", name="Search stories")
    box.fill(word)
    with page.expect_navigation() as navigation:
        box.press("Enter")
    response = navigation.value
    query = urlsplit(page.url)
    assert query.path == "/search/" and parse_qs(query.query)["q"] == [word]
    assert response.status == 200
    assert BRAND in page.title()
    assert page.get_by_role("searchbox", name="Search stories").input_value() == word
    links = page.locator("main a[href*='/story/']")
    assert target.id in {story_id(href) for href in links.evaluate_all("els => els.map(e => e.getAttribute('href'))")}

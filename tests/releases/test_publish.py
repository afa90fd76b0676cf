"""Publication: an approved release becomes an article of its brand through the wire path, so it
shows in sections, feeds, search and the daily email, labelled and credited to the organisation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.releases.helpers_moderation import *  # noqa: F401,F403  (the fixtures)
from tests.releases.helpers_moderation import (
    OTHER_HOST, add_image, article_path, feed_titles, get, json_feed_titles, make_submission, page,
    story_links, teaser_titles, wire_story,
)
from tests.web.factories import make_brand
from wiredesk.brands.models import BrandSource
from wiredesk.releases.models import Submission
from wiredesk.releases.services.publish import release_dateline, release_publish, releases_source
from wiredesk.sources.models import Source
from wiredesk.stories.models import Article
from wiredesk.text.leads import parse_lead
from tests.caches import clear_caches

Status = Submission.Status


def test_a_published_release_is_on_its_brand_site_and_nowhere_else(client, site, other_site, wire):
    wire_story(wire, "Ferry timetable changes for winter")
    submission = make_submission(site, headline="Night ride on the promenade this Friday")
    article = release_publish(submission=submission, now=timezone.now())

    submission.refresh_from_db()
    assert submission.status == Status.PUBLISHED and submission.article_id == article.id
    assert submission.published_at is not None

    doc = page(client, article_path(article))
    assert '<a class="release-label" href="/source/' in doc and ">News release</a>" in doc
    assert 'From <span class="release-org">Saltmarsh Cycling Club</span>' in doc
    assert "News release from Saltmarsh Cycling Club" in doc
    assert "Night ride on the promenade this Friday" in teaser_titles(page(client, "/section/local/"))
    assert "Night ride on the promenade this Friday" in teaser_titles(page(client, "/"))
    assert "Night ride on the promenade this Friday" in feed_titles(page(client, "/section/local/rss.xml"))
    assert "Night ride on the promenade this Friday" in json_feed_titles(page(client, "/section/local/feed.json"))
    assert "Night ride on the promenade this Friday" in teaser_titles(page(client, "/search/?q=promenade"))
    # The wire copy the brand carried before is still there beside it.
    assert "Ferry timetable changes for winter" in teaser_titles(page(client, "/"))

    # The other brand carries the same wire, but not this brand's releases.
    page(client, article_path(article), OTHER_HOST, status=404)
    assert "Night ride on the promenade this Friday" not in page(client, "/section/local/rss.xml", OTHER_HOST)
    assert teaser_titles(page(client, "/search/?q=promenade", OTHER_HOST)) == []
    assert "Ferry timetable changes for winter" in teaser_titles(page(client, "/", OTHER_HOST))


def test_the_releases_source_is_made_once_per_brand_never_polled_and_linked(site, other_site):
    first = release_publish(submission=make_submission(site), now=timezone.now())
    second = release_publish(submission=make_submission(site, category=Submission.Category.BUSINESS), now=timezone.now())
    elsewhere = release_publish(submission=make_submission(other_site), now=timezone.now())
    source = first.source
    assert second.source_id == source.id != elsewhere.source_id
    assert source.kind == Source.Kind.RELEASES and not source.enabled
    assert source.name == "Harbour Herald news releases" and source.credit == "News release"
    assert source.feed_url == f"wiredesk:releases:{site.id}" and source.licence == Source.Licence.FULL_TEXT
    assert BrandSource.objects.filter(brand=site, source=source).count() == 1
    assert not BrandSource.objects.filter(brand=other_site, source=source).exists()
    assert releases_source(brand=site).id == source.id


@pytest.mark.parametrize(
    ("category", "section"),
    [("business", "business"), ("appointment", "business"), ("sports", "sports"), ("community", "local"),
     ("event", "local"), ("other", "local")],
)
def test_the_section_comes_from_the_category(site, category, section):
    assert release_publish(submission=make_submission(site, category=category), now=timezone.now()).section == section


def test_a_brand_without_the_categorys_section_shows_it_in_one_it_has(wire):
    brand = make_brand("Sports Only", ["sport.test"], sources=[wire], sections=["sports", "world"])
    article = release_publish(submission=make_submission(brand, category="business"), now=timezone.now())
    assert article.section == "sports"


def test_the_dateline_is_placed_where_parse_lead_finds_it(client, site):
    article = release_publish(submission=make_submission(site, dateline_place="Port Ellis, Westmark"), now=timezone.now())
    assert article.lead_kind == "dateline" and article.dateline_place == "PORT ELLIS"
    assert article.body_html.startswith("<p>PORT ELLIS, Westmark: The Saltmarsh")
    assert "Night ride" not in article.lead_raw
    doc = page(client, "/place/port-ellis/")
    assert article.title in teaser_titles(doc)


@pytest.mark.parametrize(
    ("place", "expected"),
    [("Port Ellis", "PORT ELLIS:"), ("port ellis, westmark", "PORT ELLIS, WESTMARK:"),
     ("Port Ellis, Westmark", "PORT ELLIS, Westmark:"), ("St. Agnes Bay", "ST. AGNES BAY:"), ("", "")],
)
def test_dateline_forms(place, expected):
    assert release_dateline(place=place) == expected
    if expected:
        assert parse_lead(f"{expected} Text follows.")[0].kind == "dateline"


def test_a_body_that_already_opens_with_a_dateline_keeps_it(site):
    body = "NORTH BAY, Ontario: The club met on Tuesday.\n\nA second paragraph follows here."
    article = release_publish(submission=make_submission(site, body=body, dateline_place="Port Ellis"), now=timezone.now())
    assert article.dateline_place == "NORTH BAY" and "PORT ELLIS" not in article.body_html


def test_the_small_html_subset_is_kept_and_the_dateline_goes_into_its_first_paragraph(site):
    body = ('<p>The <strong>harbour</strong> ride starts at the <a href="https://saltmarsh-cycling.example/map">'
            "terminal</a>.</p><ul><li>Lights lent free</li><li>Helmets lent free</li></ul>")
    article = release_publish(submission=make_submission(site, body=body), now=timezone.now())
    assert article.body_html.startswith("<p>PORT ELLIS: The <strong>harbour</strong> ride")
    assert "<ul><li>Lights lent free</li>" in article.body_html


def test_plain_text_is_text_not_markup(client, site):
    body = "Tom & Jerry <3 the harbour, and 5 < 7 > 2.\n\nSecond line of the release about the club."
    article = release_publish(submission=make_submission(site, body=body, headline="Cats & dogs <3 the ride"), now=timezone.now())
    assert "Tom &amp; Jerry &lt;3 the harbour, and 5 &lt; 7 &gt; 2." in article.body_html
    assert article.title == "Cats & dogs <3 the ride"
    assert "<h1 id=\"headline\">Cats &amp; dogs &lt;3 the ride</h1>" in page(client, article_path(article))


def test_outbound_links_carry_sponsored_noopener(client, site):
    body = ('<p>Maps are on <a href="https://saltmarsh-cycling.example/map" rel="follow">the club site</a> and '
            '<a href="http://council.example/roads" target="_blank">the council site</a>.</p>')
    article = release_publish(submission=make_submission(site, body=body), now=timezone.now())
    links = story_links(page(client, article_path(article)))
    assert len(links) == 3  # two in the body and the website
    assert {a.get("rel") for a in links} == {"sponsored noopener"}
    assert all(a.get("target") is None for a in links)


def test_contact_details_only_when_the_submitter_asked(client, site):
    hidden = release_publish(submission=make_submission(site, contact_phone="+61 2 5550 4321"), now=timezone.now())
    shown = release_publish(submission=make_submission(site, contact_phone="+61 2 5550 8765", show_contact=True), now=timezone.now())
    hidden_doc = page(client, article_path(hidden))
    assert "5550 4321" not in hidden_doc and "Dana Whitlock" not in hidden_doc.split("Club secretary")[0]
    assert "@saltmarsh-cycling.example" not in hidden_doc and "Media contact" not in hidden_doc
    shown_doc = page(client, article_path(shown))
    assert "Media contact" in shown_doc and "+61 2 5550 8765" in shown_doc
    assert f'href="mailto:{shown.release.contact_email}"' in shown_doc


def test_without_an_organisation_the_name_is_credited_only_if_shown(site):
    quiet = release_publish(submission=make_submission(site, contact_organisation=""), now=timezone.now())
    open_ = release_publish(submission=make_submission(site, contact_organisation="", show_contact=True), now=timezone.now())
    assert quiet.author == "" and open_.author == "Dana Whitlock"
    assert "About the organisation" in quiet.body_html


def test_images_keep_caption_credit_and_an_absolute_path(client, site, release_media):
    submission = make_submission(site)
    first = add_image(submission, caption="Riders at the lighthouse", credit="Photo: Saltmarsh CC")
    second = add_image(submission, caption="The terminal at dusk", credit="Club photo", position=1)
    article = release_publish(submission=submission, now=timezone.now())
    name = first.file.name.rsplit("/", 1)[1]
    assert article.images[0] == {"url": f"/media/releases/{name}", "caption": "Riders at the lighthouse",
                                 "credit": "Photo: Saltmarsh CC", "alt": ""}
    assert article.images[1]["url"] == f"/media/releases/{second.file.name.rsplit('/', 1)[1]}"
    doc = page(client, article_path(article))
    assert f'<figure class="lead-image"><img src="/media/releases/{name}" alt="Riders at the lighthouse">' in doc
    assert "The terminal at dusk <small>Club photo</small>" in doc


def test_publishing_again_updates_the_same_article(client, site):
    submission = make_submission(site)
    article = release_publish(submission=submission, now=timezone.now() - dt.timedelta(hours=1))
    first_published = article.published_at
    Submission.objects.filter(pk=submission.pk).update(headline="Night ride moved to Saturday")
    submission.refresh_from_db()
    again = release_publish(submission=submission, now=timezone.now())
    assert again.id == article.id and again.revision == 2
    assert again.title == "Night ride moved to Saturday" and again.published_at == first_published
    assert Article.objects.filter(source=article.source).count() == 1
    assert "Night ride moved to Saturday" in teaser_titles(page(client, "/search/?q=saturday"))


def test_a_release_with_wire_identical_text_is_not_hidden_as_a_duplicate(client, site, wire):
    from wiredesk.releases.services.publish import release_preview

    submission = make_submission(site, headline="Same words as the wire")
    twin = release_preview(submission=submission, now=timezone.now())
    wire_copy = wire_story(wire, twin.title, body=twin.body_html)
    assert wire_copy.fingerprint == twin.fingerprint
    article = release_publish(submission=submission, now=timezone.now())
    assert article.duplicate_of_id is None
    assert get(client, article_path(article)).status_code == 200


def test_it_is_in_the_daily_email(site):
    from wiredesk.digest.render import preview_parts

    article = release_publish(submission=make_submission(site, headline="Night ride on the promenade"), now=timezone.now())
    parts = preview_parts(site, timezone.now() + dt.timedelta(minutes=1))
    assert parts is not None and "Night ride on the promenade" in parts.text
    assert f"/story/{article.id}-" in parts.html


def test_a_release_page_costs_the_same_queries_as_a_wire_page(client, settings, site, wire):
    settings.PAGE_CACHE = {**settings.PAGE_CACHE, "enabled": False}
    story = wire_story(wire, "Ferry timetable changes for winter", section="local")
    release = release_publish(submission=make_submission(site), now=timezone.now())
    counts = []
    for article in (story, release):
        from django.core.cache import cache

        clear_caches()
        with CaptureQueriesContext(connection) as captured:
            assert get(client, article_path(article)).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_a_brand_that_lists_no_sources_keeps_its_wire_copy_after_a_release(client, wire):
    brand = make_brand("All Wires", ["all.test"])
    make_brand("Other All Wires", ["all2.test"])
    wire_story(wire, "Ferry timetable changes for winter")
    release = release_publish(submission=make_submission(brand), now=timezone.now())
    assert "Ferry timetable changes for winter" in teaser_titles(page(client, "/", "all.test"))
    assert get(client, article_path(release), "all2.test").status_code == 404


def test_a_wire_story_arriving_after_a_release_with_the_same_text_is_not_its_duplicate(site, wire):
    # The release is shown on one brand only: were it the original, the wire copy would be
    # hidden as its duplicate on every other brand.
    from wiredesk.stories.selectors import candidate_same_content

    article = release_publish(submission=make_submission(site, headline="Same words as the wire later"), now=timezone.now())
    assert candidate_same_content(source_id=wire.id, fingerprint=article.fingerprint) is None

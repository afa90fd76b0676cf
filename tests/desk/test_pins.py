"""Pins: an editor's pick leads its section's list, its block on the front page and the rail
of the brand it is pinned on, until it expires; picked for the email, it leads its section in
the next daily edition. The admin shows what that edition would send."""

from __future__ import annotations

import datetime as dt
import re

import lxml.html
import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.caches import clear_caches
from tests.web.factories import get, make_brand, make_source, store
from wiredesk.desk.admin import PinForm
from wiredesk.digest.content import select_stories
from wiredesk.stories.models import Article, Pin

HOST = "pins.test"
ARTICLE_ID = re.compile(r"/story/(\d+)-")


def teaser_ids(html: str, where: str = "//main//h3/a") -> list[int]:
    root = lxml.html.fromstring(html)
    return [int(m[1]) for m in (ARTICLE_ID.search(a.get("href", "")) for a in root.xpath(where)) if m]


@pytest.fixture
def desk(db):
    clear_caches()
    now = timezone.now()  # per test: a module-level time would age while the suite runs
    wire = make_source("Pin Wire")
    brand = make_brand("Pin Post", [HOST], sections=["world", "business"])
    world = [store(wire, f"World story number {i} about the harbour", section="world",
                   published=now - dt.timedelta(hours=i + 1)) for i in range(25)]
    business = [store(wire, f"Business story number {i} about the market", section="business",
                      published=now - dt.timedelta(hours=i + 1)) for i in range(5)]
    old = store(wire, "An older world story the editor wants on top", section="world",
                published=now - dt.timedelta(days=3))
    yield {"brand": brand, "world": world, "business": business, "old": old, "wire": wire}
    clear_caches()


def pin(desk, article, section="world", hours=2, in_email=True):
    clear_caches()
    return Pin.objects.create(brand=desk["brand"], article=article, section=section, in_email=in_email,
                              until=timezone.now() + dt.timedelta(hours=hours), by="editor")


@pytest.mark.django_db
def test_a_pin_leads_its_list_its_front_block_and_the_rail(client, desk):
    old = desk["old"]
    assert old.id not in teaser_ids(get(client, "/section/world/", HOST).content.decode())
    pin(desk, old)
    page1 = teaser_ids(get(client, "/section/world/", HOST).content.decode())
    page2 = teaser_ids(get(client, "/section/world/?page=2", HOST).content.decode())
    assert page1[0] == old.id
    listed = page1 + page2
    assert sorted(listed) == sorted([old.id, *(a.id for a in desk["world"])])  # each once, none lost
    home = get(client, "/", HOST).content.decode()
    first = lxml.html.fromstring(home).xpath("//main//a[contains(@href,'/story/')]/@href")[0]
    assert ARTICLE_ID.search(first)[1] == str(old.id)  # the world block (the brand's first) leads with it
    other = desk["business"][0]
    rail = teaser_ids(get(client, f"/story/{other.id}-{other.slug}/", HOST).content.decode(), "//aside[@class='rail']//a")
    assert rail[0] == old.id
    # Its own page's rail does not offer it again.
    own = teaser_ids(get(client, f"/story/{old.id}-{old.slug}/", HOST).content.decode(), "//aside[@class='rail']//a")
    assert old.id not in own


@pytest.mark.django_db
def test_an_expired_pin_and_a_killed_article_lead_nothing(client, desk):
    from wiredesk.desk.services.kills import article_kill

    gone = pin(desk, desk["old"], hours=1)
    Pin.objects.filter(id=gone.id).update(until=timezone.now() - dt.timedelta(minutes=1))
    clear_caches()
    assert teaser_ids(get(client, "/section/world/", HOST).content.decode())[0] == desk["world"][0].id
    killed = desk["world"][5]
    pin(desk, killed)
    article_kill(article=killed, reason="legal", by="e")
    clear_caches()
    assert killed.id not in teaser_ids(get(client, "/section/world/", HOST).content.decode())


@pytest.mark.django_db
def test_picks_lead_the_next_edition_and_the_admin_shows_it(admin_client, desk):
    old = desk["old"]
    now = timezone.now()
    before = select_stories(desk["brand"], since=now - dt.timedelta(days=1), cutoff=now, per_section=3)
    assert old.id not in before["world"]
    pin(desk, old)
    pin(desk, desk["business"][4], section="business", in_email=False)  # pinned on the site only
    after = select_stories(desk["brand"], since=now - dt.timedelta(days=1), cutoff=now, per_section=3)
    assert after["world"][0] == old.id and len(after["world"]) == 3
    assert desk["business"][4].id not in after["business"][:1]
    page = admin_client.get(f"/admin/digest/edition/next/{desk['brand'].id}/", HTTP_HOST=HOST)
    assert page.status_code == 200
    text = page.content.decode()
    assert old.title in text
    assert "editor&#x27;s pick" in text or "editor\u2019s pick" in text or "editor's pick" in text
    email = admin_client.get(f"/admin/digest/edition/next/{desk['brand'].id}/email/", HTTP_HOST=HOST)
    assert email.status_code == 200 and old.title in email.content.decode()
    assert "default-src 'none'" in email["Content-Security-Policy"]
    assert admin_client.get("/admin/digest/edition/next/", HTTP_HOST=HOST).status_code == 200
    assert admin_client.get("/admin/digest/edition/next/987654/", HTTP_HOST=HOST).status_code == 404


@pytest.mark.django_db
def test_the_pin_form_refuses_what_cannot_lead(desk):
    other = make_brand("Market Mail", ["market.test"], sections=["business"])
    future = timezone.now() + dt.timedelta(hours=3)
    cases = [
        ({"article": desk["old"].id, "brand": other.id, "section": "business", "until": future}, "article"),
        ({"article": desk["business"][0].id, "brand": other.id, "section": "world", "until": future}, "section"),
        ({"article": desk["old"].id, "brand": desk["brand"].id, "section": "world",
          "until": timezone.now() - dt.timedelta(hours=1)}, "until"),
    ]
    for data, field in cases:
        form = PinForm(data={**data, "in_email": True})
        assert not form.is_valid() and field in form.errors, (data, form.errors)
    ok = PinForm(data={"article": desk["old"].id, "brand": desk["brand"].id, "section": "world", "until": future})
    assert ok.is_valid(), ok.errors


@pytest.mark.django_db
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(0, 25), max_size=4, unique=True))
def test_pinned_lists_keep_every_story_exactly_once_across_pages(client, desk, chosen):
    Pin.objects.all().delete()
    articles = [*desk["world"], desk["old"]]
    for n in chosen:
        pin(desk, articles[n])
    clear_caches()
    listed, number = [], 1
    while True:
        response = get(client, f"/section/world/?page={number}", HOST)
        if response.status_code == 404:
            assert number > 1, response.content[:300]
            break
        listed += teaser_ids(response.content.decode())
        number += 1
    assert sorted(listed) == sorted(a.id for a in articles)
    latest_first = [articles[n].id for n in reversed(chosen)]
    assert listed[: len(chosen)] == latest_first


@pytest.mark.django_db
def test_a_pick_leads_one_edition_not_every_day_while_the_pin_lasts(desk):
    from wiredesk.digest.services import editions

    brand = desk["brand"]
    pin(desk, desk["old"], hours=24 * 7)
    first, created = editions.edition_open(brand=brand, date=timezone.localdate(), now=timezone.now())
    assert created and first.stories["world"][0] == desk["old"].id
    later = timezone.now() + dt.timedelta(days=1)
    chosen = select_stories(brand, since=first.cutoff, cutoff=later, per_section=3)
    assert desk["old"].id not in [i for ids in chosen.values() for i in ids]


@pytest.mark.django_db
def test_two_pinned_members_of_one_story_lead_once(client, desk):
    from wiredesk.stories.models import Story

    a, b = desk["world"][3], desk["world"][4]
    story = Story.objects.create(first_seen_at=timezone.now(), last_updated_at=timezone.now(), size=2, lead=a)
    Article.objects.filter(id__in=[a.id, b.id]).update(story=story)
    pin(desk, a)
    pin(desk, b)
    listed = teaser_ids(get(client, "/section/world/", HOST).content.decode())
    assert listed[0] == b.id and a.id not in listed  # the latest pin's member, once


@pytest.mark.django_db
def test_a_pin_must_name_a_section_the_article_is_in(desk):
    future = timezone.now() + dt.timedelta(hours=3)
    form = PinForm(data={"article": desk["old"].id, "brand": desk["brand"].id, "section": "business", "until": future})
    assert not form.is_valid() and "section" in form.errors


@pytest.mark.django_db
def test_the_next_edition_page_gives_the_brands_own_hour(admin_client, desk):
    brand = desk["brand"]
    brand.time_zone, brand.digest_hour = "Australia/Sydney", 7
    brand.save()
    page = admin_client.get(f"/admin/digest/edition/next/{brand.id}/", HTTP_HOST=HOST).content.decode()
    assert re.search(r"opens at \d{1,2} \w+ \d{4}, 07:00 \(Australia/Sydney\)", page), page[:2000]

"""Editors in charge: the Story admin lists stories and their members, splits an article out
and merges two stories, through the real admin views, under the admin's strict CSP."""

from __future__ import annotations

import datetime as dt

import lxml.html
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.releases.test_admin_csp import assert_strict, inline_code
from tests.web.factories import make_source, store
from wiredesk.stories.models import Article, Story

pytestmark = pytest.mark.django_db

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 11, 19, 8, 0, tzinfo=UTC)


@pytest.fixture
def stories():
    wires = [make_source(n, credit=f"{n}.example") for n in ("Harbour Wire", "Lake Wire", "Valley Wire")]
    a = store(wires[0], "Ferry berth opens at the estuary", published=T0, body="<p>" + "word " * 80 + "</p>")
    b = store(wires[1], "Estuary gets a ferry berth", published=T0 + dt.timedelta(hours=1))
    c = store(wires[2], "Berth for the estuary ferry", published=T0 + dt.timedelta(hours=2))
    d = store(wires[2], "Regatta on the lake", published=T0 + dt.timedelta(hours=3))
    one = Story.objects.create(first_seen_at=T0, last_updated_at=c.published_at, size=3, lead=a)
    two = Story.objects.create(first_seen_at=d.published_at, last_updated_at=d.published_at, size=1, lead=d)
    Article.objects.filter(id__in=[a.id, b.id, c.id]).update(story=one)
    Article.objects.filter(id=d.id).update(story=two)
    return one, two, (a, b, c, d)


def page(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    assert_strict(response, path)
    html = response.content.decode()
    assert not inline_code(html), path
    return lxml.html.fromstring(html)


def test_the_story_list_and_a_storys_members(staff, stories):
    one, two, (a, b, c, d) = stories
    listing = page(staff, reverse("admin:stories_story_changelist"))
    rows = listing.xpath("//table[@id='result_list']/tbody/tr")
    assert len(rows) == 2
    text = " ".join(rows[1].itertext()) if str(one.id) in " ".join(rows[1].itertext()) else " ".join(rows[0].itertext())
    assert "Ferry berth opens at the estuary" in text and "3" in text  # the lead's title and size

    change = page(staff, reverse("admin:stories_story_change", args=[one.id]))
    members = change.xpath("//div[contains(@class, 'inline-group')]//tbody/tr[contains(@class, 'form-row')]")
    assert len(members) == 3
    cells = [" ".join(m.itertext()) for m in members]
    for article, cell in zip((a, b, c), cells):  # oldest first, with source and time
        assert article.title in cell and article.source.name in cell
    # Read-only: no inputs for the members, no add or delete.
    assert not change.xpath("//div[contains(@class, 'inline-group')]//input[@type='text' or @type='checkbox']")
    split_links = change.xpath("//a[text()='Split out']/@href")
    assert split_links == [reverse("admin:stories_story_split", args=[one.id, x.id]) for x in (a, b, c)]


def test_split_through_the_admin(staff, stories):
    one, _, (a, b, c, _d) = stories
    url = reverse("admin:stories_story_split", args=[one.id, c.id])
    confirm = page(staff, url)
    assert confirm.xpath("//form[@method='post']//input[@type='submit']")
    assert Article.objects.get(id=c.id).story_id == one.id  # a GET changes nothing
    response = staff.post(url)
    assert response.status_code == 302
    c.refresh_from_db()
    one.refresh_from_db()
    new = Story.objects.get(id=c.story_id)
    assert new.id != one.id and c.story_pinned and new.size == 1
    assert one.size == 2 and new.apart == [one.id] and one.apart == [new.id]
    assert response["Location"] == reverse("admin:stories_story_change", args=[one.id])
    # An article of another story, or no such story: 404.
    assert staff.get(reverse("admin:stories_story_split", args=[one.id, c.id])).status_code == 404
    assert staff.post(reverse("admin:stories_story_split", args=[987654, a.id])).status_code == 404


def test_split_needs_the_change_permission(client, django_user_model, stories):
    one, _, (a, *_rest) = stories
    viewer = django_user_model.objects.create_user("viewer", "", "a-long-test-password", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_story"))
    client.force_login(viewer)
    assert client.post(reverse("admin:stories_story_split", args=[one.id, a.id])).status_code == 403
    assert Article.objects.get(id=a.id).story_id == one.id


def test_merge_through_the_admin_action(staff, stories):
    one, two, (a, b, c, d) = stories
    response = staff.post(reverse("admin:stories_story_changelist"),
                          {"action": "merge_stories", "_selected_action": [one.id, two.id]})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:stories_story_change", args=[one.id])  # the larger keeps its id
    two.refresh_from_db()
    one.refresh_from_db()
    assert two.merged_into_id == one.id and two.size == 0 and one.size == 4
    assert set(Article.objects.filter(story=one).values_list("id", flat=True)) == {a.id, b.id, c.id, d.id}
    assert all(Article.objects.filter(story=one).values_list("story_pinned", flat=True))


def test_merge_of_other_than_two_stories_is_refused_with_a_message(staff, stories):
    one, _, _ = stories
    response = staff.post(reverse("admin:stories_story_changelist"),
                          {"action": "merge_stories", "_selected_action": [one.id]}, follow=True)
    assert "Select exactly two stories to merge." in response.content.decode()
    assert not Story.objects.filter(merged_into__isnull=False).exists()


def test_an_editor_merges_stories_kept_apart_after_a_split(staff, stories):
    one, _, (_a, _b, c, _d) = stories
    staff.post(reverse("admin:stories_story_split", args=[one.id, c.id]))
    new = Article.objects.get(id=c.id).story
    staff.post(reverse("admin:stories_story_changelist"), {"action": "merge_stories", "_selected_action": [one.id, new.id]})
    one.refresh_from_db()
    assert one.apart == [] and Article.objects.get(id=c.id).story_id == one.id


def test_split_action_on_the_article_list(staff, stories):
    one, _, (a, b, _c, _d) = stories
    response = staff.post(reverse("admin:stories_article_changelist"),
                          {"action": "split_out_of_story", "_selected_action": [a.id, b.id]})
    assert response.status_code == 302
    a.refresh_from_db()
    b.refresh_from_db()
    assert len({a.story_id, b.story_id, one.id}) == 3 and a.story_pinned and b.story_pinned
    assert Story.objects.get(id=one.id).size == 1

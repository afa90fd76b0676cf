"""Roles, tested both ways: an editor of one brand may kill, correct and pin that brand's copies
and no other's; a release moderator may moderate and nothing else; an admin may do everything.
The groups come from a migration."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from tests.web.factories import make_brand, make_source, store
from wiredesk.stories.models import Article, Pin

PASSWORD = "a-long-test-password"


@pytest.fixture
def desk(db, django_user_model):
    wire = make_source("Role Wire")
    world, business = make_brand("World Watch", ["world.test"], sections=["world"]), \
        make_brand("Market Mail", ["market.test"], sections=["business"])
    ours = store(wire, "Ferry timetable changes for the winter season", section="world")
    theirs = store(wire, "Grain prices rise at the harbour exchange", section="business")

    def user(name, group=None, brand=None, **extra):
        u = django_user_model.objects.create_user(name, "", PASSWORD, is_staff=True, **extra)
        if group:
            u.groups.add(Group.objects.get(name=group))
        if brand:
            brand.editors.add(u)
        return u

    return {"world": world, "business": business, "ours": ours, "theirs": theirs, "user": user}


@pytest.mark.django_db
def test_the_roles_exist_with_their_permissions():
    editors = {p.codename for p in Group.objects.get(name="Editors").permissions.all()}
    moderators = {p.codename for p in Group.objects.get(name="Release moderators").permissions.all()}
    assert {"change_article", "add_pin", "view_takedown", "view_revision", "view_source", "view_sourcealert"} <= editors
    assert "change_submission" not in editors and "delete_article" not in editors
    assert moderators == {"view_submission", "change_submission", "view_auditentry", "view_brand"}


@pytest.mark.django_db
def test_an_editor_acts_on_their_brands_copies_only(client, desk):
    editor = desk["user"]("wendy", "Editors", desk["world"])
    client.force_login(editor)
    ours, theirs = desk["ours"], desk["theirs"]
    # Refused on the other brand's copy: kill, correct, undo.
    assert client.post(f"/admin/stories/takedown/kill/{theirs.id}/", {"reason": "x"}).status_code == 403
    assert client.get(f"/admin/stories/revision/correct/{theirs.id}/").status_code == 403
    assert client.post(f"/admin/stories/revision/accept/{theirs.id}/").status_code == 403
    assert Article.objects.get(id=theirs.id).withdrawn_at is None
    # Source health and its alerts: every editor reads them.
    assert client.get("/admin/sources/source/health/").status_code == 200
    assert client.get("/admin/sources/sourcealert/").status_code == 200
    # Allowed on their own.
    assert client.post(f"/admin/stories/takedown/kill/{ours.id}/", {"reason": "legal"}).status_code == 302
    assert Article.objects.get(id=ours.id).withdrawn_at is not None
    assert client.post(f"/admin/stories/takedown/unkill/{ours.id}/", {"reason": ""}).status_code == 302
    assert client.get(f"/admin/stories/revision/correct/{ours.id}/").status_code == 200
    # The article form itself: the other brand's copy cannot be changed (here: moved into ours).
    assert client.post(f"/admin/stories/article/{theirs.id}/change/",
                       {"slug": theirs.slug, "section": "world", "author": ""}).status_code == 403
    assert Article.objects.get(id=theirs.id).section == "business"
    # A kill that would take another brand's copy of the same text is refused as a whole.
    twin = store(make_source("Twin Wire"), "Ferry timetable copy", section="business")
    Article.objects.filter(id=twin.id).update(duplicate_of=ours)
    assert client.post(f"/admin/stories/takedown/kill/{ours.id}/", {"reason": "x"}).status_code == 403
    assert Article.objects.get(id=ours.id).withdrawn_at is None
    # Pins: on their brand only, and they see only their brand's pins.
    until = (timezone.now() + dt.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S")
    refused = client.post("/admin/stories/pin/add/", {"article": theirs.id, "brand": desk["business"].id,
                                                      "section": "business", "until_0": until[:10],
                                                      "until_1": until[11:], "in_email": "on"})
    assert refused.status_code == 200 and not Pin.objects.exists()
    assert "You edit other brands only." in refused.content.decode()
    Pin.objects.create(brand=desk["business"], article=theirs, section="business",
                       until=timezone.now() + dt.timedelta(hours=1))
    assert "Grain prices" not in client.get("/admin/stories/pin/").content.decode()


@pytest.mark.django_db
def test_a_release_moderator_moderates_and_nothing_else(client, desk):
    client.force_login(desk["user"]("mo", "Release moderators"))
    assert client.post(f"/admin/stories/takedown/kill/{desk['ours'].id}/", {"reason": "x"}).status_code == 403
    assert client.get(f"/admin/stories/revision/correct/{desk['ours'].id}/").status_code == 403
    assert client.get("/admin/stories/pin/add/").status_code == 403
    assert client.post(f"/admin/stories/revision/accept/{desk['ours'].id}/").status_code == 403
    assert client.get("/admin/sources/source/health/").status_code == 403
    assert client.get("/admin/releases/submission/").status_code == 200


@pytest.mark.django_db
def test_an_admin_does_everything(client, desk):
    client.force_login(desk["user"]("root", is_superuser=True))
    assert client.post(f"/admin/stories/takedown/kill/{desk['theirs'].id}/", {"reason": "x"}).status_code == 302
    assert client.get(f"/admin/stories/revision/correct/{desk['ours'].id}/").status_code == 200


@pytest.mark.django_db
def test_an_editor_on_no_brand_can_act_on_nothing(client, desk):
    client.force_login(desk["user"]("newcomer", "Editors"))
    assert client.post(f"/admin/stories/takedown/kill/{desk['ours'].id}/", {"reason": "x"}).status_code == 403
    assert Article.objects.get(id=desk["ours"].id).withdrawn_at is None

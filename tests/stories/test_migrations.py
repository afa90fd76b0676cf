"""Stored stories survive the schema changes: the place-slug migration fills what exists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("stories", "0001_initial")
AFTER = ("stories", "0002_place_slug_and_recent_indexes")


def _with_stories_at(node):
    """Every app at its latest migration but stories, which is at ``node``."""
    return [leaf for leaf in _latest() if leaf[0] != "stories"] + [node]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def test_place_slugs_are_filled_for_stories_stored_before():
    old_apps = _migrate(_with_stories_at(BEFORE))
    try:
        Source = old_apps.get_model("sources", "Source")
        Article = old_apps.get_model("stories", "Article")
        source = Source.objects.create(name="Old Wire", credit="Old Wire", feed_url="https://old.example/feed")
        when = dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc)
        places = ["ST. AGNES BAY", "", "Port Ellis", "ST. AGNES BAY"]
        for i, place in enumerate(places):
            Article.objects.create(
                source=source, guid=f"g{i}", guid_key=f"{i:064d}", slug=f"s-{i}", title=f"Story {i}",
                body_html="<p>Text.</p>", published_at=when, dateline_place=place, section="world",
                fingerprint=f"{i:064d}", raw_hash=f"{i:064d}",
            )
        new_apps = _migrate(_with_stories_at(AFTER))
        Article = new_apps.get_model("stories", "Article")
        slugs = dict(Article.objects.values_list("guid", "place_slug"))
        assert slugs == {"g0": "st-agnes-bay", "g1": "", "g2": "port-ellis", "g3": "st-agnes-bay"}
        assert Article.objects.count() == len(places)  # nothing stored was lost
    finally:
        _migrate(_latest())


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def test_place_slugs_are_transliterated_for_stories_stored_before():
    # Slugs written by 0002 dropped the letters Unicode does not decompose ("ØSTBY" was
    # "stby"): 0003 writes them again, so the place and local pages find those stories.
    old_apps = _migrate(_with_stories_at(AFTER))
    try:
        Source = old_apps.get_model("sources", "Source")
        Article = old_apps.get_model("stories", "Article")
        source = Source.objects.create(name="Old Wire", credit="Old Wire", feed_url="https://old.example/feed")
        when = dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc)
        places = {"g0": ("ØSTBY", "stby"), "g1": ("ŁOWICZ", "owicz"), "g2": ("SÃO AMARO", "sao-amaro"), "g3": ("", "")}
        for i, (guid, (place, slug)) in enumerate(places.items()):
            Article.objects.create(
                source=source, guid=guid, guid_key=f"{i:064d}", slug=f"s-{i}", title=f"Story {i}",
                body_html="<p>Text.</p>", published_at=when, dateline_place=place, place_slug=slug, section="world",
                fingerprint=f"{i:064d}", raw_hash=f"{i:064d}",
            )
        new_apps = _migrate(_with_stories_at(("stories", "0003_place_slugs_transliterated")))
        Article = new_apps.get_model("stories", "Article")
        assert dict(Article.objects.values_list("guid", "place_slug")) == {
            "g0": "ostby", "g1": "lowicz", "g2": "sao-amaro", "g3": ""}
    finally:
        _migrate(_latest())

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
    """Every app at its latest migration but stories, which is at ``node``, and the apps whose
    latest migrations need a later stories migration, which go back to their last one that
    does not (brands' roles need the desk's models)."""
    graph = MigrationExecutor(connection).loader.graph
    later = {n for n in graph.leaf_nodes() if n[0] == "stories" for n in graph.forwards_plan(n)
             if n[0] == "stories"} - set(graph.forwards_plan(node))
    targets = []
    for leaf in _latest():
        if leaf[0] == "stories":
            continue
        if not any(n in later for n in graph.forwards_plan(leaf)):
            targets.append(leaf)
            continue
        # The app's latest migration that needs no later stories migration (or none at all).
        fitting = [n for n in graph.nodes if n[0] == leaf[0] and not any(m in later for m in graph.forwards_plan(n))]
        targets.append(max(fitting, key=lambda n: len(graph.forwards_plan(n))) if fitting else (leaf[0], None))
    return targets + [node]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


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


def test_refused_characters_leave_stories_stored_before():
    """0003: a control character stored before ingest removed them made the feeds answer 500."""
    old_apps = _migrate(_with_stories_at(AFTER))
    try:
        Source = old_apps.get_model("sources", "Source")
        Article = old_apps.get_model("stories", "Article")
        source = Source.objects.create(name="Old Wire", credit="Old Wire", feed_url="https://old.example/feed")
        when = dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc)
        rows = {
            "dirty": dict(title="Ferry\x01 berth approved\x0c", author="Mara\x02 Quill",
                          body_html="<p>Work\x1f starts\x85 soon.\ufffe</p>", credit_tag="Ledger\x7f",
                          images=[{"url": "https://img.example/a.png", "caption": "The quay\x07", "credit": ""}]),
            "clean": dict(title="Caf\u00e9 on the quay \U0001f4f0", body_html="<p>Tab\there.</p>",
                          images=[{"url": "https://img.example/b.png", "caption": "Caf\u00e9", "credit": ""}]),
        }
        for i, (guid, fields) in enumerate(rows.items()):
            Article.objects.create(
                source=source, guid=guid, guid_key=f"{i:064d}", slug=f"s-{i}", published_at=when, section="world",
                fingerprint=f"{i:064d}", raw_hash=f"{i:064d}", **fields,
            )
        new_apps = _migrate(_with_stories_at(("stories", "0003_remove_refused_characters")))
        Article = new_apps.get_model("stories", "Article")
        dirty, clean = Article.objects.get(guid="dirty"), Article.objects.get(guid="clean")
        assert (dirty.title, dirty.author, dirty.credit_tag) == ("Ferry berth approved ", "Mara Quill", "Ledger")
        assert dirty.body_html == "<p>Work  starts  soon.</p>"  # U+001F and U+0085 are whitespace
        assert dirty.images == [{"url": "https://img.example/a.png", "caption": "The quay", "credit": ""}]
        assert (clean.title, clean.body_html, clean.images) == (
            rows["clean"]["title"], rows["clean"]["body_html"], rows["clean"]["images"])
    finally:
        _migrate(_latest())


def test_place_slugs_are_transliterated_for_stories_stored_before():
    # Slugs written before dropped the letters Unicode does not decompose ("ØSTBY" was
    # "stby"): 0004 writes them again, so the place and local pages find those stories.
    old_apps = _migrate(_with_stories_at(("stories", "0003_remove_refused_characters")))
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
        new_apps = _migrate(_with_stories_at(("stories", "0004_place_slugs_transliterated")))
        Article = new_apps.get_model("stories", "Article")
        assert dict(Article.objects.values_list("guid", "place_slug")) == {
            "g0": "ostby", "g1": "lowicz", "g2": "sao-amaro", "g3": ""}
        assert Article.objects.count() == len(places)  # nothing stored was lost
    finally:
        _migrate(_latest())

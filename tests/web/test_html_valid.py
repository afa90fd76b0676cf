"""Every reader page type is valid HTML by the Nu HTML Checker (vnu.jar), with no errors.

The pages carry real wire copy: the demo wires are ingested through `source_refresh`, so
figures, captions, READ MORE lines, excerpt-only stories and datelines are all rendered.
`make test` installs the checker (npm package vnu-jar, package.json); Java 17 runs it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils.text import slugify

from wiredesk.brands.models import Brand
from wiredesk.core.http import GuardedClient
from wiredesk.demo.server import DemoWireServer
from wiredesk.demo.services import demo_load
from wiredesk.ingest.services import source_refresh
from wiredesk.sources.models import Source
from wiredesk.stories.models import Article, Story
from wiredesk.stories.selectors import articles_visible
from wiredesk.web.views import fronts
from tests.caches import clear_caches

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
HOST = "testserver"


@pytest.fixture
def brand():
    clear_caches()  # pages and the host map are cached per process; row ids repeat across tests
    with DemoWireServer(port=0, interval=3600, initial=12) as wires:
        demo_load(wires_url=wires.url(""))
        client = GuardedClient(allow_networks=("127.0.0.1/32",), deadline=10, connect_timeout=2)
        for source in Source.objects.order_by("id"):
            report = source_refresh(source_id=source.id, client=client)
            assert report.status == "ok" and report.new, report.as_dict()
    brand = Brand.objects.get(name="Harbour Telegraph")
    brand.hosts = [*brand.hosts, HOST]
    brand.save()
    clear_caches()
    yield brand
    clear_caches()


def _pages(brand) -> list[tuple[str, str, int]]:
    """(name, path, expected status) for every page type, with their variants."""
    visible = Article.objects.filter(duplicate_of__isnull=True).select_related("source").order_by("-published_at")
    pages = [
        ("home", "/", 200),
        ("section", "/section/world/", 200),
        ("section-page-2", "/section/business/?page=2", 200),
        ("source", f"/source/{Source.objects.order_by('id').first().id}/", 200),
        ("newsletter", "/newsletter/", 200),
        ("newsletter-email", "/newsletter/?email=reader%40example.com", 200),
        ("releases", "/releases/submit/", 200),
        ("search", "/search/?q=harbour", 200),
        ("search-filtered", "/search/?q=ferry&section=world&order=newest", 200),
        ("search-empty", "/search/", 200),
        ("search-no-hits", "/search/?q=zzyzxqv", 200),
        ("not-found", "/no-such-page/", 404),
        ("story-not-found", "/story/999999-no-such-story/", 404),
    ]
    placed = visible.exclude(dateline_place="").first()
    pages.append(("place", f"/place/{slugify(placed.dateline_place)}/", 200))
    # The day of an article the brand's lists show: a story's other copies are not listed, and
    # one published either side of the brand's midnight from the listed one names an empty day.
    day = articles_visible(brand=brand).order_by("-published_at").first().published_at.astimezone(brand.tz)
    pages.append(("archive", f"/archive/{day.year}/{day.month}/{day.day}/", 200))
    pages.append(("archive-month", f"/archive/{day.year}/{day.month}/", 200))
    pages.append(("archive-index", "/archive/", 200))
    pages.append(("section-local", "/section/local/", 200))
    # One event told by two wires: the article page's "Also reported by" and the story page.
    first, second = visible[0], visible.exclude(source_id=visible[0].source_id)[0]
    story = Story.objects.create(first_seen_at=second.published_at, last_updated_at=first.published_at, size=2)
    Article.objects.filter(id__in=[first.id, second.id]).update(story=story)
    pages.append(("story", f"/coverage/{story.id}/", 200))
    pages.append(("article-also-reported", f"/story/{second.id}-{second.slug}/", 200))
    # One story of each wire: full text with a lead image, a figure in the text, excerpt-only.
    for source in Source.objects.order_by("id"):
        story = visible.filter(source=source).exclude(images=[]).first() or visible.filter(source=source).first()
        pages.append((f"article-{slugify(source.name)}", f"/story/{story.id}-{story.slug}/", 200))
    return pages


def _render(client, tmp_path, pages) -> list[Path]:
    files = []
    for name, path, status in pages:
        response = client.get(path, HTTP_HOST=HOST)
        assert response.status_code == status, (name, path, response.status_code)
        assert response["Content-Type"].startswith("text/html"), (name, response["Content-Type"])
        file = tmp_path / f"{name}.html"
        file.write_bytes(response.content)
        files.append(file)
    return files


def _vnu_errors(files: list[Path]) -> list[str]:
    """Run the Nu HTML Checker once over all files (it takes a few seconds to start)."""
    assert shutil.which("java"), "java is not on PATH: the Nu HTML Checker needs Java 17 (Debian: openjdk-17-jre-headless)"
    assert VNU.exists(), f"{VNU} is missing: `make test` installs it (npm ci from package.json)"
    run = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True, text=True, timeout=120,
    )
    try:
        messages = json.loads(run.stderr or run.stdout)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"vnu.jar gave no JSON report (exit {run.returncode}): {run.stderr[:2000]}")
    errors = [
        f"{Path(m.get('url', '')).stem}.html:{m.get('lastLine')}: {m['message']}\n    {m.get('extract', '').strip()}"
        for m in messages
        if m.get("type") in ("error", "non-document-error")
    ]
    if errors:
        print("\n".join(errors))
    else:
        assert run.returncode == 0, run.stderr[:2000]
    return errors


def test_every_page_type_is_valid_html(brand, client, tmp_path, monkeypatch):
    monkeypatch.setattr(fronts, "PER_PAGE", 5)  # so list pages have a second page and a pager
    files = _render(client, tmp_path, _pages(brand))
    assert 'class="pager"' in (tmp_path / "section-page-2.html").read_text()
    errors = _vnu_errors(files)
    assert not errors, f"{len(errors)} HTML errors:\n" + "\n".join(errors)


def test_search_with_an_unparsable_date_is_valid_html(client, tmp_path):
    clear_caches()
    Brand.objects.create(name="Harbour Telegraph", hosts=[HOST], time_zone="Australia/Sydney")
    files = _render(client, tmp_path, [("search-bad-date", "/search/?q=harbour&from=yesterday&to=2026-13-45", 200)])
    clear_caches()
    errors = _vnu_errors(files)
    assert not errors, f"{len(errors)} HTML errors:\n" + "\n".join(errors)

"""Browser tests: Debian's chromium driven by Playwright against pytest-django's live server.

The content arrives the way it does in production: the demo wires serve their feeds and
article pages on loopback, `demo_load` creates the sources and brands, and `source_refresh`
ingests them through the guarded client. The Harbour Telegraph brand answers on `localhost`,
where the live server listens.

`make test` installs what these tests need: Debian's chromium (scripts/test.sh, as root) and
axe-core (package.json). They are skipped only when chromium is missing.
"""

from __future__ import annotations

import os

import pytest
from django.core.cache import cache
from django.test import override_settings

from tests.browser.helpers import BRAND, CHROMIUM, CHROMIUM_ARGS, DESKTOP
from wiredesk.brands.models import Brand
from wiredesk.core.http import GuardedClient
from wiredesk.demo.server import DemoWireServer
from wiredesk.demo.services import demo_load
from wiredesk.ingest.services import source_refresh
from wiredesk.sources.models import Source
from tests.caches import clear_caches


@pytest.fixture(scope="session")
def wires():
    # initial=12: enough stories in every section for full fronts and a full rail.
    with DemoWireServer(port=0, interval=3600, initial=12) as srv:
        yield srv


@pytest.fixture(scope="session")
def site_server(request, wires):
    """The live server, started with the demo wires' origin admitted as an image source.

    The CSP header is built when the middleware is, that is when the live server starts, so
    the setting is changed before it does (`make run` admits `http:` for the same reason).
    """
    override = override_settings(IMAGE_SOURCES=[wires.url("").rstrip("/")])
    override.enable()
    try:
        yield request.getfixturevalue("live_server")
    finally:
        override.disable()


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package when run as root")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running on this thread, which Django takes
    # for an async context. Only the tests' own ORM calls run on this thread (the live server
    # has its own), so the check is lifted while a browser module runs, and only then.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def site(transactional_db, site_server, wires):
    """Committed demo content (live_server needs it committed); returns the localhost brand."""
    # Pages, the rail and the host map live in the process cache, shared with the live
    # server's thread: nothing cached for one test's rows may answer the next test.
    clear_caches()
    demo_load(wires_url=wires.url(""))
    client = GuardedClient(allow_networks=("127.0.0.1/32",), deadline=10, connect_timeout=2)
    for source in Source.objects.order_by("id"):
        report = source_refresh(source_id=source.id, client=client)
        assert report.status == "ok" and report.new, report.as_dict()
    brand = Brand.objects.get(name=BRAND)
    assert "localhost" in brand.hosts
    yield brand
    clear_caches()


@pytest.fixture
def new_page(browser, site_server):
    """Open pages in fresh browser contexts: ``new_page(viewport=..., bypass_csp=...)``."""
    contexts = []

    def open_page(**options):
        context = browser.new_context(base_url=site_server.url, **{"viewport": DESKTOP, **options})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()

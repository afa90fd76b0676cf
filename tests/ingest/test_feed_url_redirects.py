"""A source's stored feed URL follows a redirect chain only when every hop is permanent.

RFC 9110 15.4: 301 and 308 say the resource moved for good (a stored reference may follow);
302, 303 and 307 say it stays where it was. The same rule holds when a source is added
(`sources add`) and on every refresh, for any chain the client follows (0 to 5 hops).
"""

from __future__ import annotations

import io
import itertools

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from tests.ingest.test_refresh_e2e import NOW
from tests.loopback import LoopbackServer, Reply
from wiredesk.core.http import GuardedClient, client_reset
from wiredesk.ingest.services import source_refresh
from wiredesk.sources.models import Source
from wiredesk.stories.models import Article

pytestmark = pytest.mark.django_db

STATUSES = (301, 302, 303, 307, 308)
PERMANENT = {301, 308}
FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Saltmere Tidings</title><link>https://saltmere.example/</link>
<item><guid>tidings-1</guid><title>Ferry berth reopens</title><description>The berth is open.</description></item>
</channel></rss>"""
_chains = itertools.count()


@pytest.fixture(scope="module")
def srv():
    with LoopbackServer() as server:
        yield server


@pytest.fixture
def loopback_allowed(settings):
    settings.FETCH = {**settings.FETCH, "allow_networks": ("127.0.0.1/32",), "deadline": 10, "connect_timeout": 3}
    client_reset()
    yield
    client_reset()


def chain(srv: LoopbackServer, statuses: list[int]) -> tuple[str, str]:
    """Serve a fresh chain of redirects ending at the feed; return (first URL, feed URL)."""
    prefix = f"/chain{next(_chains)}"
    paths = [f"{prefix}/hop{n}" for n in range(len(statuses))] + [f"{prefix}/feed.xml"]
    for path, status, following in zip(paths, statuses, paths[1:]):
        # Relative and absolute Location values both occur in the wild.
        location = following if len(path) % 2 else srv.url(following)
        srv.route(path, lambda req, status=status, location=location: Reply(status, b"", {"Location": location}))
    srv.static(paths[-1], FEED, "application/rss+xml")
    return srv.url(paths[0]), srv.url(paths[-1])


def forget_sources() -> None:
    """Each Hypothesis example starts without sources (they share one test's database)."""
    Article.objects.all().delete()
    Source.objects.all().delete()


def expected(statuses: list[int], first: str, final: str) -> str:
    return final if statuses and all(s in PERMANENT for s in statuses) else first


redirect_chains = st.lists(st.sampled_from(STATUSES), min_size=0, max_size=5)
examples = hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@examples
@given(statuses=redirect_chains)
def test_sources_add_keeps_the_url_unless_every_hop_is_permanent(loopback_allowed, srv, statuses):
    forget_sources()
    first, final = chain(srv, statuses)
    call_command("sources", "add", first, stdout=io.StringIO())
    assert Source.objects.get().feed_url == expected(statuses, first, final)


@examples
@given(statuses=redirect_chains)
def test_refresh_moves_the_url_only_when_every_hop_is_permanent(srv, statuses):
    forget_sources()
    first, final = chain(srv, statuses)
    source = Source.objects.create(name="Tidings", credit="Tidings", feed_url=first)
    client = GuardedClient(allow_networks=("127.0.0.1/32",), deadline=10)
    report = source_refresh(source_id=source.id, client=client, now=NOW)
    assert report.status == "ok", report.error
    source.refresh_from_db()
    assert source.feed_url == expected(statuses, first, final)


def test_sources_add_through_a_home_page_keeps_the_advertised_url(loopback_allowed, srv):
    """The advertised feed answers 302: the source keeps the advertised URL, not the target."""
    first, final = chain(srv, [302])
    srv.static(
        "/tidings/",
        f'<html><head><link rel="alternate" type="application/rss+xml" href="{first}"></head></html>',
        "text/html",
    )
    srv.route("/tidings", lambda req: Reply(307, b"", {"Location": "/tidings/"}))
    call_command("sources", "add", srv.url("/tidings"), stdout=io.StringIO())
    assert Source.objects.get().feed_url == first != final

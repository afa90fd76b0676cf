"""Takedowns that stick: an article killed by an editor leaves every surface at once, its page
answers 410, and it never comes back, whichever route the same copy takes; an undo brings
back everything the kill withdrew. Feeds come from a real loopback server through the whole
pipeline; the daily email goes to a real SMTP server."""

from __future__ import annotations

import datetime as dt
import io
from xml.sax.saxutils import escape

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.caches import clear_caches
from tests.digest.helpers import subscribe
from tests.loopback import LoopbackServer
from tests.web.factories import get, make_brand
from wiredesk.core.http import GuardedClient
from wiredesk.desk.selectors import RefError, article_by_ref
from wiredesk.desk.services.kills import DeskError, article_kill, article_unkill
from wiredesk.digest.services import editions, sending
from wiredesk.ingest.services import source_refresh
from wiredesk.search.drift import search_index_drift
from wiredesk.search.selectors import search_articles
from wiredesk.sources.models import Source
from wiredesk.stories.models import Article, AuditEntry, Takedown

HOST = "lakeside.test"
KILLED = "Crane topples onto the Quayside ferry berth"
KEPT = "Lowmere library opens its doors on Sundays"
CRANE_BODY = (
    "<p>A dockside crane toppled onto the ferry berth at Quayside on Tuesday evening, crushing a "
    "ticket office that had closed an hour earlier.</p><p>The harbour master, Edda Voss, said the "
    "crane's outrigger gave way on ground softened by a burst water main, and that no one was hurt.</p>"
    "<p>Sailings to Brackwater will leave from the north pier until the berth is cleared.</p>"
)
LIBRARY_BODY = (
    "<p>The town library in Lowmere will open from noon to five on Sundays from next month, after a "
    "volunteer scheme found enough helpers to staff the desk.</p><p>The reading room and the children's "
    "corner will be open; the archive stays closed at weekends.</p>"
)


def feed(items) -> str:
    entries = "".join(
        f"<item><title>{escape(title)}</title><guid>{guid}</guid><link>{link}</link>"
        f"<pubDate>{(timezone.now() - dt.timedelta(hours=n + 1)).strftime('%a, %d %b %Y %H:%M:%S GMT')}</pubDate>"
        f"<description>{escape(body)}</description></item>"
        for n, (title, guid, link, body) in enumerate(items)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{entries}</channel></rss>'


ALDER = [(KILLED, "alder-1", "https://alder.example/news/crane-topples", CRANE_BODY),
         (KEPT, "alder-2", "https://alder.example/news/library-sundays", LIBRARY_BODY)]
# The same agency copy through another wire: its own GUID and address, the same text.
BIRCH = [(KILLED + ":", "birch-9", "https://birch.example/2026/crane-quayside", CRANE_BODY)]


@pytest.fixture
def wires(db):
    clear_caches()
    http = GuardedClient(allow_networks=("127.0.0.1/32",), deadline=5, connect_timeout=2)
    with LoopbackServer() as server:
        server.static("/alder.xml", feed(ALDER), "application/rss+xml")
        server.static("/birch.xml", feed(BIRCH), "application/rss+xml")
        alder = Source.objects.create(name="Alder Wire", credit="Alder Wire", feed_url=server.url("/alder.xml"),
                                      language="en")
        birch = Source.objects.create(name="Birch Wire", credit="Birch Wire", feed_url=server.url("/birch.xml"),
                                      language="en")
        brand = make_brand("Lakeside Ledger", [HOST], sections=["world"])

        def refresh(source):
            report = source_refresh(source_id=source.id, client=http, now=timezone.now())
            clear_caches()
            return report

        yield {"alder": alder, "birch": birch, "brand": brand, "refresh": refresh, "server": server}
    clear_caches()


def surfaces(client) -> dict[str, str]:
    paths = ["/", "/section/world/", "/feeds/rss.xml", "/feeds/atom.xml", "/feeds/feed.json", "/sitemap.xml",
             "/news-sitemap.xml", "/section/world/rss.xml"]
    out = {}
    for path in paths:
        response = get(client, path, HOST)
        assert response.status_code == 200, path
        out[path] = response.content.decode()
    return out


def page(client, article):
    return get(client, f"/story/{article.id}-{article.slug}/", HOST)


@pytest.mark.django_db
def test_a_killed_article_leaves_every_surface_and_never_comes_back(client, wires, mail_sink,
                                                                    django_capture_on_commit_callbacks):
    wires["refresh"](wires["alder"])
    killed, kept = Article.objects.get(title=KILLED), Article.objects.get(title=KEPT)
    assert page(client, killed).status_code == 200
    assert all(f"/story/{killed.id}-" in text for text in surfaces(client).values())
    # An edition built before the kill, sent after it.
    subscribe(wires["brand"], "reader@example.com", sections=("world",))
    edition, _ = editions.edition_open(brand=wires["brand"], date=timezone.localdate(), now=timezone.now())

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):  # what commit runs: the page cache's new generation
        call_command("articles", "kill", f"https://{HOST}/story/{killed.id}-{killed.slug}/", "--reason",
                     "Names a witness who asked not to be named", "--by", "night editor", stdout=out)
    assert f"killed article {killed.id}" in out.getvalue()

    gone = page(client, killed)
    assert gone.status_code == 410
    assert "withdrawn" in gone.content.decode() and "witness" not in gone.content.decode()  # the reason stays inside
    for path, text in surfaces(client).items():
        assert KILLED not in text and f"/story/{killed.id}-" not in text, path
        assert f"/story/{kept.id}-" in text, path
    assert page(client, kept).status_code == 200
    assert [h.article.id for h in search_articles(brand=wires["brand"], query="crane quayside").hits] == []
    assert [h.article.id for h in search_articles(brand=wires["brand"], query="library").hits] == [kept.id]
    assert not search_index_drift()
    assert sending.edition_send(edition_id=edition.pk).sent == 1
    (mail,) = mail_sink.to("reader@example.com")
    text = mail.message.get_body(("plain",)).get_content()
    assert KEPT in text and KILLED not in text

    # The feed sends it again (an update, even): still dead.
    wires["server"].static("/alder.xml", feed([(KILLED + " (updated)", *ALDER[0][1:]), ALDER[1]]), "application/rss+xml")
    wires["refresh"](wires["alder"])
    assert page(client, killed).status_code == 410
    # The same copy through another wire, under its own GUID and address: stored, withdrawn.
    assert wires["refresh"](wires["birch"]).new == 1
    copy = Article.objects.get(source=wires["birch"])
    takedown = Takedown.objects.get()
    assert copy.withdrawn_at is not None and copy.takedown_id == takedown.id
    assert page(client, copy).status_code == 410
    # Deleted outright (by a script, say) and sent again by its feed: back only as withdrawn.
    Article.objects.filter(id=killed.id).delete()
    wires["refresh"](wires["alder"])
    again = Article.objects.get(source=wires["alder"], guid="alder-1")
    assert again.withdrawn_at is not None and again.takedown_id == takedown.id
    assert all(KILLED not in text and f"/story/{again.id}-" not in text for text in surfaces(client).values())

    # Undone: everything that kill withdrew comes back, and is searchable again.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("articles", "unkill", str(copy.id), "--reason", "cleared by the lawyer", "--by", "day editor",
                     stdout=io.StringIO())
    for article in (again, copy):  # one may now send the reader to the other, its copy: a page either way
        assert page(client, article).status_code in (200, 301, 302)
        assert get(client, f"/story/{article.id}-{article.slug}/", HOST, follow=True).status_code == 200
    assert Article.objects.filter(withdrawn_at__isnull=False).count() == 0
    assert Article.objects.get(id=again.id).story_id is not None  # filed in a story once back
    assert {h.article.id for h in search_articles(brand=wires["brand"], query="crane quayside", every_report=True).hits} \
        == {again.id, copy.id}
    log = list(AuditEntry.objects.order_by("at", "id").values_list("action", "who", "reason"))
    assert log == [("kill", "night editor", "Names a witness who asked not to be named"),
                   ("unkill", "day editor", "cleared by the lawyer")]
    # Once undone, the kill no longer holds: the copy may come back and stay.
    assert Takedown.objects.get().undone_by == "day editor"


@pytest.mark.django_db
def test_a_kill_takes_every_stored_copy_of_the_text_with_it(client, wires, django_capture_on_commit_callbacks):
    wires["refresh"](wires["alder"])
    wires["refresh"](wires["birch"])
    original, copy = Article.objects.get(source=wires["alder"], guid="alder-1"), Article.objects.get(source=wires["birch"])
    assert copy.duplicate_of_id == original.id
    with django_capture_on_commit_callbacks(execute=True):
        takedown = article_kill(article=copy, reason="wrong photo caption", by="editor")
    assert set(takedown.articles.values_list("id", flat=True)) == {original.id, copy.id}
    assert page(client, original).status_code == 410


CEDAR = [("Dockside crane crushes Quayside ticket office at the ferry berth", "cedar-4",
          "https://cedar.example/quayside-crane",
          "<p>QUAYSIDE: A crane on the dockside toppled onto the ferry berth on Tuesday evening and crushed "
          "the ticket office, which had closed an hour before.</p><p>Harbour master Edda Voss blamed ground "
          "softened by a burst water main under the crane's outrigger.</p>")]


@pytest.mark.django_db
def test_a_whole_story_can_be_killed_and_later_reports_go_with_it(client, wires, django_capture_on_commit_callbacks):
    wires["refresh"](wires["alder"])
    killed = Article.objects.get(title=KILLED)
    with django_capture_on_commit_callbacks(execute=True):
        article_kill(article=killed, reason="first: the photo", by="e")  # killed alone first...
        call_command("articles", "kill", str(killed.id), "--story", "--reason", "hoax", stdout=io.StringIO())
    assert page(client, killed).status_code == 410
    assert get(client, f"/coverage/{killed.story_id}/", HOST).status_code == 410
    assert page(client, Article.objects.get(title=KEPT)).status_code == 200
    # Another wire's own write-up of the same event, filed in the killed story: withdrawn too.
    wires["server"].static("/cedar.xml", feed(CEDAR), "application/rss+xml")
    cedar = Source.objects.create(name="Cedar Wire", credit="Cedar Wire", feed_url=wires["server"].url("/cedar.xml"),
                                  language="en")
    wires["refresh"](cedar)
    report = Article.objects.get(source=cedar)
    assert report.story_id == killed.story_id and report.withdrawn_at is not None
    assert search_index_drift().orphaned == ()  # and no index row of it was left behind
    assert [h.article.id for h in search_articles(brand=wires["brand"], query="ticket office").hits] == []
    # ...and undoing the first kill leaves it dead: the story's kill still covers it.
    with django_capture_on_commit_callbacks(execute=True):
        assert article_unkill(article=Article.objects.get(id=killed.id), by="e") == []
    assert page(client, killed).status_code == 410


@pytest.mark.django_db
def test_a_live_copy_updated_into_a_killed_text_is_withdrawn(client, wires):
    wires["refresh"](wires["alder"])
    article_kill(article=Article.objects.get(title=KILLED), reason="legal", by="e")
    wires["server"].static("/birch.xml", feed([(BIRCH[0][0], *BIRCH[0][1:3], LIBRARY_BODY.replace("Lowmere", "Birchfield"))]),
                           "application/rss+xml")
    wires["refresh"](wires["birch"])
    live = Article.objects.get(source=wires["birch"])
    assert live.withdrawn_at is None
    wires["server"].static("/birch.xml", feed(BIRCH), "application/rss+xml")  # the same item, now the killed text
    assert wires["refresh"](wires["birch"]).updated == 1
    assert Article.objects.get(id=live.id).withdrawn_at is not None
    assert search_index_drift().orphaned == ()  # its index row went with it: the killed text is not searchable


@pytest.mark.django_db
def test_only_brands_that_carried_it_say_it_was_withdrawn(client, wires):
    wires["refresh"](wires["alder"])
    make_brand("Business Beacon", ["beacon.test"], sections=["business"])
    killed = Article.objects.get(title=KILLED)
    article_kill(article=killed, reason="legal", by="e")
    clear_caches()
    assert get(client, f"/story/{killed.id}-{killed.slug}/", "beacon.test").status_code == 404
    assert page(client, killed).status_code == 410


@pytest.mark.django_db
def test_bad_requests_get_a_clear_error_and_change_nothing(wires):
    wires["refresh"](wires["alder"])
    killed = Article.objects.get(title=KILLED)
    cases = [
        (["kill", str(killed.id), "--reason", "   "], "needs a reason"),
        (["kill", "999999", "--reason", "x"], "No article 999999"),
        (["kill", f"https://{HOST}/section/world/", "--reason", "x"], "Not the address of an article page"),
        (["kill", "", "--reason", "x"], "Name an article"),
        (["unkill", str(killed.id)], "is not withdrawn"),
        (["kill", "\u00b2", "--reason", "x"], "Not an article id or page address|Not the address of an article page"),
    ]
    for argv, message in cases:
        with pytest.raises(CommandError, match=message):
            call_command("articles", *argv, stdout=io.StringIO())
    assert not Takedown.objects.exists() and not AuditEntry.objects.exists()
    article_kill(article=killed, reason="first", by="e")
    with pytest.raises(DeskError, match="already withdrawn"):  # a second kill (a form sent twice) does nothing
        article_kill(article=killed, reason="second", by="e")
    with pytest.raises(DeskError, match="already withdrawn"):
        article_kill(article=Article.objects.get(id=killed.id), reason="second", by="e")
    assert Takedown.objects.count() == 1
    article_unkill(article=Article.objects.get(id=killed.id), by="e")
    with pytest.raises(DeskError, match="not withdrawn"):
        article_unkill(article=Article.objects.get(id=killed.id), by="e")


@pytest.mark.django_db
@settings(max_examples=60, deadline=None)
@given(st.one_of(st.text(max_size=80), st.from_regex(r"https?://[a-z.]{1,20}/story/[0-9]{1,8}-[a-z-]{0,20}/?", fullmatch=True),
                 st.from_regex(r"/?[a-z0-9/%.?#-]{0,40}", fullmatch=True)))
def test_any_ref_is_an_article_or_a_clear_refusal(ref):
    try:
        article = article_by_ref(ref=ref)
    except RefError as exc:
        assert str(exc)
    else:
        assert isinstance(article, Article)


@pytest.mark.django_db
def test_staff_without_change_rights_cannot_kill_or_undo(client, wires, django_user_model):
    from django.contrib.auth.models import Permission

    wires["refresh"](wires["alder"])
    killed = Article.objects.get(title=KILLED)
    viewer = django_user_model.objects.create_user("viewer", "", "a-long-test-password", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_article"))
    client.force_login(viewer)
    for path in (f"/admin/stories/takedown/kill/{killed.id}/", f"/admin/stories/takedown/kill-story/{killed.story_id}/"):
        assert client.post(path, {"reason": "because"}).status_code == 403
    assert Article.objects.get(id=killed.id).withdrawn_at is None
    article_kill(article=killed, reason="legal", by="chief")
    assert client.post(f"/admin/stories/takedown/unkill/{killed.id}/", {"reason": "no"}).status_code == 403
    assert Article.objects.get(id=killed.id).withdrawn_at is not None

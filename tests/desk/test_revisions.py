"""Corrections and revisions: every version kept, an editor's correction shown with its note
(on the page, in JSON-LD and feeds) and kept over the source's later updates, upstream changes
weighed (a small one shows "Updated", a large one is flagged), and a readable diff."""

from __future__ import annotations

import json

import lxml.html
import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.desk.test_kills import ALDER, CRANE_BODY, HOST, KEPT, KILLED, feed, page, wires  # noqa: F401 (a fixture)
from tests.web.factories import get
from wiredesk.stories.models import Article, AuditEntry, Revision
from wiredesk.stories.services.revisions import CorrectionError, article_correct, change_share
from wiredesk.text.sanitize import html_to_text


def refresh_with(wires, items):
    """Serve ``items`` (or a feed document already built) and poll it. ``feed`` dates items
    from the clock, so the same copy polled again must be served as the same document."""
    wires["server"].static("/alder.xml", items if isinstance(items, str) else feed(items), "application/rss+xml")
    return wires["refresh"](wires["alder"])


def json_ld(html: str) -> dict:
    (script,) = lxml.html.fromstring(html).xpath("//script[@type='application/ld+json']/text()")
    return json.loads(script)


@pytest.mark.django_db
def test_upstream_updates_are_kept_and_weighed(client, wires):
    wires["refresh"](wires["alder"])
    crane = Article.objects.get(title=KILLED)
    assert "Updated" not in page(client, crane).content.decode()
    small = CRANE_BODY.replace("Tuesday evening", "Tuesday night")
    assert refresh_with(wires, [(KILLED, *ALDER[0][1:3], small), ALDER[1]]).updated == 1
    crane = Article.objects.get(id=crane.id)
    assert crane.flag == "" and crane.revision == 2
    assert Revision.objects.get(article=crane).body_html != crane.body_html  # the first version kept
    html = page(client, crane).content.decode()
    assert "updated-line" in html
    large = "<p>The ferry berth at Quayside reopened on Friday after engineers cleared the wreck.</p>" * 2
    refresh_with(wires, [(KILLED, *ALDER[0][1:3], large), ALDER[1]])
    crane = Article.objects.get(id=crane.id)
    assert crane.flag.startswith("The source changed") and crane.flagged_at is not None
    assert Revision.objects.filter(article=crane).count() == 2


@pytest.mark.django_db
def test_a_correction_is_shown_with_its_note_and_survives_the_sources_updates(client, wires, admin_client,
                                                                               django_capture_on_commit_callbacks):
    wires["refresh"](wires["alder"])
    crane = Article.objects.get(title=KILLED)
    before = crane.body_html
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/stories/revision/correct/{crane.id}/", {
            "title": "Crane topples onto the Quayside ferry berth; nobody hurt",
            "body_html": CRANE_BODY.replace("Edda Voss", "Edda Vos") + "<script>alert(1)</script>",
            "images": "", "related": "Earlier: harbour works | https://alder.example/news/works",
            "note": "An earlier version misspelt the harbour master's name.",
        })
    assert response.status_code == 302, response.content[:500]
    crane = Article.objects.get(id=crane.id)
    assert crane.editor_version and crane.revision == 2 and "<script" not in crane.body_html
    html = page(client, crane).content.decode()
    root = lxml.html.fromstring(html)
    assert root.xpath("//h1")[0].text_content() == "Crane topples onto the Quayside ferry berth; nobody hurt"
    note = root.xpath("//p[@class='correction']")[0].text_content()
    assert "misspelt the harbour master" in note
    data = json_ld(html)
    assert data["correction"]["text"] == "An earlier version misspelt the harbour master's name."
    assert data["dateModified"] == data["correction"]["datePublished"]
    atom = get(client, "/feeds/atom.xml", HOST).content.decode()
    assert "nobody hurt" in atom
    (kept,) = Revision.objects.filter(article=crane)
    assert kept.body_html == before and kept.kind == Revision.Kind.SOURCE
    assert AuditEntry.objects.get(action=AuditEntry.Action.CORRECT).reason.startswith("An earlier version")

    # The source updates its copy: kept, held back and flagged; the correction stays shown.
    refresh_with(wires, [(KILLED + ", officials say", *ALDER[0][1:3], CRANE_BODY + "<p>More follows.</p>"), ALDER[1]])
    crane = Article.objects.get(id=crane.id)
    assert crane.title.endswith("nobody hurt") and "held" not in crane.flag and "correction stays" in crane.flag
    held = Revision.objects.get(article=crane, held=True)
    assert held.title == KILLED + ", officials say"
    # The history page compares any two versions, escaped.
    first = Revision.objects.get(article=crane, held=False)
    history = admin_client.get(f"/admin/stories/revision/history/{crane.id}/?a=r{first.id}&b=current").content.decode()
    diff = lxml.html.fromstring(history).xpath("//table[@class='diff']")[0]
    text = diff.text_content().replace("\xa0", " ")  # difflib keeps spacing with no-break spaces
    changed = " ".join(e.text_content() for e in diff.xpath(".//*[contains(@class,'diff_')]"))
    assert "Edda" in text and changed.strip()
    assert "nobody hurt" in text  # the headline is compared too
    assert "<script>alert" not in history

    # The editor looks and shows the source's update instead: no new correction, the note
    # stays on record, the editor's version is kept, and later updates flow again.
    assert "Show the source&#x27;s update instead" in history or "Show the source's update instead" in history
    with django_capture_on_commit_callbacks(execute=True):
        accepted = admin_client.post(f"/admin/stories/revision/accept/{crane.id}/")
    assert accepted.status_code == 302
    crane = Article.objects.get(id=crane.id)
    assert crane.title == KILLED + ", officials say" and not crane.editor_version and crane.flag == ""
    assert crane.correction_note.startswith("An earlier version") and crane.revision == 3
    assert Revision.objects.filter(article=crane, held=True).count() == 0
    assert Revision.objects.filter(article=crane, kind=Revision.Kind.EDITOR).get().title.endswith("nobody hurt")
    assert AuditEntry.objects.filter(action=AuditEntry.Action.ACCEPT, who="admin").count() == 1
    assert "officials say" in page(client, crane).content.decode()
    again = admin_client.post(f"/admin/stories/revision/accept/{crane.id}/", follow=True).content.decode()
    assert "No update of the source is held back" in again
    refresh_with(wires, [(KILLED + ", officials add", *ALDER[0][1:3], CRANE_BODY + "<p>More follows.</p>"), ALDER[1]])
    assert Article.objects.get(id=crane.id).title == KILLED + ", officials add"


@pytest.mark.django_db
def test_a_correction_needs_a_note_a_headline_and_a_body(wires):
    wires["refresh"](wires["alder"])
    crane = Article.objects.get(title=KILLED)
    for title, body, note, message in [
        ("Headline", "<p>Body</p>", "  ", "needs a note"),
        ("  ", "<p>Body</p>", "note", "headline"),
        ("Headline", "<script>only()</script>", "note", "body"),
    ]:
        with pytest.raises(CorrectionError, match=message):
            article_correct(article=crane, title=title, body_html=body, note=note, by="e", at=timezone.now())
    assert Article.objects.get(id=crane.id).revision == 1 and not Revision.objects.exists()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200), st.text(max_size=200))
def test_change_share_is_a_share(a, b):
    share = change_share(old_html=f"<p>{a}</p>", new_html=f"<p>{b}</p>")
    assert 0.0 <= share <= 1.0
    assert change_share(old_html=f"<p>{a}</p>", new_html=f"<p>{a}</p>") == 0.0


@pytest.mark.django_db
def test_a_held_update_is_kept_once_and_metadata_changes_are_no_new_version(client, wires, django_capture_on_commit_callbacks):
    wires["refresh"](wires["alder"])
    crane = Article.objects.get(title=KILLED)
    # Only what readers do not see changes (the feed's time): no new version, no "Updated".
    wires["server"].static("/alder.xml", feed(ALDER).replace("<pubDate>", "<pubDate>").replace("GMT", "+0000"),
                           "application/rss+xml")
    wires["refresh"](wires["alder"])
    assert Article.objects.get(id=crane.id).revision == 1 and not Revision.objects.exists()
    assert "updated-line" not in page(client, crane).content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # the page cache's new generation
        article_correct(article=crane, title="Crane falls on the ferry berth", body_html=CRANE_BODY,
                        note="Headline fixed.", by="e", at=timezone.now())
    before = json_ld(page(client, crane).content.decode())["dateModified"]
    update = feed([(KILLED + ", officials say", *ALDER[0][1:3], CRANE_BODY + "<p>More follows.</p>"), ALDER[1]])
    reports = [refresh_with(wires, update) for _ in range(3)]
    assert [r.updated for r in reports] == [1, 0, 0]  # the same upstream copy is unchanged on the next polls
    assert Revision.objects.filter(article=crane, held=True).count() == 1
    assert json_ld(page(client, crane).content.decode())["dateModified"] == before


@pytest.mark.django_db
def test_the_history_escapes_what_the_texts_hold(wires, admin_client):
    wires["refresh"](wires["alder"])
    crane = Article.objects.get(title=KILLED)
    hostile = "<p>&lt;img src=x onerror=alert(1)&gt; and &lt;/table&gt;&lt;script&gt;alert(2)&lt;/script&gt;</p>"
    refresh_with(wires, [(KILLED, *ALDER[0][1:3], CRANE_BODY + hostile), ALDER[1]])
    assert "onerror" in html_to_text(Article.objects.get(id=crane.id).body_html)  # text, as readers see it
    history = admin_client.get(f"/admin/stories/revision/history/{crane.id}/").content.decode()
    (diff,) = lxml.html.fromstring(history).xpath("//table[@class='diff']")
    text = "".join(diff.itertext()).replace("\xa0", " ")
    assert "onerror=alert(1)>" in text and "alert(2)</script>" in text  # shown as text...
    assert not diff.xpath(".//img|.//script") and "<script>alert(2)" not in history  # ...never as markup


@pytest.mark.django_db
def test_the_correction_form_keeps_alt_text_and_pipes_and_refuses_other_sites(wires):
    from wiredesk.desk.admin import CorrectForm

    alts = {"https://alder.example/crane.jpg": "A crane lying across the berth"}
    base = {"title": "T", "body_html": "<p>B</p>", "note": "n"}
    form = CorrectForm(data={**base, "images": "https://alder.example/crane.jpg | Crane | berth, Quayside | Alder Photo",
                             "related": "Harbour works | Alder News | https://alder.example/works"}, alts=alts)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["images"] == [{"url": "https://alder.example/crane.jpg", "caption": "Crane | berth, Quayside",
                                            "credit": "Alder Photo", "alt": "A crane lying across the berth"}]
    assert form.cleaned_data["related"] == [{"title": "Harbour works | Alder News", "url": "https://alder.example/works"}]
    for bad in ("//evil.example/x.png", "/\\evil.example/x.png", "/\t/evil.example", "javascript:alert(1)",
                "data:image/png;base64,AAAA", "http://", " https://alder.example/x.jpg\x00"):
        form = CorrectForm(data={**base, "images": f"{bad} | c | r", "related": ""}, alts={})
        assert not form.is_valid() and "images" in form.errors, bad


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_only_web_addresses_and_site_paths_pass(url):
    from urllib.parse import urlsplit

    from wiredesk.desk.admin import _http

    if _http(url):
        parts = urlsplit(url)
        assert (parts.scheme in ("http", "https") and parts.netloc) or (url.startswith("/") and not parts.netloc)
        assert "\\" not in url and not any(c.isspace() for c in url)


@pytest.mark.django_db
def test_a_held_update_does_not_make_the_article_searchable_by_the_sources_text(wires):
    from wiredesk.brands.models import Brand
    from wiredesk.search.selectors import search_articles

    wires["refresh"](wires["alder"])
    crane = Article.objects.get(title=KILLED)
    article_correct(article=crane, title="Crane falls on the ferry berth", body_html=CRANE_BODY,
                    note="Headline fixed.", by="e", at=timezone.now())
    # The source's update names someone the editor's version does not: it is held, not shown.
    report = refresh_with(wires, [(KILLED, *ALDER[0][1:3], CRANE_BODY + "<p>Witness Zandorquist spoke.</p>"), ALDER[1]])
    assert report.updated == 1 and Revision.objects.filter(article=crane, held=True).count() == 1
    brand = Brand.objects.first()
    assert search_articles(brand=brand, query="Zandorquist").total == 0
    assert [h.article.id for h in search_articles(brand=brand, query="crane ferry berth").hits] == [crane.id]

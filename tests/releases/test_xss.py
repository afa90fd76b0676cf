"""Injection: script payloads in every field of a release never become live markup on the
published page, in the moderator's preview and admin pages, in the feeds or in the decision
email; CR and LF in the name or address never add a header or a recipient."""

from __future__ import annotations

import datetime as dt
import json
import re

import lxml.etree
import lxml.html
import pytest
from django.utils import timezone

from tests.releases.helpers_moderation import *  # noqa: F401,F403  (the fixtures)
from tests.releases.helpers_moderation import (
    add_image, admin_url, article_path, make_submission, page,
)
from wiredesk.releases.models import Submission
from wiredesk.releases.services import moderation

Status = Submission.Status

SCRIPT = '<script>alert("xss-1")</script>'
IMG = '<img src=x onerror=alert("xss-2")>'
JS_URL = 'javascript:alert("xss-3")'
BREAKOUT = '"><svg onload=alert("xss-4")>'
ALL = f"{SCRIPT} {IMG} {JS_URL} {BREAKOUT}"
# What must never appear as markup anywhere (each payload as raw HTML).
RAW = ("<script>alert", "<img src=x onerror", "<svg onload", 'href="javascript:')


def hostile_submission(brand, **fields):
    values = {
        "headline": f"Harbour regatta {SCRIPT}{BREAKOUT}",
        "dateline_place": f"Port Ellis{BREAKOUT}",
        "body": (
            f"<p>The regatta starts at noon. {SCRIPT}</p><p>{IMG} More of the story about the harbour.</p>"
            f'<p><a href="{JS_URL}">a scripted link</a> and <a href="JaVaScRiPt:alert(5)">another</a>'
            f' and <a href=" javascript:alert(6)">a spaced one</a>.</p>'
            f"<p><svg><script>alert(7)</script></svg><iframe src=\"https://evil.example/\"></iframe></p>"
            f'<p><a href="https://good.example/" onclick="alert(8)" style="color:red">a good link</a></p>'
        ),
        "about": f"About text {ALL}",
        "website": JS_URL,
        "contact_name": f"Dana {SCRIPT}",
        "contact_organisation": f"Club {BREAKOUT}{IMG}",
        "contact_email": f'"><svg onload=alert(9)>@x.example',
        "contact_phone": f"555 {IMG}",
        "show_contact": True,
        "checks": {"results": [{"code": f"x{SCRIPT}", "ok": False, "message": f"check {ALL}"}]},
    }
    values.update(fields)
    submission = make_submission(brand, **values)
    add_image(submission, caption=f"Caption {ALL}", credit=f"Credit {BREAKOUT}")
    add_image(submission, caption=f"Second {IMG}", credit=f"Credit two {SCRIPT}", position=1)
    return submission


def assert_inert_html(doc: str, where: str) -> None:
    """No element, attribute or URL in doc could run script."""
    lowered = doc.lower()
    for raw in RAW:
        assert raw not in lowered, f"{where}: raw {raw!r}"
    root = lxml.html.fromstring(doc) if doc.strip() else None
    if root is None:
        return
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower()
        if tag == "script":
            assert element.get("type") in ("application/ld+json", "application/json"), f"{where}: live <script>"
            assert element.get("src") is None or not element.text
            continue
        assert tag not in ("svg", "iframe", "object", "embed", "math", "base"), f"{where}: <{tag}>"
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), f"{where}: {name} on <{tag}>"
            if name.lower() in ("href", "src", "action", "formaction", "xlink:href", "data"):
                compact = re.sub(r"[\s\x00-\x1f]", "", value).lower()
                assert not compact.startswith(("javascript:", "vbscript:", "data:text")), f"{where}: {name}={value!r}"


@pytest.fixture
def published(site, moderator, release_media):
    submission = hostile_submission(site)
    moderation.submission_approve(submission=submission, actor=moderator)
    submission.refresh_from_db()
    return submission


def test_the_published_page_and_lists_are_inert(client, published):
    article = published.article
    doc = page(client, article_path(article))
    assert_inert_html(doc, "article page")
    # The text is still there, shown as text.
    assert "&lt;script&gt;alert(&quot;xss-1&quot;)&lt;/script&gt;" in doc  # in the headline
    assert "a scripted link" in doc and "a good link" in doc
    for path in ("/", f"/section/{article.section}/", "/search/?q=regatta", f"/source/{article.source_id}/"):
        assert_inert_html(page(client, path), path)


def test_every_link_of_the_body_is_safe_and_sponsored(client, published):
    root = lxml.html.fromstring(page(client, article_path(published.article)))
    links = root.xpath('//div[@class="story-body"]//a')
    assert links, "the body keeps its links"
    for a in links:
        href = a.get("href")
        assert href is None or href.startswith(("https://", "http://", "mailto:"))
        assert a.get("rel") == "sponsored noopener" and a.get("onclick") is None and a.get("style") is None
    # A website that is not an http(s) address is left out rather than linked.
    assert "Website:" not in root.xpath('//div[@class="story-body"]')[0].text_content()


def test_the_preview_and_the_admin_pages_are_inert(admin_client, site, release_media):
    submission = hostile_submission(site)
    response = admin_client.get(admin_url(submission, "preview"))
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert_inert_html(response.content.decode(), "preview")
    # The admin's own pages carry Django's scripts: check only that no payload became markup.
    for path in ("/admin/releases/submission/", admin_url(submission), admin_url(submission, "approve"),
                 admin_url(submission, "decline")):
        doc = admin_client.get(path).content.decode().lower()
        for raw in RAW:
            assert raw not in doc, (path, raw)
        assert 'alert("xss-1")</script>' not in doc


def _feed_html_parts(xml: str) -> list[str]:
    root = lxml.etree.fromstring(xml.encode())
    parts = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        local = element.tag.rsplit("}", 1)[-1]
        if local in ("description", "content", "summary") and element.text:
            parts.append(element.text)
    return parts


def test_the_feeds_are_inert(client, published):
    section = published.article.section
    for path in ("/feeds/rss.xml", "/feeds/atom.xml", f"/section/{section}/rss.xml", f"/section/{section}/atom.xml"):
        xml = page(client, path)
        assert "<script" not in xml.lower() and "<svg" not in xml.lower() and "<img src=x" not in xml.lower()
        parts = _feed_html_parts(xml)
        assert any("regatta starts at noon" in p for p in parts), path
        for html in parts:
            assert_inert_html(html, path)
        root = lxml.etree.fromstring(xml.encode())
        titles = [t.text for t in root.iter("title", "{http://www.w3.org/2005/Atom}title")]
        # Titles are plain text (RSS 2.0, Atom type="text"), escaped once by the XML writer:
        # the headline typed, as text, never markup.
        assert published.article.title in titles, titles
        assert root.find(".//{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}title[@type='html']") is None
    for path in ("/feeds/feed.json", f"/section/{section}/feed.json"):
        text = page(client, path)
        assert "<" not in text and ">" not in text  # written as \\u003C and \\u003E
        for item in json.loads(text)["items"]:
            assert_inert_html(item["content_html"], path)


@pytest.mark.parametrize("outcome", ["declined", "published", "scheduled"])
def test_the_decision_email_is_inert(site, moderator, decision_mail, eager, django_capture_on_commit_callbacks,
                                     release_media, outcome):
    submission = hostile_submission(site, contact_email="dana@cycling.example")
    with django_capture_on_commit_callbacks(execute=True):
        if outcome == "declined":
            moderation.submission_decline(submission=submission, actor=moderator, reason=f"Because {ALL}")
        else:
            if outcome == "scheduled":
                Submission.objects.filter(pk=submission.pk).update(embargo_until=timezone.now() + dt.timedelta(days=1))
                submission.refresh_from_db()
            moderation.submission_approve(submission=submission, actor=moderator)
    (mail,) = decision_mail.messages
    msg = mail.message
    html = msg.get_body(("html",)).get_content()
    assert_inert_html(html, f"{outcome} email")
    assert "&lt;script&gt;" in html  # the headline is there, as text
    assert "\n" not in msg["Subject"] and mail.rcpt_tos == ["dana@cycling.example"]


# --- headers ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [
    "Dana\r\nBcc: victim@evil.example",
    "Dana\nCc: victim@evil.example",
    "Dana\rTo: victim@evil.example",
    'Dana", victim@evil.example, "',
])
def test_cr_lf_in_the_name_adds_no_header_or_recipient(site, moderator, decision_mail, eager,
                                                       django_capture_on_commit_callbacks, name):
    submission = make_submission(site, contact_name=name, contact_email="dana@cycling.example")
    with django_capture_on_commit_callbacks(execute=True):
        moderation.submission_decline(submission=submission, actor=moderator, reason="Not news.")
    (mail,) = decision_mail.messages
    assert mail.rcpt_tos == ["dana@cycling.example"]
    raw = mail.data.decode("utf-8", "replace")
    headers = raw.split("\r\n\r\n", 1)[0] if "\r\n\r\n" in raw else raw.split("\n\n", 1)[0]
    names = [line.split(":", 1)[0].lower() for line in re.split(r"\r?\n", headers) if line and not line[0].isspace()]
    assert "bcc" not in names and "cc" not in names and names.count("to") == 1
    assert mail.message["To"].addresses[0].addr_spec == "dana@cycling.example"
    assert len(mail.message["To"].addresses) == 1


@pytest.mark.parametrize("address", [
    "dana@cycling.example\r\nBcc: victim@evil.example",
    "dana@cycling.example\nvictim@evil.example",
    "dana@cycling.example, victim@evil.example",
    "dana@cycling.example;victim@evil.example",
    "Dana <victim@evil.example>",
])
def test_an_address_with_cr_lf_or_a_second_recipient_gets_no_mail(site, moderator, decision_mail, eager,
                                                                  django_capture_on_commit_callbacks, address):
    submission = make_submission(site, contact_email=address)
    with django_capture_on_commit_callbacks(execute=True):
        moderation.submission_decline(submission=submission, actor=moderator, reason="Not news.")
    assert decision_mail.messages == []
    submission.refresh_from_db()
    assert submission.status == Status.DECLINED  # the decision stands; only the mail is not sent


def test_a_headline_with_line_breaks_makes_a_one_line_subject(site, moderator, decision_mail, eager,
                                                              django_capture_on_commit_callbacks):
    submission = make_submission(site, headline="Regatta\r\nBcc: victim@evil.example",
                                 contact_email="dana@cycling.example")
    with django_capture_on_commit_callbacks(execute=True):
        moderation.submission_decline(submission=submission, actor=moderator, reason="Not news.")
    (mail,) = decision_mail.messages
    assert mail.rcpt_tos == ["dana@cycling.example"] and mail.message["Bcc"] is None
    assert mail.message["Subject"] == "Your news release was not accepted: Regatta Bcc: victim@evil.example"

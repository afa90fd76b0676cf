"""Fixtures and helpers of the moderation and publication tests.

Submissions are made with the ORM, as the public form would leave them once the address is
confirmed; publication goes through the real services into real stored articles, and pages
are read through the Django test client on the brand's host. Test modules import what they
use from here (fixtures included, so pytest finds them).
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import re

import lxml.etree
import lxml.html
import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from tests.web.factories import make_brand, make_source, store
from wiredesk.releases.models import Submission, SubmissionImage

HOST = "herald.test"
OTHER_HOST = "ledger.test"
_seq = itertools.count(1)

BODY = """The Saltmarsh Cycling Club will hold its first night ride along the harbour promenade on Friday, \
with the council closing the road between the ferry terminal and the lighthouse from 7pm.

Riders of every age are welcome, and the club will lend lights and helmets to anyone who needs them. \
The route is flat and about nine kilometres long, and marshals will stand at every crossing.

Club secretary Dana Whitlock said the ride grew out of a suggestion at last year's general meeting. \
"People wanted to see the harbour lit up from the saddle, and the council agreed to try it once," she said.

Food stalls run by the Harbour Scouts will open at the terminal at 6pm. Money raised will go to the \
scout hall roof appeal."""

ABOUT = "The Saltmarsh Cycling Club was founded in 1958 and has 240 members. It runs weekly rides for beginners."


# --- fixtures -------------------------------------------------------------------------------------

@pytest.fixture
def release_media(media_root):
    """The temporary media folder (tests/releases/conftest.py gives every test one)."""
    return media_root


@pytest.fixture
def decision_mail(mail_sink, settings):
    """The suite's SMTP server, receiving the decision emails."""
    settings.DEFAULT_FROM_EMAIL = "desk@herald.test"
    settings.PUBLIC_SCHEME, settings.PUBLIC_PORT = "https", ""
    return mail_sink


@pytest.fixture
def wire(db):
    return make_source("Harbour Wire", default_section="world")


@pytest.fixture
def site(db, wire):
    """A brand that carries one wire (and, once a release is published, its releases)."""
    return make_brand("Harbour Herald", [HOST], time_zone="Australia/Sydney", sources=[wire])


@pytest.fixture
def other_site(db, wire):
    return make_brand("Lakeside Ledger", [OTHER_HOST], time_zone="UTC", sources=[wire])


@pytest.fixture
def moderator(db, django_user_model):
    return django_user_model.objects.create_superuser("moderator", "mod@herald.test", "x" * 24)


@pytest.fixture
def admin_client(client, moderator):
    client.force_login(moderator)
    return client


# --- submissions --------------------------------------------------------------------------------

def make_submission(brand, **fields) -> Submission:
    """A verified submission waiting in the queue (what the public form leaves behind)."""
    n = next(_seq)
    values = {
        "status": Submission.Status.RECEIVED,
        "category": Submission.Category.COMMUNITY,
        "headline": f"Saltmarsh Cycling Club plans a night ride on the promenade {n}",
        "dateline_place": "Port Ellis",
        "body": BODY,
        "about": ABOUT,
        "website": "https://saltmarsh-cycling.example/",
        "contact_name": "Dana Whitlock",
        "contact_organisation": "Saltmarsh Cycling Club",
        "contact_email": f"secretary{n}@saltmarsh-cycling.example",
        "contact_phone": "+61 2 5550 7788",
        "show_contact": False,
        "verified_at": timezone.now(),
        "checks": {"results": [
            {"code": "words", "ok": True, "message": "176 words: within 150 to 1,500."},
            {"code": "third_person", "ok": False, "message": "Written in the first person in places."},
        ]},
    }
    values.update(fields)
    return Submission.objects.create(brand=brand, **values)


def png(size=(64, 48), colour=(30, 90, 160)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def add_image(submission, *, caption="Riders at the lighthouse", credit="Photo: Saltmarsh CC", position=0):
    image = SubmissionImage(submission=submission, caption=caption, credit=credit, position=position,
                            width=64, height=48)
    image.file.save(f"r{next(_seq)}.png", ContentFile(png()), save=False)
    image.width, image.height = 64, 48
    image.save()
    return image


def wire_story(source, title="Ferry timetable changes for winter", **kwargs):
    return store(source, title, **kwargs)


# --- reading pages --------------------------------------------------------------------------------

def get(client, path: str, host: str = HOST, **extra):
    return client.get(path, HTTP_HOST=host, **extra)


def page(client, path: str, host: str = HOST, status: int = 200) -> str:
    response = get(client, path, host)
    assert response.status_code == status, (path, response.status_code)
    return response.content.decode()


def article_path(article) -> str:
    return f"/story/{article.id}-{article.slug}/"


def public_documents(client, article, host: str = HOST, *, query: str = "promenade") -> dict[str, str]:
    """Every public page and feed a published release can show up in, by name."""
    section = article.section
    paths = {
        "article": article_path(article),
        "home": "/",
        "section": f"/section/{section}/",
        "source": f"/source/{article.source_id}/",
        "search": f"/search/?q={query}",
        "rss": "/feeds/rss.xml",
        "atom": "/feeds/atom.xml",
        "json": "/feeds/feed.json",
        "section-rss": f"/section/{section}/rss.xml",
        "section-atom": f"/section/{section}/atom.xml",
        "section-json": f"/section/{section}/feed.json",
        "sitemap": "/sitemap.xml",
        "news-sitemap": "/news-sitemap.xml",
    }
    if article.dateline_place:
        paths["place"] = "/place/" + re.sub(r"[^a-z0-9]+", "-", article.dateline_place.lower()).strip("-") + "/"
    return {name: page(client, path, host) for name, path in paths.items()}


def teaser_titles(doc: str) -> list[str]:
    """Headlines of the teasers on a list page, or of the results on the search page."""
    root = lxml.html.fromstring(doc)
    found = root.xpath('//*[contains(concat(" ", @class, " "), " teaser ")]//h3/a')
    return [" ".join(a.text_content().split()) for a in found]


def feed_titles(xml: str) -> list[str]:
    root = lxml.etree.fromstring(xml.encode())
    return [t.text for t in root.iter("{*}title", "title")]


def json_feed_titles(text: str) -> list[str]:
    return [item["title"] for item in json.loads(text)["items"]]


def story_links(doc: str) -> list:
    """The <a> elements inside the story body of an article page."""
    return lxml.html.fromstring(doc).xpath('//div[@class="story-body"]//a')


def aware(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.timezone.utc)


# --- the admin ------------------------------------------------------------------------------------

def admin_url(submission, view: str = "change") -> str:
    if view == "change":
        return f"/admin/releases/submission/{submission.pk}/change/"
    return f"/admin/releases/submission/{submission.pk}/{view}/"


def form_data(doc: str, form_id: str = "submission_form") -> dict:
    """What a browser would send for the form as shown (checked boxes, selected options)."""
    form = lxml.html.fromstring(doc).get_element_by_id(form_id)
    data: dict[str, object] = {}
    for field in form.xpath(".//input|.//textarea|.//select"):
        name = field.get("name")
        if not name or field.get("disabled") is not None:
            continue
        kind = (field.get("type") or "text").lower()
        if field.tag == "textarea":
            value = field.text or ""
            data[name] = value[1:] if value.startswith("\n") else value
        elif field.tag == "select":
            chosen = [o.get("value", o.text or "") for o in field.xpath(".//option") if o.get("selected") is not None]
            if chosen:
                data[name] = chosen if field.get("multiple") is not None else chosen[0]
        elif kind in ("checkbox", "radio"):
            if field.get("checked") is not None:
                data[name] = field.get("value", "on")
        elif kind not in ("submit", "button", "file", "image", "reset"):
            data[name] = field.get("value", "")
    return data


def admin_save(client, submission, **changes):
    """Open the change page, change some fields and save, as a moderator would."""
    doc = client.get(admin_url(submission)).content.decode()
    data = {**form_data(doc), **changes}
    return client.post(admin_url(submission), data)

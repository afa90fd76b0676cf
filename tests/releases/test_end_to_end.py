"""A news release from the public form to the published site: submit over HTTP, confirm from
the real email, moderate in the admin, then find it on the brand's article page, its section
front, the section feed and search, labelled and with sponsored links."""

from __future__ import annotations

import re

import feedparser
import pytest
from django.test import Client

from tests.releases.conftest import (
    HOST, body_of, link_in, parts, photo, press_button, release_data, upload,
)
from tests.web.factories import make_source, store
from wiredesk.brands.models import BrandSource
from wiredesk.releases.models import Submission

pytestmark = pytest.mark.django_db


def jpeg_upload(name="boathouse.jpg"):
    import io

    buf = io.BytesIO()
    photo().save(buf, "JPEG", quality=85)
    return upload(name, buf.getvalue())


def test_submit_confirm_moderate_publish_and_find_it_everywhere(client, brand, post_release, mail_sink,
                                                               django_user_model, django_capture_on_commit_callbacks):
    wire = make_source("Harbour Wire")
    BrandSource.objects.create(brand=brand, source=wire)
    store(wire, "Ferry timetable changes for winter", section="local")
    data = release_data(
        headline="Harbour Rowing Club opens its new boathouse on the quay",
        body=release_data()["body"] + "\n\nTimes are on <a href=\"https://rowing.example.org/open-day\">the club site</a>.",
        caption_1="The new boathouse at dawn", credit_1="Photo: Harbour Rowing Club",
    )
    sent = post_release(client, data, files={"image_1": jpeg_upload()})
    assert sent.status_code == 200, body_of(sent)[:2000]
    submission = Submission.objects.get()
    assert submission.status == Submission.Status.UNVERIFIED and submission.images.count() == 1

    # The submitter confirms from the email the SMTP server received.
    (mail,) = mail_sink.to("secretary@harbourrowing.org")
    text, _html = parts(mail)
    assert press_button(link_in(text, "verify")).status_code == 200
    submission.refresh_from_db()
    assert submission.status == Submission.Status.RECEIVED

    # A moderator previews and approves it in the admin.
    moderator = django_user_model.objects.create_superuser("editor", "editor@harbour.test", "pw-Editor-1")
    staff = Client()
    staff.force_login(moderator)
    preview = staff.get(f"/admin/releases/submission/{submission.pk}/preview/")
    assert preview.status_code == 200 and "script-src 'self'" in preview["Content-Security-Policy"]
    with django_capture_on_commit_callbacks(execute=True):
        approved = staff.post(f"/admin/releases/submission/{submission.pk}/approve/")
    assert approved.status_code == 302
    submission.refresh_from_db()
    assert submission.status == Submission.Status.PUBLISHED and submission.article_id
    article = submission.article

    # On the site: the article page, labelled, credited to the organisation, sponsored links.
    reader = Client()
    page = body_of(reader.get(f"/story/{article.id}-{article.slug}/", HTTP_HOST=HOST))
    assert "News release" in page and "Harbour Rowing Club" in page
    assert "opens its new boathouse on the quay" in page
    links = re.findall(r'<a href="https://rowing\.example\.org/open-day"[^>]*>', page)
    assert links and all('rel="sponsored noopener"' in a for a in links)
    assert "+61 2 5550 1234" not in page and "secretary@harbourrowing.org" not in page
    assert re.search(r'<img src="/media/releases/[0-9a-f]{32}\.jpe?g"', page)
    image_url = re.search(r'<img src="(/media/releases/[0-9a-f]{32}\.jpe?g)"', page)[1]
    image = reader.get(image_url, HTTP_HOST=HOST)
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"

    # Its section front and the section feed.
    section = article.section
    assert "opens its new boathouse on the quay" in body_of(reader.get(f"/section/{section}/", HTTP_HOST=HOST))
    feed = feedparser.parse(reader.get(f"/section/{section}/rss.xml", HTTP_HOST=HOST).content)
    assert not feed.bozo and any("new boathouse" in e.title for e in feed.entries)
    # Search finds it, and the wire copy is still there beside it.
    results = body_of(reader.get("/search/?q=boathouse", HTTP_HOST=HOST))
    assert "opens its new boathouse on the quay" in re.sub(r"</?mark>", "", results)
    assert "Ferry timetable changes for winter" in body_of(reader.get("/", HTTP_HOST=HOST))

    # The submitter's status page shows it published, with the link.
    status_link = link_in(text, "status")
    status = body_of(reader.get(status_link.split(HOST, 1)[1], HTTP_HOST=HOST))
    assert "published" in status.lower() and f"/story/{article.id}-" in status

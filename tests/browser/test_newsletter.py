"""The daily email's promo box on an article, in headless Chromium: a reader types the address,
presses Sign up, and on the sign-up page presses Sign up again at once, as readers do; the
confirmation mail arrives at a real SMTP server."""

from __future__ import annotations

import pytest

from tests.mailsink import MailSink
from wiredesk.project.celery import app
from wiredesk.stories.models import Article

pytestmark = pytest.mark.browser


@pytest.fixture
def sink(settings):
    sink = MailSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    eager_before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield sink
    finally:
        app.conf.task_always_eager = eager_before
        sink.stop()


def test_a_reader_signs_up_from_the_promo_box_without_waiting(site, page, sink):
    article = Article.objects.filter(duplicate_of__isnull=True).order_by("-published_at").first()
    assert page.goto(f"/story/{article.id}-{article.slug}/").status == 200
    page.fill("#nl-email", "mara.quill@tidemail.net")
    page.click(".promo-newsletter button[type=submit]")
    page.wait_for_url("**/newsletter/?email=*")
    assert page.input_value("#id_email") == "mara.quill@tidemail.net"
    page.click(".signup-form button[type=submit]")  # at once
    assert page.locator("h1").inner_text() == "Check your inbox"
    assert [m.rcpt_tos for m in sink.messages] == [["mara.quill@tidemail.net"]]

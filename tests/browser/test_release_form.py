"""The news-release form in headless Chromium: fill it in, attach a photo, see a field error
that keeps everything typed and the photo, check the release, send it, and confirm it from the
real email, all under the site's Content-Security-Policy."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache

from tests.browser.helpers import screenshot
from tests.mailsink import MailSink
from tests.releases.conftest import ABOUT, BODY, camera_exif, jpeg_bytes
from tests.web.factories import make_brand
from wiredesk.releases.forms import STAMP_MIN_SECONDS
from wiredesk.releases.models import Submission
from tests.caches import clear_caches

pytestmark = pytest.mark.browser

EMAIL = "secretary@harbourrowing.org"
_CSP_LISTENER = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
});
"""


@pytest.fixture
def release_site(transactional_db, site_server, settings, tmp_path):
    """A brand on localhost, uploads in a temporary folder, mail to a real SMTP server, eager tasks."""
    from wiredesk.project.celery import app

    clear_caches()
    brand = make_brand("Harbour Telegraph", ["localhost"], time_zone="Australia/Sydney")
    settings.MEDIA_ROOT = tmp_path / "media"
    sink = MailSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.PUBLIC_SCHEME, settings.PUBLIC_PORT = "http", str(urlsplit(site_server.url).port)
    eager_before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield brand, sink
    finally:
        app.conf.task_always_eager = eager_before
        sink.stop()
        clear_caches()


def wait_like_a_person(page) -> None:
    """The time trap refuses forms sent within a few seconds of being shown."""
    page.wait_for_timeout(STAMP_MIN_SECONDS * 1000 + 300)


def test_fill_in_fix_an_error_check_send_and_confirm(release_site, page, tmp_path):
    brand, sink = release_site
    photo = tmp_path / "IMG_2041.jpg"
    photo.write_bytes(jpeg_bytes((900, 600), exif=camera_exif(orientation=6)))
    page.add_init_script(_CSP_LISTENER)
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))

    response = page.goto("/releases/submit/")
    assert response.status == 200
    assert page.locator("h1").inner_text() == "Submit a news release"
    page.select_option("#id_category", "community")
    page.fill("#id_headline", "Harbour Rowing Club opens its new boathouse")
    page.fill("#id_dateline_place", "Port Ellis")
    page.fill("#id_body", BODY)
    page.fill("#id_about", ABOUT)
    page.fill("#id_website", "https://rowing.example.org/")
    page.fill("#id_contact_name", "Mara Quinlan")
    page.fill("#id_contact_organisation", "Harbour Rowing Club")
    page.fill("#id_contact_email", "secretary at rowing")  # the mistake
    page.fill("#id_contact_phone", "+61 2 5550 1234")
    page.set_input_files("#id_image_1", str(photo))
    page.fill("#id_caption_1", "Rowers carry a boat down the new ramp")
    page.fill("#id_credit_1", "Photo: J. Lee")
    wait_like_a_person(page)
    page.get_by_role("button", name="Send").click()

    # The error is beside the field; everything typed is still there, the photo included.
    page.wait_for_selector("#id_contact_email_error")
    assert "Enter an email address such as name@example.com." in page.locator("#id_contact_email_error").inner_text()
    assert page.locator("#id_contact_email").get_attribute("aria-invalid") == "true"
    alert = page.get_by_role("alert")
    assert alert.inner_text().startswith("Please correct what is marked below")
    alert.get_by_role("link", name="Email address").click()  # the summary leads to the field
    assert page.evaluate("() => document.activeElement.id") == "id_contact_email"
    assert page.input_value("#id_headline") == "Harbour Rowing Club opens its new boathouse"
    assert page.input_value("#id_body").strip() == BODY.strip()
    assert page.input_value("#id_contact_email") == "secretary at rowing"
    assert page.input_value("#id_contact_phone") == "+61 2 5550 1234"
    assert page.input_value("#id_category") == "community"
    assert page.input_value("#id_caption_1") == "Rowers carry a boat down the new ramp"
    assert page.input_value("#id_credit_1") == "Photo: J. Lee"
    thumb = page.get_by_role("img", name="Image 1 as uploaded")
    assert thumb.is_visible()
    # Decoded under the CSP (img-src allows data:), and upright: the camera's orientation was applied.
    size = thumb.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert size[0] > 0 and size[1] > size[0], size
    assert page.locator("#id_image_1").count() == 0  # its place holds the kept photo
    assert "600 x 900 pixels" in page.locator(".draft-image").inner_text()
    screenshot(page, "release-form-error")
    assert not Submission.objects.exists() and sink.messages == []

    # Fixed, then checked: the results come above the form, nothing is sent yet.
    page.fill("#id_contact_email", EMAIL)
    wait_like_a_person(page)
    page.get_by_role("button", name="Check my release").click()
    results = page.locator(".check-results")
    results.wait_for()
    assert results.locator("h2").inner_text() == "Checks of your release"
    marks = results.locator(".check-mark").all_inner_texts()
    assert marks and {m.strip().upper() for m in marks} == {"OK"}, results.inner_text()
    assert page.get_by_role("img", name="Image 1 as uploaded").is_visible()
    assert not Submission.objects.exists()

    wait_like_a_person(page)
    page.get_by_role("button", name="Send").click()
    page.wait_for_selector("h1:has-text('Check your inbox')")
    submission = Submission.objects.get()
    assert submission.status == Submission.Status.UNVERIFIED and submission.contact_email == EMAIL
    (image,) = submission.images.all()
    assert (image.caption, image.credit, image.width, image.height) == (
        "Rowers carry a boat down the new ramp", "Photo: J. Lee", 600, 900)
    assert re.fullmatch(r"releases/[0-9a-f]{32}\.jpg", image.file.name)

    # The real email's link, opened in the browser: a button, then the status page.
    (received,) = sink.to(EMAIL)
    text = received.message.get_body(("plain",)).get_content()
    verify = re.search(r"http://localhost:\d+/releases/verify/[^/\s]+/", text)[0]
    page.goto(verify)
    assert page.locator(".release-headline").inner_text() == "Harbour Rowing Club opens its new boathouse"
    page.get_by_role("button", name="Confirm my release").click()
    page.wait_for_selector("h1:has-text('your release is with the editors')")
    submission.refresh_from_db()
    assert submission.status == Submission.Status.RECEIVED and submission.verified_at is not None
    page.get_by_role("link", name="Status of this release").click()
    page.wait_for_selector(".release-status")
    assert page.locator(".release-status").inner_text().strip() == "Received."
    screenshot(page, "release-status")

    assert page.evaluate("() => window.__csp") == []
    assert problems == []

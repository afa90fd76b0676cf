"""Fixtures every test gets."""

import pytest
from django.core.cache import caches

from tests.mailsink import MailSink


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Pages, the rail and the host -> brand map live in the caches, keyed by row ids that a
    # rolled-back test hands to the next one: nothing cached by one test may answer another.
    for alias in ("default", "pages"):
        caches[alias].clear()
    yield
    for alias in ("default", "pages"):
        caches[alias].clear()


@pytest.fixture
def eager(settings):
    """Celery tasks run in the calling process, at once."""
    from wiredesk.project.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def mail_sink(settings):
    """A real SMTP server on loopback (aiosmtpd), with Django's SMTP backend pointed at it."""
    sink = MailSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DIGEST = {**settings.DIGEST, "rate": 0}
    try:
        yield sink
    finally:
        sink.stop()

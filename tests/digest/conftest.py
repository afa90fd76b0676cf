"""Fixtures for the daily-email tests: a real SMTP server and the settings that point at it."""

import pytest

from tests.mailsink import MailSink


@pytest.fixture
def mail_sink(settings):
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

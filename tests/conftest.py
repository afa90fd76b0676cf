"""Fixtures every test gets."""

import itertools
import os
from pathlib import Path

import pytest
from django.core.cache import caches
from hypothesis import settings as hypothesis_settings

from tests.mailsink import MailSink

# CI (.ci/run) replays the same generated examples on every run, so a result never depends on
# the draw; `HYPOTHESIS_PROFILE=explore make test` searches wider and at random.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.register_profile("explore", max_examples=500)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_configure(config):
    # The suite runs in several processes (pytest-xdist; scripts/test.sh). The file cache, the
    # media folder, the queue and the outbox live in WIREDESK_DATA_DIR, so each process gets a
    # folder of its own inside it. It has to be in the process's environment when it starts:
    # pytest-django reads the settings before any conftest of the process runs. (Hand-written
    # --tx specs are left as they are.)
    specs = getattr(config.option, "tx", None)
    if specs and not os.environ.get("PYTEST_XDIST_WORKER") and all(spec == "popen" for spec in specs):
        base = Path(os.environ.get("WIREDESK_DATA_DIR") or "data").expanduser().resolve()
        config.option.tx = [f"popen//env:WIREDESK_DATA_DIR={base / f'process-{n}'}" for n in range(len(specs))]


@pytest.fixture(autouse=True)
def _fresh_sequence():
    # tests.web.factories.store publishes its n-th article n minutes ago: counted per test,
    # or a test late in a long run gets stories days old (outside the daily email's window).
    from tests.web import factories

    factories._seq = itertools.count(1)


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Pages, the rail and the host -> brand map live in the caches, keyed by row ids that a
    # rolled-back test hands to the next one: nothing cached by one test may answer another.
    for alias in ("default", "pages"):
        caches[alias].clear()
    yield
    for alias in ("default", "pages"):
        caches[alias].clear()


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    # Django's default hasher costs about 0.3 s a password on purpose; a sign-in that fails
    # (no such user included) pays it too. Tests that sign in hundreds of times (the open
    # redirect and lockout properties) took minutes on it. What they test does not depend on
    # the hasher; the processes the process-level tests start keep the real one. Once for the
    # session, outside every test's own `settings` changes (a per-test fixture on `settings`
    # moved its restore after other fixtures' teardown, which then saw a test's caches).
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


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


@pytest.fixture
def staff(client, django_user_model):
    """A test client logged in as a superuser (admin pages)."""
    user = django_user_model.objects.create_superuser("editor", "", "a-long-test-password")
    client.force_login(user)
    return client

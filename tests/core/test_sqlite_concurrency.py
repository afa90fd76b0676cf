"""The embedded SQLite default under several writing processes: no "database is locked"."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = [pytest.mark.sqlite_only, pytest.mark.slow]

WRITER = textwrap.dedent(
    """
    import hashlib, os, sys, django
    django.setup()
    from django.db import transaction
    from django.utils import timezone
    from wiredesk.sources.models import Source
    from wiredesk.stories.models import Article

    me = sys.argv[1]
    source = Source.objects.get(feed_url="https://soak.example/feed")
    for i in range(int(sys.argv[2])):
        # Read-then-write transactions are the ones that fail without IMMEDIATE mode:
        # a reader cannot upgrade to a writer while another process writes.
        with transaction.atomic():
            n = Article.objects.filter(source=source).count()
            Article.objects.create(
                source=source, guid=f"{me}-{i}", guid_key=hashlib.sha256(f"{me}-{i}".encode()).hexdigest(), slug="s",
                title=f"row {n}", body_html="<p>x</p>", published_at=timezone.now(), section="world",
                fingerprint="f" * 64, raw_hash="r" * 64,
            )
            Source.objects.filter(id=source.id).update(last_checked_at=timezone.now())
    print("ok", me)
    """
)


def test_parallel_writers_never_see_a_locked_database(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL"}}
    env.update(WIREDESK_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="wiredesk.project.settings")
    # A short busy timeout still suffices: writers queue on the lock rather than deadlock.
    env["WIREDESK_SQLITE_TIMEOUT"] = "20"
    wiredesk = [sys.executable, "-m", "wiredesk"]
    subprocess.run([*wiredesk, "migrate", "--noinput"], env=env, check=True, capture_output=True)
    setup = "import django; django.setup(); from wiredesk.sources.models import Source; Source.objects.create(name='soak', credit='soak', feed_url='https://soak.example/feed')"
    subprocess.run([sys.executable, "-c", setup], env=env, check=True)

    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, f"w{n}", "150"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for n in range(4)
    ]
    results = [w.communicate(timeout=240) for w in writers]
    errors = [err for _, err in results if err.strip()]
    assert not any("locked" in e for e in errors), errors
    assert [w.returncode for w in writers] == [0, 0, 0, 0], errors
    count = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from wiredesk.stories.models import Article; print(Article.objects.count())"],
        env=env, check=True, capture_output=True, text=True,
    )
    assert count.stdout.strip() == "600"

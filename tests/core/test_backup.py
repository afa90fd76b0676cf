"""wiredesk backup / restore on the default install: a backup taken while ingest writes holds
everything committed before it began, and restores into a fresh installation."""

from __future__ import annotations

import io
import json
import secrets
import subprocess
import tarfile
import textwrap
import time

import pytest

from tests.core.test_run import WIREDESK, clean_env, query, wiredesk
from tests.mailsink import MailSink
from wiredesk.demo.server import DemoWireServer

pytestmark = pytest.mark.timeout(240)

# Rows an editor and readers make, written through the ORM in a process of its own.
PEOPLE = textwrap.dedent("""
    import datetime as dt
    from django.core.files.base import ContentFile
    from django.utils import timezone
    from wiredesk.brands.models import Brand
    from wiredesk.digest.models import Delivery, Edition, Subscriber
    from wiredesk.releases.models import Submission, SubmissionImage
    brand = Brand.objects.order_by("id").first()
    subs = [Subscriber.objects.create(brand=brand, email=f"reader{i}@example.com", status="confirmed") for i in range(3)]
    now = timezone.now()
    edition = Edition.objects.create(brand=brand, date=now.date(), since=now - dt.timedelta(days=1), cutoff=now,
                                     subject="Morning edition")
    for s in subs:
        Delivery.objects.create(edition=edition, subscriber=s, state="sent", sent_at=now)
    release = Submission.objects.create(brand=brand, category="business", headline="Bakery opens on Quay Street",
                                        body="<p>The Quay Street bakery opens on Monday.</p>", status="published")
    import io
    from PIL import Image
    png = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 120, 40)).save(png, "PNG")
    image = SubmissionImage(submission=release, width=4, height=3)
    image.file.save("bakery.png", ContentFile(png.getvalue()), save=False)
    image.width, image.height = 4, 3
    image.save()
""")


def counts(db) -> dict[str, int]:
    tables = ("stories_article", "digest_subscriber", "digest_delivery", "releases_submission", "releases_submissionimage")
    return {t: query(db, f"SELECT COUNT(*) FROM {t}")[0][0] for t in tables}


def ids(db) -> set[int]:
    return {row[0] for row in query(db, "SELECT id FROM stories_article")}


# Its processes use their own SQLite data folder whatever the suite runs on: once is enough.
@pytest.mark.sqlite_only
def test_a_backup_taken_during_ingest_restores_everything_committed_before_it(tmp_path):
    live, fresh = tmp_path / "live", tmp_path / "fresh"
    env, env2 = clean_env(live), clean_env(fresh)
    wires = DemoWireServer(port=0, interval=1)
    writer = None
    try:
        wiredesk(env, "migrate", "--noinput", "-v", "0")
        wiredesk(env, "demo_load", "--wires-url", wires.url(""))
        wiredesk(env, "fetch", "--all", timeout=120)
        wiredesk(env, "shell", "-c", PEOPLE)
        # Ingest goes on while the backup is taken: a loop of fetches in another process.
        writer = subprocess.Popen(
            ["bash", "-c", f"while true; do {WIREDESK} fetch --all >/dev/null 2>&1; sleep 0.2; done"], env=env,
            start_new_session=True)
        time.sleep(2)
        db = live / "wiredesk.sqlite3"
        before, before_ids = counts(db), ids(db)
        assert before["stories_article"] > 0 and before["digest_delivery"] == 3 and before["releases_submissionimage"] == 1
        out = wiredesk(env, "backup", str(tmp_path / "site.backup"), timeout=120)
        assert out.startswith(f"backup written to {tmp_path / 'site.backup'}")
    finally:
        if writer is not None:
            subprocess.run(["pkill", "-g", str(writer.pid)])
            writer.wait()
        wires.stop()
    after_ids = ids(db)
    with tarfile.open(tmp_path / "site.backup") as tar:
        names = set(tar.getnames())
    assert {"manifest.json", "database.sqlite3"} <= names and any(n.startswith("media/") for n in names)

    # Into a brand-new installation.
    wiredesk(env2, "migrate", "--noinput", "-v", "0")
    out = wiredesk(env2, "restore", str(tmp_path / "site.backup"), timeout=120)
    assert out.startswith("restored ") and "1 media files" in out
    restored_db = fresh / "wiredesk.sqlite3"
    restored = counts(restored_db)
    assert before_ids <= ids(restored_db) <= after_ids  # nothing committed before it is missing
    for table in ("digest_subscriber", "digest_delivery", "releases_submission", "releases_submissionimage"):
        assert restored[table] == before[table], table
    image_name = query(restored_db, "SELECT file FROM releases_submissionimage")[0][0]
    assert (fresh / "media" / image_name).read_bytes() == (live / "media" / image_name).read_bytes()
    # The restored site is searchable: every restored article has its index row.
    checked = subprocess.run([str(WIREDESK), "search_reindex", "--check"], env=env2, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    # Reliability D4: the restored site sends no edition again and publishes nothing twice.
    # The edition's sender runs on it (as a task left over, or redelivered, would), with a
    # real SMTP server listening; then the same wires are fetched again.
    sink = MailSink().start()
    port = int(wires.url("").rstrip("/").rsplit(":", 1)[1])
    again = DemoWireServer(port=port, interval=1)
    try:
        mail_env = {**env2, "WIREDESK_EMAIL_BACKEND": "smtp", "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(sink.port),
                    "WIREDESK_TASKS_EAGER": "1"}
        wiredesk(mail_env, "shell", "-c", "from wiredesk.digest.models import Edition; "
                 "from wiredesk.digest.services.sending import edition_send; "
                 "[edition_send(edition_id=e.id) for e in Edition.objects.all()]", timeout=120)
        wiredesk(env2, "fetch", "--all", timeout=120)
    finally:
        again.stop()
        sink.stop()
    assert sink.messages == []  # every recipient of the restored edition had it already
    assert query(restored_db, "SELECT COUNT(*) FROM digest_delivery WHERE state != 'sent'") == [(0,)]
    doubled = query(restored_db, "SELECT source_id, guid FROM stories_article GROUP BY source_id, guid HAVING COUNT(*) > 1")
    assert doubled == [] and before_ids <= ids(restored_db)


# Its processes use their own SQLite data folder whatever the suite runs on: once is enough.
@pytest.mark.sqlite_only
@pytest.mark.parametrize("content, message", [
    (None, "no backup file at"),
    (b"just some bytes", "cannot read"),
])
def test_restore_refuses_what_is_not_a_backup_with_one_line(tmp_path, content, message):
    env = clean_env(tmp_path / "data")
    wiredesk(env, "migrate", "--noinput", "-v", "0")
    target = tmp_path / "thing.backup"
    if content is not None:
        target.write_bytes(content)
    done = subprocess.run([str(WIREDESK), "restore", str(target)], env=env, capture_output=True, text=True)
    assert done.returncode != 0 and message in done.stderr and "Traceback" not in done.stderr


# Its processes use their own SQLite data folder whatever the suite runs on: once is enough.
@pytest.mark.sqlite_only
def test_restore_refuses_a_tar_with_an_entry_outside_the_media_folder(tmp_path):
    env = clean_env(tmp_path / "data")
    wiredesk(env, "migrate", "--noinput", "-v", "0")
    wiredesk(env, "backup", str(tmp_path / "good.backup"))
    evil = tmp_path / "evil.backup"
    with tarfile.open(tmp_path / "good.backup") as src, tarfile.open(evil, "w") as dst:
        for member in src.getmembers():
            dst.addfile(member, src.extractfile(member))
        payload = tmp_path / "payload"
        payload.write_text("x")
        dst.add(payload, arcname="media/../../escaped")
    done = subprocess.run([str(WIREDESK), "restore", str(evil)], env=env, capture_output=True, text=True)
    assert done.returncode != 0 and "unsafe entry" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "escaped").exists()


@pytest.mark.django_db
def test_backup_and_restore_on_postgresql_with_pg_dump(tmp_path):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass of `make test`")
    import psycopg

    s = connection.settings_dict
    server = f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}"
    names = [f"wiredesk_backup_{secrets.token_hex(4)}" for _ in range(2)]
    with psycopg.connect(f"{server}/{s['NAME']}", autocommit=True) as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
    envs = [clean_env(tmp_path / name, DATABASE_URL=f"{server}/{name}") for name in names]
    wires = DemoWireServer(port=0, interval=3600)
    try:
        for env in envs:
            wiredesk(env, "migrate", "--noinput", "-v", "0", timeout=120)
        wiredesk(envs[0], "demo_load", "--wires-url", wires.url(""))
        wiredesk(envs[0], "fetch", "--all", timeout=120)
        wiredesk(envs[0], "shell", "-c", PEOPLE)
        wiredesk(envs[0], "backup", str(tmp_path / "pg.backup"), timeout=120)
        out = wiredesk(envs[1], "restore", str(tmp_path / "pg.backup"), timeout=120)
        assert out.startswith("restored ") and "1 media files" in out
        tables = ("stories_article", "digest_subscriber", "digest_delivery", "releases_submission", "search_document")
        found = []
        for name in names:
            with psycopg.connect(f"{server}/{name}") as db:
                found.append({t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables})
        assert found[0] == found[1] and found[0]["stories_article"] > 0 and found[0]["digest_delivery"] == 3
    finally:
        wires.stop()
        with psycopg.connect(f"{server}/{s['NAME']}", autocommit=True) as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _rewrite_manifest(src, dst, change) -> None:
    with tarfile.open(src) as old, tarfile.open(dst, "w") as new:
        for member in old.getmembers():
            data = old.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest).encode()
                member.size = len(data)
            new.addfile(member, io.BytesIO(data))


# Its processes use their own SQLite data folder whatever the suite runs on: once is enough.
@pytest.mark.sqlite_only
def test_a_backup_records_its_schema_and_a_newer_one_is_refused_before_anything_changes(tmp_path):
    env = clean_env(tmp_path / "data")
    wiredesk(env, "migrate", "--noinput", "-v", "0")
    wiredesk(env, "shell", "-c", "from wiredesk.brands.models import Brand; Brand.objects.create(name='Kept', hosts=['kept.test'])")
    wiredesk(env, "backup", str(tmp_path / "now.backup"))
    with tarfile.open(tmp_path / "now.backup") as tar:
        recorded = json.loads(tar.extractfile("manifest.json").read())["migrations"]
    assert "core.0001_outbox" in recorded and "stories.0001_initial" in recorded

    _rewrite_manifest(tmp_path / "now.backup", tmp_path / "future.backup",
                      lambda m: m["migrations"].append("stories.9999_from_the_future"))
    wiredesk(env, "shell", "-c", "from wiredesk.brands.models import Brand; Brand.objects.create(name='Later', hosts=['later.test'])")
    done = subprocess.run([str(WIREDESK), "restore", str(tmp_path / "future.backup")], env=env, capture_output=True, text=True)
    assert done.returncode != 0 and "newer version of wiredesk" in done.stderr and "stories.9999_from_the_future" in done.stderr
    assert "Traceback" not in done.stderr
    names = {row[0] for row in query(tmp_path / "data" / "wiredesk.sqlite3", "SELECT name FROM brands_brand")}
    assert names == {"Kept", "Later"}  # refused before anything was touched


# Its processes use their own SQLite data folder whatever the suite runs on: once is enough.
@pytest.mark.sqlite_only
def test_an_older_backup_is_restored_and_migrate_brings_it_up_to_date(tmp_path):
    old_env, new_env = clean_env(tmp_path / "old"), clean_env(tmp_path / "new")
    wiredesk(old_env, "migrate", "--noinput", "-v", "0")
    wiredesk(old_env, "migrate", "core", "zero", "--noinput", "-v", "0")  # as before the outbox existed
    wiredesk(old_env, "shell", "-c", "from wiredesk.brands.models import Brand; Brand.objects.create(name='Old', hosts=['old.test'])")
    wiredesk(old_env, "backup", str(tmp_path / "old.backup"))
    wiredesk(new_env, "migrate", "--noinput", "-v", "0")
    out = wiredesk(new_env, "restore", str(tmp_path / "old.backup"), timeout=120)
    assert "run `wiredesk migrate`" in out and "1 migrations to apply" in out
    wiredesk(new_env, "migrate", "--noinput", "-v", "0")
    assert wiredesk(new_env, "showmigrations", "core").count("[X]") == 1
    assert query(tmp_path / "new" / "wiredesk.sqlite3", "SELECT name FROM brands_brand") == [("Old",)]

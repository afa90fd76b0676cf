"""The index never drifts from the articles on its own, and `search_reindex --check` says when
something else made it drift: run through the real command line, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import sqlite3
import subprocess

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.core.test_run import WIREDESK, clean_env, wiredesk
from tests.loopback import LoopbackServer, Reply
from tests.search.conftest import assert_indexed_once, make_article, make_source
from wiredesk.core.http import GuardedClient
from wiredesk.ingest.services import source_refresh
from wiredesk.ingest.store import WRITE_BATCH
from wiredesk.sources.models import Source
from wiredesk.stories.models import Article

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)


def check() -> tuple[int, str]:
    """`search_reindex --check`: the exit status the command line gives (a CommandError's
    returncode) and what it printed."""
    out = io.StringIO()
    try:
        call_command("search_reindex", "--check", stdout=out)
        status = 0
    except CommandError as exc:
        status = exc.returncode
        out.write(f"{exc}\n")
    return status, out.getvalue()


def test_check_reports_each_kind_of_drift_and_exits_non_zero():
    source = make_source()
    kept = [make_article(source, f"Ferry timetable {n}", "The winter timetable starts in May.") for n in range(3)]
    assert check() == (0, "search index: 3 rows for 3 articles\nno drift\n")

    unindexed = make_article(source, "Harbour dredging delayed", "Silt again.", index=False)
    status, out = check()
    assert status == 1 and f"articles missing from the index: 1 (ids {unindexed.id})" in out
    assert "the search index has drifted" in out

    Article.objects.filter(id=kept[0].id).delete()  # behind the index's back
    Article.objects.filter(id=kept[1].id).update(title="Ferry timetable withdrawn")
    status, out = check()
    assert status == 1
    assert f"articles missing from the index: 1 (ids {unindexed.id})" in out
    assert f"index rows whose article is gone: 1 (ids {kept[0].id})" in out
    assert f"index rows with another title than their article: 1 (ids {kept[1].id})" in out

    out = io.StringIO()
    call_command("search_reindex", stdout=out)
    assert "search index rebuilt: 3 articles" in out.getvalue()
    assert check() == (0, "search index: 3 rows for 3 articles\nno drift\n")


def test_check_lists_a_few_ids_and_counts_the_rest():
    source = make_source()
    ids = [make_article(source, f"Quay works {n}", "Night shifts.", index=False).id for n in range(13)]
    status, out = check()
    assert status == 1
    assert f"articles missing from the index: 13 (ids {', '.join(map(str, ids[:10]))} and 3 more)" in out


@pytest.mark.django_db(transaction=True)
def test_the_command_line_exits_1_on_drift_and_0_without(tmp_path):
    """The real `wiredesk` program in a process of its own, on the database this suite runs on."""
    data = tmp_path / "data"
    if connection.vendor == "postgresql":  # this test's database, its rows committed
        db = connection.settings_dict
        env = clean_env(data, DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}")

        def add_orphan_row() -> None:
            with connection.cursor() as cursor:
                cursor.execute("INSERT INTO search_document (article_id, title, body, published_at) VALUES (987654, 'Gone', 'Gone', now())")
    else:  # the suite's SQLite database lives in memory: a database file of its own
        env = clean_env(data)
        wiredesk(env, "migrate", "--noinput", "-v", "0", timeout=120)

        def add_orphan_row() -> None:
            with sqlite3.connect(data / "wiredesk.sqlite3") as con:
                con.execute("INSERT INTO search_fts (rowid, title, body) VALUES (987654, 'Gone', 'Gone')")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(WIREDESK), "search_reindex", *args], env=env, capture_output=True, text=True, timeout=60)

    # From a rebuilt index: rows another test's process committed to this database may be there.
    assert run().returncode == 0
    clean = run("--check")
    assert (clean.returncode, clean.stdout.splitlines()[-1]) == (0, "no drift"), clean.stdout + clean.stderr
    add_orphan_row()
    drifted = run("--check")
    assert drifted.returncode == 1, drifted.stdout + drifted.stderr
    assert "index rows whose article is gone: 1 (ids 987654)" in drifted.stdout
    assert "the search index has drifted" in drifted.stderr
    assert run().returncode == 0  # a rebuild
    assert run("--check").returncode == 0


# --- a refresh that fails while writing the index -----------------------------------------

POISON = "Quarantine"  # index rows whose title holds this fail as on a full disk


def fail_index_writes() -> None:
    """A real failing write: the database refuses index rows of poisoned titles."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":  # the FTS5 table keeps its text in a shadow table
            cursor.execute(f"CREATE TRIGGER test_refuse_poison BEFORE INSERT ON search_fts_content "
                           f"WHEN NEW.c0 LIKE '%{POISON}%' BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
        else:
            cursor.execute(f"""CREATE FUNCTION test_refuse_poison() RETURNS trigger AS $$ BEGIN
                IF NEW.title LIKE '%{POISON}%' THEN
                    RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full';
                END IF; RETURN NEW; END $$ LANGUAGE plpgsql""")
            cursor.execute("CREATE TRIGGER test_refuse_poison BEFORE INSERT OR UPDATE ON search_document "
                           "FOR EACH ROW EXECUTE FUNCTION test_refuse_poison()")


def mend_disk() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER test_refuse_poison")
        else:
            cursor.execute("DROP TRIGGER test_refuse_poison ON search_document")
            cursor.execute("DROP FUNCTION test_refuse_poison()")


def feed(count: int, poisoned: int) -> str:
    items = "".join(
        f"""<item><guid>quay-{n}</guid><title>{POISON if n == poisoned else "Quay"} report {n}</title>
<link>https://ledger.example/quay/{n}</link><pubDate>Thu, 19 Nov 2026 08:{n % 60:02d}:00 +0000</pubDate>
<description>Dock {n} reopened after the storm; the ferries run to the winter timetable.</description></item>"""
        for n in range(count)
    )
    return f"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Quayside Ledger</title>
<link>https://ledger.example/</link><description>d</description>{items}</channel></rss>"""


def test_a_refresh_whose_index_write_fails_leaves_nothing_stored_unsearchable():
    count = WRITE_BATCH + 5  # the failure comes after a first batch was stored
    http = GuardedClient(allow_networks=("127.0.0.1/32",), deadline=5, connect_timeout=2)
    with LoopbackServer() as srv:
        body = feed(count, poisoned=count - 2)
        # The feed answers a matching If-None-Match with 304: a refresh that lost items must not
        # keep the validators, or the next poll would be told "not modified" and never store them.
        srv.route("/feed.xml", lambda req: Reply(304, b"", {"ETag": '"v1"'}) if req.headers.get("if-none-match") == '"v1"'
                  else Reply(200, body, {"Content-Type": "application/rss+xml", "ETag": '"v1"'}))
        source = Source.objects.create(name="Quayside Ledger", credit="Quayside Ledger", feed_url=srv.url("/feed.xml"))
        fail_index_writes()
        first = source_refresh(source_id=source.id, client=http, now=NOW)
        if connection.vendor == "postgresql":
            # The server says the disk is full: the refresh stops at the batch it could not
            # write, with a storage error on the source; the batch before it is stored.
            assert first.status == "error" and first.error.startswith("storage: the data could not be written")
            assert (first.new, first.failed_items) == (WRITE_BATCH, 0)
        else:
            # SQLite's trigger can only refuse the row (a constraint error, not a full disk): that
            # batch is not kept and the refresh goes on with the rest.
            assert first.status == "ok" and first.failed_items >= 1 and first.new >= 1
            assert first.new + first.failed_items == count
        assert not Article.objects.filter(title__contains=POISON).exists()
        assert_indexed_once()  # whatever was stored is searchable
        assert check()[0] == 0

        mend_disk()
        second = source_refresh(source_id=source.id, client=http, now=NOW + dt.timedelta(hours=1))
        assert (second.status, second.failed_items, second.updated) == ("ok", 0, 0)
        assert (second.new, second.unchanged) == (count - first.new, first.new)
    assert Article.objects.count() == count
    assert_indexed_once()
    assert check()[0] == 0

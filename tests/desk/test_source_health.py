"""Source health: every refresh counted per day, alerts raised once and cleared on recovery
(emailed through a real SMTP server), and the health page's charts drawn on the server.

Feeds come from a real loopback server through the whole pipeline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from tests.loopback import LoopbackServer, Reply
from tests.web.factories import make_brand
from wiredesk.core.http import GuardedClient
from wiredesk.desk.services.alerts import Rules, alerts_check, failing, silent
from wiredesk.ingest.services import source_refresh
from wiredesk.sources.charts import HEIGHT, WIDTH, bar_chart, line_chart
from wiredesk.sources.models import Source, SourceAlert, SourceDay
from wiredesk.sources.services import source_day_count, source_set_enabled

pytestmark = pytest.mark.django_db

RULES = Rules(failing_hours=6, silent_factor=4, silent_min_hours=6, silent_min_items=10, window_days=14)


def _rss(*titles: str) -> str:
    items = "".join(
        f"<item><title>{t}</title><link>https://tern.example/{n}</link><guid>tern-{n}</guid>"
        f"<pubDate>Tue, 01 Dec 2026 0{n % 10}:00:00 +0000</pubDate>"
        f"<description>&lt;p&gt;{t} and what the Ternmouth council said of it on Monday.&lt;/p&gt;</description></item>"
        for n, t in enumerate(titles))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Ternmouth Wire</title>{items}</channel></rss>'


@pytest.fixture
def wire():
    with LoopbackServer() as server:
        state = {"status": 200, "titles": ["Ferry timetable changes for winter", "Harbour dredging begins"]}
        server.route("/feed.xml", lambda req: Reply(state["status"], _rss(*state["titles"]),
                                                    {"Content-Type": "application/rss+xml"}))
        source = Source.objects.create(name="Ternmouth Wire", credit="Ternmouth", feed_url=server.url("/feed.xml"))
        yield source, state


CLIENT = GuardedClient(allow_networks=("127.0.0.1/32",), deadline=10, connect_timeout=2)


def test_every_refresh_is_counted_in_the_days_row(wire):
    source, state = wire
    now = timezone.now()
    if (now + dt.timedelta(minutes=3)).date() != now.date():  # the three refreshes in one UTC day
        now -= dt.timedelta(minutes=5)
    assert source_refresh(source_id=source.id, client=CLIENT, now=now).new == 2
    state["status"] = 503
    assert source_refresh(source_id=source.id, client=CLIENT, now=now + dt.timedelta(minutes=1)).status == "error"
    state["status"] = 200
    state["titles"].append("Lifeboat crew wins regional award")
    assert source_refresh(source_id=source.id, client=CLIENT, now=now + dt.timedelta(minutes=2)).new == 1
    row = SourceDay.objects.get(source=source)
    assert (row.checks, row.errors, row.new_items, row.timed) == (3, 1, 3, 2)
    assert 0 < row.seconds_max < 10 and row.seconds_total >= row.seconds_max
    assert Source.objects.get(id=source.id).last_new_at == now + dt.timedelta(minutes=2)


def test_counts_from_several_refreshes_add_up_and_days_stay_apart(wire):
    source, _state = wire
    late = dt.datetime(2026, 12, 3, 23, 59, 59, tzinfo=dt.timezone.utc)
    for _ in range(3):
        source_day_count(source_id=source.id, at=late, new_items=2, seconds=0.5)
    source_day_count(source_id=source.id, at=late + dt.timedelta(seconds=2), error=True)
    rows = {r.day: r for r in SourceDay.objects.filter(source=source)}
    assert rows[dt.date(2026, 12, 3)].checks == 3 and rows[dt.date(2026, 12, 3)].new_items == 6
    assert rows[dt.date(2026, 12, 3)].mean_seconds == pytest.approx(0.5)
    assert (rows[dt.date(2026, 12, 4)].errors, rows[dt.date(2026, 12, 4)].mean_seconds) == (1, None)


# --- the rules -------------------------------------------------------------------------------

def _source(**fields) -> Source:
    base = {"name": "Wire", "credit": "W", "feed_url": "https://w.example/feed", "consecutive_errors": 0}
    source = Source(**{**base, **fields})
    source.created_at = fields.get("created_at", dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc))
    return source


NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.timezone.utc)


def test_failing_counts_from_when_the_failures_began_and_spares_an_editors_pause():
    began = NOW - dt.timedelta(hours=7)

    def said(**fields) -> str:
        return failing(source=_source(**fields), now=NOW, rules=RULES)

    assert said(consecutive_errors=3, failing_since=began, last_success_at=began,
                last_error="timeout").startswith("every refresh for 7 hours failed (3 in a row; last: timeout")
    assert said(consecutive_errors=3, failing_since=NOW - dt.timedelta(hours=5)) == ""
    assert said(consecutive_errors=0, last_success_at=began) == ""
    # One failure is no alert, however long ago the last success was (a feed polled twice a day).
    assert said(consecutive_errors=1, failing_since=NOW - dt.timedelta(hours=12),
                last_success_at=NOW - dt.timedelta(hours=24)) == ""
    # Resumed after a week's pause, then one failure: a new run, not a week of failure.
    assert said(consecutive_errors=2, failing_since=NOW - dt.timedelta(minutes=10),
                last_success_at=NOW - dt.timedelta(days=7)) == ""
    # An editor's pause is no failure, whatever the reason's wording...
    assert said(consecutive_errors=3, failing_since=began, enabled=False,
                paused_reason="paused: waiting for the new address") == ""
    # ...a pause by the scheduler (410 Gone, a poison feed) is one someone must see.
    assert said(consecutive_errors=1, failing_since=began, enabled=False, last_status=410,
                paused_reason="paused: the feed answered 410 Gone")
    assert said(consecutive_errors=3, consecutive_crashes=3, failing_since=began, enabled=False)
    assert "since it was added" in said(consecutive_errors=9, created_at=NOW - dt.timedelta(days=1))


@given(items=st.integers(min_value=0, max_value=5000), span=st.floats(min_value=1, max_value=24 * 14),
       quiet=st.floats(min_value=0, max_value=24 * 60), unpolled=st.floats(min_value=0, max_value=24 * 10))
def test_silence_is_measured_against_the_sources_own_rate_up_to_its_last_answer(items, span, quiet, unpolled):
    checked = NOW - dt.timedelta(hours=unpolled)  # its last successful refresh
    said = silent(last_new_at=checked - dt.timedelta(hours=quiet), checked_at=checked, items=items,
                  span_hours=span, rules=RULES)
    if items < RULES.silent_min_items:
        assert said == ""  # no usual rate yet
    else:
        limit = max(RULES.silent_min_hours, RULES.silent_factor * span / items)
        # (a margin around the limit: the hours are compared through a timedelta)
        if quiet > limit + 1e-3:
            assert said.startswith("no new article for")
        elif quiet < limit - 1e-3:
            assert said == ""  # however long wiredesk itself could not poll it


# --- raised once, cleared on recovery ------------------------------------------------------

@pytest.fixture
def people(django_user_model, wire):
    source, _state = wire
    make_brand("Ternmouth Telegraph", ["tern.test"], sources=[source])
    make_brand("Inland Post", ["inland.test"])
    chief = django_user_model.objects.create_superuser("chief", "chief@desk.test", "pw-long-enough-1")
    tern = django_user_model.objects.create_user("tern", "tern@desk.test", "pw-long-enough-2", is_staff=True)
    inland = django_user_model.objects.create_user("inland", "inland@desk.test", "pw-long-enough-3", is_staff=True)
    from wiredesk.brands.models import Brand

    Brand.objects.get(name="Ternmouth Telegraph").editors.add(tern)
    Brand.objects.get(name="Inland Post").editors.add(inland)
    return chief, tern, inland


def test_a_failing_source_is_alerted_once_and_cleared_when_it_recovers(wire, people, mail_sink):
    source, state = wire
    start = timezone.now()
    assert source_refresh(source_id=source.id, client=CLIENT, now=start).status == "ok"
    state["status"] = 500
    for hours in (1, 3, 7):
        source_refresh(source_id=source.id, client=CLIENT, now=start + dt.timedelta(hours=hours))
    assert alerts_check(now=start + dt.timedelta(hours=5), rules=RULES).raised == 0  # not yet 6 hours
    first = alerts_check(now=start + dt.timedelta(hours=7), rules=RULES)
    again = alerts_check(now=start + dt.timedelta(hours=7, minutes=2), rules=RULES)
    assert (first.raised, again.raised) == (1, 0)
    alert = SourceAlert.objects.get()
    assert alert.kind == "failing" and alert.is_open and alert.notified == 2
    assert "3 in a row" in alert.detail
    # The superuser and the editor of the brand carrying it; not the other brand's editor.
    assert sorted(r for m in mail_sink.messages for r in m.rcpt_tos) == ["chief@desk.test", "tern@desk.test"]
    message = mail_sink.messages[0].message
    assert "Ternmouth Wire is failing" in message["Subject"]
    assert "http://tern.test" in message.get_content() and "/admin/sources/source/health/" in message.get_content()

    state["status"] = 200
    assert source_refresh(source_id=source.id, client=CLIENT, now=start + dt.timedelta(hours=8)).status == "ok"
    cleared = alerts_check(now=start + dt.timedelta(hours=8, minutes=1), rules=RULES)
    assert cleared.cleared == 1 and alerts_check(now=start + dt.timedelta(hours=9), rules=RULES).cleared == 0
    alert.refresh_from_db()
    assert not alert.is_open and alert.cleared_how == "a refresh succeeded"
    assert len(mail_sink.messages) == 4 and "recovered" in mail_sink.messages[-1].message["Subject"]


def test_a_silent_source_is_alerted_against_its_usual_rate(wire, people, mail_sink):
    source, _state = wire
    now = timezone.now()
    for back in range(1, 11):  # 6 new articles a day for ten days: one every 4 hours
        source_day_count(source_id=source.id, at=now - dt.timedelta(days=back), new_items=6)
    Source.objects.filter(id=source.id).update(created_at=now - dt.timedelta(days=20),
                                               last_success_at=now, last_new_at=now - dt.timedelta(hours=10))
    assert alerts_check(now=now, rules=RULES).raised == 0  # 10 hours < 4 x 4 hours
    Source.objects.filter(id=source.id).update(last_new_at=now - dt.timedelta(hours=20))
    assert alerts_check(now=now, rules=RULES).raised == 1
    alert = SourceAlert.objects.get()
    assert alert.kind == "silent" and "no new article for 20 hours" in alert.detail
    # It clears when news comes again, not when the rule stops firing.
    Source.objects.filter(id=source.id).update(last_new_at=now + dt.timedelta(minutes=5))
    assert alerts_check(now=now + dt.timedelta(minutes=6), rules=RULES).cleared == 1
    assert SourceAlert.objects.get().cleared_how == "a new article arrived"


def test_pausing_a_source_clears_its_alert_without_a_new_one(wire, people, mail_sink):
    source, state = wire
    state["status"] = 500
    start = timezone.now()
    for minutes in (0, 5):
        source_refresh(source_id=source.id, client=CLIENT, now=start + dt.timedelta(minutes=minutes))
    Source.objects.filter(id=source.id).update(failing_since=start - dt.timedelta(hours=7))
    assert alerts_check(now=start + dt.timedelta(hours=1), rules=RULES).raised == 1
    source_set_enabled(source_id=source.id, enabled=False, reason="paused: by chief, waiting for a new address")
    report = alerts_check(now=start + dt.timedelta(hours=2), rules=RULES)
    assert (report.raised, report.cleared) == (0, 1)
    assert SourceAlert.objects.get().cleared_how == "the source was paused by an editor"


def test_an_alert_another_checker_raised_first_is_not_emailed_again(wire, people, mail_sink):
    from wiredesk.desk.services.alerts import AlertReport, _raise

    source, _state = wire
    SourceAlert.objects.create(source=source, kind="failing", detail="raised by the other scheduler", raised_at=NOW)
    report = AlertReport()
    assert _raise(source, "failing", "again", now=NOW, report=report) == []
    assert report.raised == 0 and not mail_sink.messages


def test_the_beat_runs_the_alert_check_as_a_registered_task(settings):
    from wiredesk.project.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["source-alerts"]
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks


def test_two_open_alerts_of_one_kind_cannot_exist(wire):
    from django.db import IntegrityError, transaction

    source, _state = wire
    SourceAlert.objects.create(source=source, kind="failing", detail="x", raised_at=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        SourceAlert.objects.create(source=source, kind="failing", detail="y", raised_at=NOW)
    SourceAlert.objects.filter(source=source).update(cleared_at=NOW)
    SourceAlert.objects.create(source=source, kind="failing", detail="z", raised_at=NOW)  # a new episode


# --- the charts ----------------------------------------------------------------------------

DAYS = [dt.date(2026, 11, 5) + dt.timedelta(days=n) for n in range(30)]


@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=30, max_size=30))
def test_bars_stay_inside_the_drawing_and_the_label_tells_the_numbers(values):
    chart = bar_chart(DAYS, values, what="New articles per day", unit="articles")
    assert len(chart.bars) == 30
    for bar, value in zip(chart.bars, values):
        assert 0 <= bar.x and bar.x + bar.width <= WIDTH + 1e-6
        assert 0 <= bar.y <= HEIGHT and bar.y + bar.height <= HEIGHT + 1e-6
        assert bar.title.endswith(f": {value} articles")
    assert f"{sum(values)} articles in all" in chart.label and f"today {values[-1]}" in chart.label
    tallest = max(range(30), key=lambda n: (values[n], -n))
    assert chart.bars[tallest].height == max(b.height for b in chart.bars)


@given(st.lists(st.one_of(st.none(), st.floats(min_value=0, max_value=1e5)), min_size=30, max_size=30))
def test_lines_break_where_a_day_had_no_answer(values):
    chart = line_chart(DAYS, values, what="Mean response time per day", unit="ms")
    runs = 0
    previous = None
    for value in values:
        if value is not None and previous is None:
            runs += 1
        previous = value
    assert len(chart.lines) == runs
    for line in chart.lines:
        for point in line.split():
            x, y = (float(v) for v in point.split(","))
            assert 0 <= x <= WIDTH and 0 <= y <= HEIGHT
    if runs == 0:
        assert "no answers" in chart.label


def test_a_chart_needs_one_value_per_day():
    with pytest.raises(ValueError):
        bar_chart(DAYS, [1, 2], what="x", unit="y")


def test_many_alerts_at_once_are_one_email_per_person(people, mail_sink, django_user_model):
    from wiredesk.brands.models import Brand

    tern_brand = Brand.objects.get(name="Ternmouth Telegraph")
    start = timezone.now()
    for n in range(12):  # an outage: a dozen feeds of the brand fail together
        source = Source.objects.create(name=f"Wire {n}", credit="W", feed_url=f"https://w{n}.example/feed",
                                       consecutive_errors=5, last_error="connect: refused")
        Source.objects.filter(id=source.id).update(created_at=start - dt.timedelta(days=2),
                                                   last_success_at=start - dt.timedelta(hours=9),
                                                   failing_since=start - dt.timedelta(hours=8))
        tern_brand.sources.add(source)
    report = alerts_check(now=start, rules=RULES)
    assert report.raised == 12 and report.emailed == 2  # the superuser and the brand's editor
    assert sorted(r for m in mail_sink.messages for r in m.rcpt_tos) == ["chief@desk.test", "tern@desk.test"]
    message = mail_sink.messages[0].message
    assert message["Subject"] == "[wiredesk] 12 source alerts"
    assert message.get_content().count("is failing: every refresh for 8 hours failed") == 12
    assert set(SourceAlert.objects.values_list("notified", flat=True)) == {2}

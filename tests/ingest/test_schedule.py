import datetime as dt
import random

from wiredesk.ingest import schedule

B = schedule.Bounds(min_seconds=300, max_seconds=86400)
T0 = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)


def stamps(gap_minutes: float, n: int) -> list[dt.datetime]:
    return [T0 + dt.timedelta(minutes=gap_minutes * i) for i in range(n)]


def test_busy_feed_is_polled_about_twice_per_item_gap():
    seconds = schedule.interval_after_success(published=stamps(60, 10), bounds=B, rng=random.Random(1))
    assert 0.9 * 1800 <= seconds <= 1.1 * 1800


def test_cadence_stays_within_bounds():
    fast = schedule.interval_after_success(published=stamps(0.5, 10), bounds=B, rng=random.Random(1))
    slow = schedule.interval_after_success(published=stamps(60 * 24 * 30, 5), bounds=B, rng=random.Random(1))
    assert fast == 300
    assert slow == 86400


def test_ttl_is_a_floor():
    seconds = schedule.interval_after_success(published=stamps(10, 10), bounds=B, ttl_seconds=7200, rng=random.Random(2))
    assert seconds >= 7200 * 0.9


def test_too_few_items_gives_a_middle_interval():
    seconds = schedule.interval_after_success(published=[T0], bounds=B, rng=random.Random(3))
    assert 0.9 * 21600 <= seconds <= 1.1 * 21600


def test_error_backoff_grows_exponentially_and_is_capped():
    rng = random.Random(4)
    ceilings = [max(schedule.interval_after_error(consecutive_errors=n, bounds=B, rng=rng) for _ in range(50)) for n in range(1, 12)]
    assert ceilings[0] <= 300
    assert ceilings[3] > ceilings[1] > ceilings[0] * 0.99
    assert max(ceilings) <= 86400
    assert ceilings[-1] > 40000  # reached the cap region


def test_backoff_has_jitter_and_floor():
    values = {schedule.interval_after_error(consecutive_errors=5, bounds=B, rng=random.Random(s)) for s in range(20)}
    assert len(values) > 10
    assert min(values) >= 300


def test_retry_after_is_honoured_within_bounds():
    assert schedule.interval_after_retry_after(retry_after=1200, bounds=B) == 1200
    assert schedule.interval_after_retry_after(retry_after=5, bounds=B) == 300
    assert schedule.interval_after_retry_after(retry_after=10 * 365 * 86400, bounds=B) == 86400
    assert schedule.interval_after_retry_after(retry_after=None, bounds=B) == 300

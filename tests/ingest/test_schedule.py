import datetime as dt
import random

from hypothesis import given, strategies as st

from wiredesk.ingest import schedule

B = schedule.Bounds(min_seconds=300, max_seconds=86400)
T0 = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)


def stamps(gap_minutes: float, n: int) -> list[dt.datetime]:
    return [T0 + dt.timedelta(minutes=gap_minutes * i) for i in range(n)]


# --- after a success: the publishing rate, over every kind of publishing pattern -----------

LEARNT = 10 * 86400.0  # a previous interval long enough that the learning cap never bites

bounds_st = st.builds(
    lambda lo, factor: schedule.Bounds(min_seconds=lo, max_seconds=lo * factor),
    st.sampled_from([1.0, 30.0, 300.0, 3600.0]), st.sampled_from([1.0, 10.0, 288.0, 10_000.0]),
)
gap_st = st.floats(min_value=1.0, max_value=3 * 86400.0)  # from seconds to days


def jittered(gap: float, units: list[float], jitter: float, *, burst: int = 1) -> list[dt.datetime]:
    """Publication times, oldest first: gaps of ``gap`` * (1 +- jitter), ``burst`` items at each."""
    times, t = [], T0
    for u in units:
        t += dt.timedelta(seconds=gap * (1 + jitter * u))
        times += [t] * burst
    return times


def within_the_rate(seconds: float, gap: float, b: schedule.Bounds) -> bool:
    """Between a quarter and the whole of the gap, as far as the bounds allow."""
    low = min(max(gap / 4, b.min_seconds), b.max_seconds)
    high = max(min(gap, b.max_seconds), b.min_seconds)
    return low <= seconds <= high


@given(
    published=st.lists(st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2030, 1, 1),
                                    timezones=st.just(dt.timezone.utc)), max_size=30),
    now_after=st.floats(min_value=-86400, max_value=400 * 86400),
    previous=st.one_of(st.none(), st.floats(min_value=0, max_value=1e8)),
    ttl=st.one_of(st.none(), st.integers(min_value=0, max_value=10**7)),
    b=bounds_st, seed=st.integers(),
)
def test_the_interval_is_always_within_the_bounds(published, now_after, previous, ttl, b, seed):
    now = max(published, default=T0) + dt.timedelta(seconds=now_after)
    seconds = schedule.interval_after_success(published=published, bounds=b, now=now, previous=previous,
                                              ttl_seconds=ttl, rng=random.Random(seed))
    assert b.min_seconds <= seconds <= b.max_seconds


@given(gap=gap_st, units=st.lists(st.floats(min_value=-1, max_value=1), min_size=5, max_size=30),
       jitter=st.floats(min_value=0, max_value=0.4), open_part=st.floats(min_value=0, max_value=1),
       burst=st.integers(min_value=1, max_value=8), b=bounds_st, seed=st.integers())
def test_a_steady_source_is_polled_at_its_own_rate(gap, units, jitter, open_part, burst, b, seed):
    """Any rate from seconds to days, with jitter, in bursts of items stamped alike (a batch,
    or items without dates, which take the fetch time): polled between a quarter and the
    whole of its gap, within the bounds, whenever it is polled before its next item."""
    published = jittered(gap, units, jitter, burst=burst)
    now = published[-1] + dt.timedelta(seconds=open_part * gap * (1 - jitter))
    seconds = schedule.interval_after_success(published=published, bounds=b, now=now, previous=LEARNT,
                                              rng=random.Random(seed))
    assert within_the_rate(seconds, gap, b), (seconds, gap)


@given(slow=st.floats(min_value=600, max_value=7 * 86400), fast=st.floats(min_value=1, max_value=600),
       old=st.integers(min_value=0, max_value=25), new=st.integers(min_value=5, max_value=25),
       b=bounds_st, seed=st.integers())
def test_a_new_rate_shows_within_a_few_items_whatever_the_history(slow, fast, old, new, b, seed):
    """A wire whose history (backdated items) says "every 47 minutes" and which now publishes
    every 30 seconds is read at its new rate as soon as a few items came at it."""
    published = stamps(slow / 60, old) + [T0 + dt.timedelta(seconds=slow * old + fast * (i + 1)) for i in range(new)]
    now = published[-1] + dt.timedelta(seconds=fast / 2)
    seconds = schedule.interval_after_success(published=published, bounds=b, now=now, previous=LEARNT,
                                              rng=random.Random(seed))
    assert within_the_rate(seconds, fast, b), (seconds, fast)


@given(published=st.lists(st.integers(min_value=0, max_value=10**6), max_size=12), b=bounds_st,
       first=st.floats(min_value=0, max_value=10**6), more=st.floats(min_value=0, max_value=10**6), seed=st.integers())
def test_a_source_that_stays_silent_is_never_polled_more_often(published, b, first, more, seed):
    times = [T0 + dt.timedelta(seconds=s) for s in published]
    start = max(times, default=T0)
    earlier, later = (start + dt.timedelta(seconds=first), start + dt.timedelta(seconds=first + more))
    ask = dict(published=times, bounds=b, previous=LEARNT)
    assert (schedule.interval_after_success(**ask, now=earlier, rng=random.Random(seed))
            <= schedule.interval_after_success(**ask, now=later, rng=random.Random(seed)))


@given(gap=gap_st, n=st.integers(min_value=0, max_value=20), previous=st.one_of(st.none(), st.floats(0, 1e6)),
       b=bounds_st, seed=st.integers())
def test_while_the_cadence_is_learnt_the_interval_at_most_doubles(gap, n, previous, b, seed):
    """Whatever the stored history says, a source is next polled within twice the time it was
    last left alone (twice the minimum when never polled): backdated items never buy hours."""
    published = stamps(gap / 60, n)
    now = published[-1] if published else T0
    seconds = schedule.interval_after_success(published=published, bounds=b, now=now, previous=previous,
                                              rng=random.Random(seed))
    ceiling = 1.1 * 2 * max(previous or 0, b.min_seconds)
    assert seconds <= max(b.min_seconds, min(b.max_seconds, ceiling))


def test_ttl_is_a_floor():
    seconds = schedule.interval_after_success(published=stamps(10, 10), bounds=B, ttl_seconds=7200, previous=60,
                                              rng=random.Random(2))
    assert seconds >= 7200 * 0.9


def test_nothing_published_yet_gives_a_middle_interval_once_learnt():
    seconds = schedule.interval_after_success(published=[], bounds=B, previous=LEARNT, rng=random.Random(3))
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

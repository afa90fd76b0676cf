"""The public forms' time trap, over any time a form is shown and sent: too soon, in time, too
late, altered, foreign; and the stamp a form shown again carries."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, strategies as st

from wiredesk.core.signed import TimeTrap

TRAP = TimeTrap(salt="tests.time-trap", min_seconds=3, max_seconds=24 * 3600)
EPOCH = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.timezone.utc)

# Stamps keep whole milliseconds, so times are drawn in milliseconds.
shown_at = st.integers(min_value=0, max_value=10 * 365 * 86400 * 1000).map(
    lambda ms: EPOCH + dt.timedelta(milliseconds=ms))
# Sent from a little before it was shown (another machine's clock) to days later.
delay = st.one_of(
    st.integers(min_value=-5000, max_value=10_000),
    st.integers(min_value=-5000, max_value=3 * 86400 * 1000),
    st.sampled_from([-1001, -1000, 0, 2999, 3000, 86_400_000, 86_400_001]),
).map(lambda ms: ms / 1000)
least = st.one_of(st.none(), st.sampled_from([0.0, 1.0, 3.0, 10.0]))


def expected(delay: float, least: float | None) -> str:
    minimum = TRAP.min_seconds if least is None else min(least, TRAP.min_seconds)
    if delay < -1:
        return "bad"
    if max(delay, 0) < minimum:
        return "fast"
    return "stale" if delay > TRAP.max_seconds else "ok"


@given(shown=shown_at, delay=delay, least=least)
def test_the_verdict_follows_the_time_between_showing_and_sending(shown, delay, least):
    stamp = TRAP.make(shown, min_seconds=least)
    sent = shown + dt.timedelta(seconds=delay)
    assert TRAP.verdict(stamp, sent) == expected(delay, least)


@given(shown=shown_at, delay=delay, least=least)
def test_a_form_shown_again_counts_from_its_first_showing(shown, delay, least):
    stamp = TRAP.make(shown, min_seconds=least)
    now = shown + dt.timedelta(seconds=delay)
    carried = TRAP.carry(stamp, now)
    if expected(delay, least) in ("ok", "fast"):
        assert carried == stamp  # pressing again once the minimum has passed goes through
        assert TRAP.verdict(carried, shown + dt.timedelta(seconds=max(delay, TRAP.min_seconds))) == "ok"
    else:
        assert carried != stamp
        assert TRAP.verdict(carried, now) == "fast"
        assert TRAP.verdict(carried, now + dt.timedelta(seconds=TRAP.min_seconds)) == "ok"


@given(shown=shown_at, position=st.integers(min_value=0), char=st.characters(codec="ascii"))
def test_an_altered_or_foreign_stamp_is_never_taken(shown, position, char):
    stamp = TRAP.make(shown)
    later = shown + dt.timedelta(minutes=5)
    position %= len(stamp)
    altered = stamp[:position] + char + stamp[position + 1:]
    if altered != stamp:
        assert TRAP.verdict(altered, later) == "bad"
    foreign = TimeTrap(salt="another.form", min_seconds=3, max_seconds=86400).make(shown)
    assert TRAP.verdict(foreign, later) == "bad"
    assert TRAP.verdict("", later) == TRAP.verdict(str(shown.timestamp()), later) == "bad"

"""Sparklines as geometry: the numbers a server-rendered SVG needs, and its text alternative.

Pure functions. The template (desk/admin/spark.html) draws the shapes; nothing here
builds markup, so every label is escaped by the template like any other text, and the charts
need no script and no inline style (the admin's Content-Security-Policy allows neither).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Sequence

WIDTH = 150  # the viewBox; the stylesheet scales the drawing
HEIGHT = 30
GAP = 1.0  # between bars


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str  # shown on hover, e.g. "3 Dec: 14 items"
    marked: bool = False  # drawn in the alarm colour (a day with errors)


@dataclass(frozen=True)
class Chart:
    label: str  # the text alternative: what the chart says, in a sentence
    bars: tuple[Bar, ...] = ()
    lines: tuple[str, ...] = ()  # polyline point lists; a day without a value breaks the line
    width: int = WIDTH
    height: int = HEIGHT


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%b}"


def _scale(peak: float) -> float:
    # A peak too small to divide by (a response time of 1e-300 ms) draws flat, not at infinity.
    return (HEIGHT - 2) / peak if peak > 1e-9 else 0.0


def bar_chart(days: Sequence[dt.date], values: Sequence[int], *, what: str, unit: str,
              marked: Sequence[bool] | None = None) -> Chart:
    """One bar per day, scaled to the highest; a day of zero draws a hairline at the bottom."""
    if len(days) != len(values) or not days:
        raise ValueError("one value per day, at least one day")
    marked = marked or [False] * len(values)
    slot = WIDTH / len(values)
    scale = _scale(max(values))
    bars = []
    for n, (day, value) in enumerate(zip(days, values)):
        height = max(value * scale, 1.0 if value else 0.5)
        bars.append(Bar(x=round(n * slot, 2), y=round(HEIGHT - height, 2), width=round(max(slot - GAP, 0.5), 2),
                        height=round(height, 2), title=f"{_day(day)}: {value} {unit}", marked=bool(marked[n])))
    total = sum(values)
    peak = max(values)
    busiest = days[list(values).index(peak)]
    label = (f"{what}, last {len(days)} days: {total} {unit} in all, today {values[-1]}"
             + (f", most {peak} on {_day(busiest)}" if peak else ""))
    return Chart(label=label, bars=tuple(bars))


def line_chart(days: Sequence[dt.date], values: Sequence[float | None], *, what: str, unit: str,
               fmt: str = "{:.0f}") -> Chart:
    """A line through each day's value; days without one (no answer) break it."""
    if len(days) != len(values) or not days:
        raise ValueError("one value per day, at least one day")
    known = [v for v in values if v is not None]
    if not known:
        return Chart(label=f"{what}, last {len(days)} days: no answers to time")
    slot = WIDTH / len(values)
    scale = _scale(max(known))
    lines, current = [], []
    for n, value in enumerate(values):
        if value is None:
            if current:
                lines.append(current)
            current = []
            continue
        current.append(f"{n * slot + slot / 2:.2f},{HEIGHT - 1 - value * scale:.2f}")
    if current:
        lines.append(current)
    # A lone day is a line of one point, which draws nothing: widen it to its slot.
    drawn = []
    for points in lines:
        if len(points) == 1:
            x, y = (float(p) for p in points[0].split(","))
            points = [f"{x - slot / 2 + GAP:.2f},{y:.2f}", f"{x + slot / 2 - GAP:.2f},{y:.2f}"]
        drawn.append(" ".join(points))
    last = next((v for v in reversed(values) if v is not None), None)
    label = (f"{what}, last {len(days)} days: latest {fmt.format(last)} {unit}, "
             f"highest {fmt.format(max(known))} {unit}, lowest {fmt.format(min(known))} {unit}")
    return Chart(label=label, lines=tuple(drawn))

"""Placeholder photos for the demo stories, drawn with Pillow on first use and kept in memory."""

from __future__ import annotations

import hashlib
import io
import threading

from PIL import Image, ImageDraw

__all__ = ["WIDTH", "HEIGHT", "image_names", "png"]

WIDTH, HEIGHT = 480, 270
_cache: dict[str, bytes] = {}
_lock = threading.Lock()


def image_names() -> set[str]:
    """Names of every image a demo story uses."""
    from wiredesk.demo.stories import WIRES

    return {s.image.name for wire in WIRES.values() for s in wire.stories if s.image}


def png(name: str) -> bytes | None:
    """The PNG bytes of a story image, or None for an unknown name."""
    with _lock:
        if name not in _cache:
            if name not in image_names():
                return None
            _cache[name] = _draw(name)
        return _cache[name]


def _draw(name: str) -> bytes:
    """A small landscape: sky gradient, sun, sea or hills, all coloured from the name."""
    seed = hashlib.sha256(name.encode()).digest()
    sky_top = (40 + seed[0] % 60, 70 + seed[1] % 80, 130 + seed[2] % 110)
    sky_low = (200 + seed[3] % 55, 150 + seed[4] % 90, 110 + seed[5] % 90)
    ground = (20 + seed[6] % 60, 60 + seed[7] % 90, 70 + seed[8] % 80)
    image = Image.new("RGB", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(image)
    horizon = 150 + seed[9] % 60
    for y in range(horizon):
        t = y / horizon
        draw.line([(0, y), (WIDTH, y)], fill=tuple(round(a + (b - a) * t) for a, b in zip(sky_top, sky_low)))
    sun_x, sun_r = 60 + seed[10] % 360, 18 + seed[11] % 22
    draw.ellipse([sun_x - sun_r, horizon - 70 - sun_r, sun_x + sun_r, horizon - 70 + sun_r], fill=(255, 236, 190))
    points = [(0, horizon)] + [(x, horizon - seed[12 + x // 40] % 45) for x in range(0, WIDTH + 1, 40)]
    draw.polygon(points + [(WIDTH, HEIGHT), (0, HEIGHT)], fill=ground)
    for n in range(4):  # a few boats or buildings
        x, h = 30 + seed[20 + n] % 420, 8 + seed[24 + n] % 30
        draw.rectangle([x, horizon + 20 - h, x + 14 + n * 3, horizon + 20], fill=(235, 235, 228))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()

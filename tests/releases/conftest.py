"""Fixtures and helpers of the news-release tests: a real SMTP server, eager tasks, a temporary
media folder, a brand, a release that passes every check, and images made with Pillow at run time.

The helpers are imported by the test modules of this package (``from tests.releases.conftest import ...``).
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
import struct
import zlib
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image, PngImagePlugin

from tests.forms import body_of, csrf_token_in, follow, next_ip, parts  # noqa: F401  (used by importers too)
from tests.web.factories import make_brand
from wiredesk.releases.forms import stamp_make

HOST = "harbour.test"
OTHER = "quay.test"

BODY = """The Harbour Rowing Club will open its new boathouse on the eastern foreshore on Saturday 14 March, \
after two years of fundraising by members, families and local businesses.

The building replaces a timber shed that was damaged beyond repair in the storms of 2023. It has racks for \
forty boats, changing rooms, a first-aid room and a meeting hall that other community groups can book at \
no cost on weekday evenings.

Club president Mara Quinlan said the opening was a milestone for rowing in the town. "We have waited a long \
time for this, and our members did much of the work themselves," she said. "I want to thank every family \
that gave a weekend to paint, lift and carry."

The council contributed a grant towards the foundations, and a local builder donated the roof trusses. \
Volunteers laid the paths and planted native shrubs along the new ramp to the water.

The opening starts at 10am with a parade of boats, followed by free come-and-try sessions for anyone aged \
twelve or over. Life jackets and coaches will be provided, and the club asks newcomers to wear clothes \
that can get wet. Details are on the club's website."""

ABOUT = ("The Harbour Rowing Club was founded in 1921 and has about 180 members. It trains juniors, "
         "adults and veterans, and races in the state regatta series.")


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded files go to a temporary folder, never the data folder."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def mail_sink(mail_sink, settings):
    """The suite's SMTP server, with this package's sender address."""
    settings.DEFAULT_FROM_EMAIL = "desk@harbour.test"
    return mail_sink


@pytest.fixture
def links_https(settings):
    settings.PUBLIC_SCHEME = "https"
    settings.PUBLIC_PORT = ""


@pytest.fixture
def brand(db):
    return make_brand("Harbour Herald", [HOST], time_zone="Australia/Sydney")


@pytest.fixture
def other_brand(db):
    return make_brand("Quayside Ledger", [OTHER], time_zone="UTC")


@pytest.fixture
def post_release(mail_sink, eager, links_https, django_capture_on_commit_callbacks):
    """Send the release form as a submitter would; mail queued on commit goes out at once."""

    def post(client, data=None, *, action="send", host=HOST, ip=None, stamp=None, files=None, **extra):
        payload = release_data() if data is None else dict(data)
        payload.setdefault("action", action)
        payload.setdefault("stamp", aged_stamp() if stamp is None else stamp)
        payload.update(files or {})
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/releases/submit/", payload, HTTP_HOST=host, REMOTE_ADDR=ip or next_ip(), **extra)

    return post


# --- helpers --------------------------------------------------------------------------------------


def release_data(**overrides) -> dict:
    """A release that passes every check."""
    data = {
        "category": "community", "headline": "Harbour Rowing Club opens its new boathouse",
        "dateline_place": "Port Ellis", "release_date": "", "embargo_time": "", "body": BODY, "about": ABOUT,
        "website": "https://rowing.example.org/", "contact_name": "Mara Quinlan",
        "contact_organisation": "Harbour Rowing Club", "contact_email": "secretary@harbourrowing.org",
        "contact_phone": "+61 2 5550 1234", "homepage": "",
    }
    data.update(overrides)
    return data




def aged_stamp(seconds: float = 30) -> str:
    """The time trap's stamp of a form shown `seconds` ago."""
    return stamp_make(timezone.now() - dt.timedelta(seconds=seconds))






def draft_token_in(doc: str) -> str:
    return re.search(r'<input type="hidden" name="draft" value="([^"]+)">', doc)[1]


def link_in(text: str, kind: str) -> str:
    return re.search(rf"https://[a-z.]+/releases/{kind}/[^/\s\"<]+/", text)[0]






def press_button(url: str, data=None):
    """Open a link and press its button, with CSRF checks on as in a browser."""
    browser = Client(enforce_csrf_checks=True)
    page = follow(browser, url)
    assert page.status_code == 200, page.status_code
    token = csrf_token_in(body_of(page))
    return follow(browser, url, "post", data={"csrfmiddlewaretoken": token, **(data or {})})


# --- images ---------------------------------------------------------------------------------------


def photo(size=(640, 480), mode="RGB") -> Image.Image:
    """A picture with some detail (a plain colour would compress to nothing)."""
    im = Image.linear_gradient("L").resize(size).convert(mode)
    if mode == "RGB":
        r, g, b = im.split()
        im = Image.merge("RGB", (r, g.transpose(Image.Transpose.FLIP_LEFT_RIGHT), b.rotate(90)))
    return im


def camera_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make
    exif[0x0110] = "Canon EOS Test"  # Model
    exif[0x0131] = "Secret Editor 1.0"  # Software
    exif[0x0112] = orientation
    exif[0x8825] = {1: "S", 2: (33.0, 51.0, 54.0), 3: "E", 4: (151.0, 12.0, 40.0)}  # GPS
    return exif


def jpeg_bytes(size=(640, 480), *, exif: Image.Exif | None = None, mode="RGB", **options) -> bytes:
    out = io.BytesIO()
    im = photo(size, "RGB")
    if mode != "RGB":
        im = im.convert(mode)
    if exif is not None:
        options["exif"] = exif.tobytes()
    im.save(out, "JPEG", quality=90, **options)
    return out.getvalue()


def png_bytes(size=(320, 240), *, text: dict | None = None, mode="RGB", **options) -> bytes:
    out = io.BytesIO()
    im = photo(size, "RGB")
    if mode != "RGB":
        im = im.convert(mode)
    if text:
        info = PngImagePlugin.PngInfo()
        for key, value in text.items():
            info.add_text(key, value)
        options["pnginfo"] = info
    im.save(out, "PNG", **options)
    return out.getvalue()


def webp_bytes(size=(320, 240), *, exif: Image.Exif | None = None, **options) -> bytes:
    out = io.BytesIO()
    if exif is not None:
        options["exif"] = exif.tobytes()
    photo(size).save(out, "WEBP", quality=80, **options)
    return out.getvalue()


def huge_png(width: int = 10_000, height: int = 10_000) -> bytes:
    """A 1-bit PNG of width x height, written chunk by chunk: 100 megapixels in about 15 KB.

    Made by hand because Pillow would hold all 100 million pixels (a byte each) to write it.
    """

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def stored_files(media_root) -> list:
    """Every file under the media folder, relative to it."""
    return sorted(p.relative_to(media_root).as_posix() for p in media_root.rglob("*") if p.is_file())

"""Images uploaded with a news release: type from the content, refusals, re-encoding.

Pure functions: bytes and limits in, a ``Prepared`` image (re-encoded, metadata gone) or an
``ImageRefused`` with a message for the submitter out. Nothing here reads a file name or a
Content-Type: both come from the sender and prove nothing.

The order of the checks is the order of their cost: size in bytes, the magic bytes, a walk
over the container's structure (which finds the pixel size in the header, the end of the
image and the metadata), a search for markup, and only then decoding by Pillow, restricted
to the one format the bytes claim (so no other Pillow plugin ever parses an upload).
"""

from __future__ import annotations

import base64
import io
import re
import struct
import uuid
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps

# Pillow format -> (file extension, Content-Type) of what we store.
FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}
CONTENT_TYPES = {ext: ctype for ext, ctype in FORMATS.values()}
# The only names stored images ever have: made by stored_name(), checked by the image view.
NAME_PATTERN = re.compile(r"^[0-9a-f]{32}\.(?:jpg|png|webp)\Z")
THUMB_SIZE = (240, 240)

MSG_EMPTY = "This file is empty. Choose the image again."
MSG_NOT_IMAGE = (
    "This file is not a JPEG, PNG or WebP image, whatever its name says. Choose a photo in one of those formats."
)
MSG_MARKUP_FILE = (
    "This file is a web page or an SVG drawing, not a photo, whatever its name says. "
    "Choose a JPEG, PNG or WebP image."
)
MSG_HIDDEN_CODE = (
    "This image has web-page or program code hidden inside it, so we cannot accept it. "
    "Open it in an image editor, save it again as a new JPEG, PNG or WebP, and try again."
)
MSG_TRAILING = (
    "This file has extra data after the end of the image, so we cannot accept it. "
    "Save the photo again as a plain JPEG, PNG or WebP and try again."
)
MSG_BROKEN = "This image is damaged or incomplete and cannot be read. Save it again and try once more."


@dataclass(frozen=True)
class ImageLimits:
    max_bytes: int
    max_pixels: int
    max_side: int = 2560  # longest side stored; larger images are scaled down to it


def _reduced(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """``size`` scaled down so its longest side is ``max_side`` (unchanged when it fits)."""
    width, height = size
    longest = max(width, height)
    if longest <= max_side:
        return size
    return max(1, round(width * max_side / longest)), max(1, round(height * max_side / longest))


@dataclass(frozen=True)
class Prepared:
    """A re-encoded image ready to store: only pixels, no metadata, orientation applied."""

    data: bytes
    format: str
    width: int
    height: int

    @property
    def extension(self) -> str:
        return FORMATS[self.format][0]


class ImageRefused(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def bytes_message(max_bytes: int) -> str:
    return f"This image is larger than {_megabytes(max_bytes)}. Make it smaller and try again."


def pixels_message(max_pixels: int, size: tuple[int, int] | None = None) -> str:
    have = f" ({size[0]:,} x {size[1]:,} pixels)" if size else ""
    return (
        f"This image has too many pixels{have}: the limit is {max_pixels / 1e6:g} megapixels. "
        "Make it smaller, for example 3000 pixels on the long side, and try again."
    )


def _megabytes(n: int) -> str:
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / (1024 * 1024):.3g} MB"


def stored_name(prepared: Prepared) -> str:
    """A new server-made file name: random hex and the extension of the real format."""
    return f"{uuid.uuid4().hex}.{prepared.extension}"


def image_check(data: bytes, *, limits: ImageLimits) -> str:
    """Check an upload without decoding its pixels: its format ("JPEG", "PNG", "WEBP"); raise
    ImageRefused with the reason when it is refused (what a form can say at once)."""
    if not data:
        raise ImageRefused(MSG_EMPTY)
    if len(data) > limits.max_bytes:
        raise ImageRefused(bytes_message(limits.max_bytes))
    kind = sniff(data)
    if kind is None:
        raise ImageRefused(MSG_MARKUP_FILE if _looks_like_markup(data) else MSG_NOT_IMAGE)
    layout = WALKERS[kind](data)
    if _has_code(data, layout.plain_spans):
        raise ImageRefused(MSG_HIDDEN_CODE)
    if data[layout.end:].strip(b"\x00\t\r\n "):
        raise ImageRefused(MSG_TRAILING)
    width, height = layout.size
    if width <= 0 or height <= 0:
        raise ImageRefused(MSG_BROKEN)
    if width * height > limits.max_pixels:
        raise ImageRefused(pixels_message(limits.max_pixels, layout.size))
    return kind


def image_reencode(data: bytes, *, kind: str, limits: ImageLimits) -> Prepared:
    """Decode a checked upload and write it anew (sRGB, no metadata, at most ``max_side``);
    ImageRefused when its pixels cannot be read."""
    return _reencode(data, kind, limits)


def image_prepare(data: bytes, *, limits: ImageLimits) -> Prepared:
    """Check an upload and re-encode it; raise ImageRefused with the reason when it is refused."""
    return image_reencode(data, kind=image_check(data, limits=limits), limits=limits)


def sniff(data: bytes) -> str | None:
    """The format the magic bytes name (JPEG, PNG or WEBP), or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


# --- markup -----------------------------------------------------------------------------------

# Searched in the whole file, pixel data included: long enough (six bytes or more) that
# compressed pixels match one by chance less than once in a million uploads of the largest size.
_CODE_ANYWHERE = re.compile(
    rb"<script|</script|<iframe|<\?php\s|javascript:|vbscript:|<!doctype|onerror\s*=|onload\s*=", re.IGNORECASE
)
# Searched only where a file holds plain bytes (metadata segments and chunks, and anything
# after the image), where they cannot be a chance match of compressed pixels.
# (Not "<?": every XMP packet starts with "<?xpacket".)
_CODE_IN_TEXT = re.compile(
    rb"<(?:html|head|body|svg|img|object|embed|meta|style|form|base|link|iframe|script)[\s/>]", re.IGNORECASE
)


def _looks_like_markup(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf\x00\t\r\n ")
    return head.startswith(b"<") or bool(_CODE_ANYWHERE.search(head) or _CODE_IN_TEXT.search(head))


def _has_code(data: bytes, spans) -> bool:
    if _CODE_ANYWHERE.search(data):
        return True
    return any(_CODE_IN_TEXT.search(data, start, end) for start, end in spans)


# --- container structure ----------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    size: tuple[int, int]  # from the header, before any pixel is decoded
    end: int  # offset just after the image's last byte
    plain_spans: tuple[tuple[int, int], ...]  # metadata and trailing bytes, searched for markup


def _broken() -> ImageRefused:
    return ImageRefused(MSG_BROKEN)


def _jpeg_stream(data: bytes, pos: int, spans: list) -> tuple[int, tuple[int, int] | None]:
    """Walk one JPEG stream from its SOI; return the offset after its EOI and its frame size."""
    n = len(data)
    pos += 2
    size = None
    while True:
        if pos >= n or data[pos] != 0xFF:
            raise _broken()
        while pos < n and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= n:
            raise _broken()
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # EOI
            return pos, size
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # stand-alone markers
            continue
        if pos + 2 > n:
            raise _broken()
        length = int.from_bytes(data[pos:pos + 2], "big")
        end = pos + length
        if length < 2 or end > n:
            raise _broken()
        if 0xE0 <= marker <= 0xEF or marker == 0xFE:  # APPn (EXIF, XMP, ICC...) and comments
            spans.append((pos + 2, end))
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC) and size is None:
            if length < 7:
                raise _broken()
            size = (int.from_bytes(data[pos + 5:pos + 7], "big"), int.from_bytes(data[pos + 3:pos + 5], "big"))
        pos = end
        if marker == 0xDA:  # start of scan: entropy-coded data runs to the next real marker
            while True:
                ff = data.find(b"\xff", pos)
                if ff < 0 or ff + 1 >= n:
                    raise _broken()
                following = data[ff + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:  # stuffed byte or restart
                    pos = ff + 2
                elif following == 0xFF:
                    pos = ff + 1
                else:
                    pos = ff
                    break


def jpeg_layout(data: bytes) -> Layout:
    """Size and end of a JPEG; the extra frames of a camera's multi-picture file are part of it."""
    spans: list = []
    end, size = _jpeg_stream(data, 0, spans)
    while data.startswith(b"\xff\xd8\xff", end):  # MPO: further JPEG streams follow the first
        end, _ = _jpeg_stream(data, end, spans)
    if size is None:
        raise _broken()
    return Layout(size, end, (*spans, (end, len(data))))


_PNG_PIXEL_CHUNKS = {b"IDAT", b"fdAT"}


def png_layout(data: bytes) -> Layout:
    """Size and end of a PNG: chunks from the signature to IEND."""
    n = len(data)
    pos = 8
    spans = []
    size = None
    while True:
        if pos + 8 > n:
            raise _broken()
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        start, end = pos + 8, pos + 8 + length + 4  # data, then the CRC
        if end > n:
            raise _broken()
        if kind == b"IHDR":
            if length < 8:
                raise _broken()
            size = (int.from_bytes(data[start:start + 4], "big"), int.from_bytes(data[start + 4:start + 8], "big"))
        elif size is None:
            raise _broken()  # IHDR must come first
        if kind not in _PNG_PIXEL_CHUNKS:
            spans.append((start, start + length))
        pos = end
        if kind == b"IEND":
            return Layout(size, pos, (*spans, (pos, n)))


_WEBP_PIXEL_CHUNKS = {b"VP8 ", b"VP8L", b"ALPH", b"ANMF"}


def webp_layout(data: bytes) -> Layout:
    """Size and end of a WebP: the RIFF container's declared length, and its chunks."""
    n = len(data)
    end = 8 + int.from_bytes(data[4:8], "little")
    if end > n or end < 20:
        raise _broken()
    pos, spans, size = 12, [], None
    while pos + 8 <= end:
        kind = data[pos:pos + 4]
        length = int.from_bytes(data[pos + 4:pos + 8], "little")
        start = pos + 8
        if start + length > end:
            raise _broken()
        chunk = data[start:start + min(length, 16)]
        if size is None:
            size = _webp_size(kind, chunk)
        if kind not in _WEBP_PIXEL_CHUNKS:
            spans.append((start, start + length))
        pos = start + length + (length & 1)
    if size is None:
        raise _broken()
    return Layout(size, end, (*spans, (end, n)))


def _webp_size(kind: bytes, chunk: bytes) -> tuple[int, int] | None:
    if kind == b"VP8X" and len(chunk) >= 10:
        return 1 + int.from_bytes(chunk[4:7], "little"), 1 + int.from_bytes(chunk[7:10], "little")
    if kind == b"VP8 " and len(chunk) >= 10 and chunk[3:6] == b"\x9d\x01\x2a":
        return int.from_bytes(chunk[6:8], "little") & 0x3FFF, int.from_bytes(chunk[8:10], "little") & 0x3FFF
    if kind == b"VP8L" and len(chunk) >= 5 and chunk[0] == 0x2F:
        bits = int.from_bytes(chunk[1:5], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    return None


WALKERS = {"JPEG": jpeg_layout, "PNG": png_layout, "WEBP": webp_layout}


# --- decoding and re-encoding -----------------------------------------------------------------


def _reencode(data: bytes, kind: str, limits: ImageLimits) -> Prepared:
    # Pillow's own guard as a second line: it warns above this and refuses above twice it.
    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    try:
        with Image.open(io.BytesIO(data), formats=[kind]) as im:
            if im.width * im.height > limits.max_pixels:
                raise ImageRefused(pixels_message(limits.max_pixels, im.size))
            target = _reduced(im.size, limits.max_side)
            if target != im.size:
                # A JPEG decodes straight at 1/2, 1/4 or 1/8 scale, no smaller than the target:
                # a 24-megapixel photo is read into a quarter of the memory, or less.
                im.draft(None, target)
            im.load()
            # The rest of the way (and the whole way for PNG and WebP).
            picture = im if im.size == target else im.resize(target, Image.Resampling.LANCZOS)
            picture = _to_srgb(ImageOps.exif_transpose(picture))
            # Pillow writes some of what it read (a JPEG comment, XMP) back unless told otherwise:
            # keep only a PNG's transparent colour, which is pixels, not metadata.
            picture.info = {k: v for k, v in picture.info.items() if k == "transparency"}
            out = io.BytesIO()
            _SAVERS[kind](picture, out)
    except Image.DecompressionBombError as exc:
        raise ImageRefused(pixels_message(limits.max_pixels)) from exc
    except (OSError, ValueError, SyntaxError, EOFError, struct.error, Image.UnidentifiedImageError) as exc:
        raise ImageRefused(MSG_BROKEN) from exc
    return Prepared(data=out.getvalue(), format=kind, width=picture.width, height=picture.height)


_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _to_srgb(im: Image.Image) -> Image.Image:
    """Colours converted to sRGB when the file carried another profile; the profile itself goes."""
    icc = im.info.get("icc_profile")
    if icc and im.mode in ("RGB", "RGBA"):
        try:
            converted = ImageCms.profileToProfile(im, ImageCms.ImageCmsProfile(io.BytesIO(icc)), _SRGB,
                                                  outputMode=im.mode)
            if converted is not None:
                im = converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # an unreadable profile: keep the pixels as they are
    im.info.pop("icc_profile", None)
    return im


def _save_jpeg(im: Image.Image, out) -> None:
    if im.mode not in ("RGB", "L"):
        im = im.convert("RGB")
    im.save(out, "JPEG", quality=88, optimize=True)


def _save_png(im: Image.Image, out) -> None:
    if im.mode == "P" and "transparency" in im.info:
        im = im.convert("RGBA")
    elif im.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
        im = im.convert("RGBA" if "A" in im.getbands() else "RGB")
    im.save(out, "PNG")


def _save_webp(im: Image.Image, out) -> None:
    if im.mode not in ("RGB", "RGBA"):
        im = im.convert("RGBA" if im.mode in ("LA", "PA") or "transparency" in im.info else "RGB")
    im.save(out, "WEBP", quality=85, method=4)


# Only the first frame of an animation is kept: a news photo does not move.
_SAVERS = {"JPEG": _save_jpeg, "PNG": _save_png, "WEBP": _save_webp}


def thumbnail_data_uri(data: bytes) -> str:
    """A small JPEG preview of a stored (already re-encoded) image, as a data: URI for the form."""
    with Image.open(io.BytesIO(data), formats=list(FORMATS)) as im:
        im.draft("RGB", THUMB_SIZE)  # JPEG decodes at a reduced scale: cheap for big photos
        im.thumbnail(THUMB_SIZE)
        if im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info:
            flat = Image.new("RGB", im.size, "white")
            flat.paste(im.convert("RGBA"), mask=im.convert("RGBA").getchannel("A"))
            im = flat
        out = io.BytesIO()
        im.convert("RGB").save(out, "JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode("ascii")

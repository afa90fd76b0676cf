"""Images uploaded with a release: the type from the content, the refusals (spoofed files,
polyglots, decompression bombs, oversized files, too many files, path-like names), re-encoding
without metadata, drafts kept across a form that comes back with an error, and the image view's
access rules. Every image is made with Pillow (or by hand, byte by byte) while the tests run."""

from __future__ import annotations

import io
import re
import time
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.test import Client
from PIL import Image, ImageCms

from tests.releases.conftest import (
    HOST, OTHER, aged_stamp, body_of, draft_token_in, huge_png, jpeg_bytes, camera_exif, next_ip, png_bytes,
    release_data, stored_files, upload, webp_bytes,
)
from wiredesk.releases import images
from wiredesk.releases.images import ImageLimits, ImageRefused, image_prepare
from wiredesk.releases.models import Submission, SubmissionImage
from wiredesk.releases.tokens import make_token

LIMITS = ImageLimits(max_bytes=8 * 1024 * 1024, max_pixels=40_000_000)
STORED = re.compile(r"^releases/[0-9a-f]{32}\.(jpg|png|webp)$")
Status = Submission.Status

HTML_PAGE = b"<!DOCTYPE html>\n<html><body><script>fetch('/admin/').then(r => r.text())</script></body></html>\n"
SVG = (b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       b'<script>alert(document.cookie)</script><rect width="10" height="10"/></svg>\n')


def exif_with(tags: dict) -> Image.Exif:
    exif = Image.Exif()
    for tag, value in tags.items():
        exif[tag] = value
    return exif


def refused(data: bytes, limits: ImageLimits = LIMITS) -> str:
    with pytest.raises(ImageRefused) as caught:
        image_prepare(data, limits=limits)
    return caught.value.message


def reopened(prepared) -> Image.Image:
    im = Image.open(io.BytesIO(prepared.data))
    im.load()
    return im


# --- accepted images are re-encoded without metadata ------------------------------------------------


def test_a_camera_jpeg_is_reencoded_upright_without_exif_or_gps():
    original = jpeg_bytes((640, 480), exif=camera_exif(orientation=6), comment=b"taken at 12 Secret Street")
    assert b"Canon EOS Test" in original and b"Secret Street" in original
    prepared = image_prepare(original, limits=LIMITS)
    assert (prepared.format, prepared.extension) == ("JPEG", "jpg")
    # Orientation 6 means "rotate 90 degrees": the stored pixels are upright, the tag is gone.
    assert (prepared.width, prepared.height) == (480, 640)
    im = reopened(prepared)
    assert im.format == "JPEG" and im.size == (480, 640)
    assert dict(im.getexif()) == {}
    assert not {"exif", "comment", "icc_profile", "xmp"} & set(im.info)
    for secret in (b"Canon", b"Secret Street", b"Exif\x00\x00", b"Secret Editor"):
        assert secret not in prepared.data


def test_a_png_loses_its_text_chunks_and_keeps_its_transparency():
    original = png_bytes(text={"Author": "Ada Private", "Comment": "home address here"})
    prepared = image_prepare(original, limits=LIMITS)
    assert prepared.format == "PNG" and prepared.extension == "png"
    assert b"Ada Private" not in prepared.data and b"tEXt" not in prepared.data
    assert reopened(prepared).size == (320, 240)

    palette = Image.new("P", (40, 30), 1)
    palette.putpalette([255, 255, 255, 200, 0, 0] + [0] * 762)
    out = io.BytesIO()
    palette.save(out, "PNG", transparency=0)
    im = reopened(image_prepare(out.getvalue(), limits=LIMITS))
    assert im.mode == "RGBA" and im.getpixel((0, 0)) == (200, 0, 0, 255)


def test_a_webp_loses_its_exif():
    original = webp_bytes(exif=camera_exif())
    assert b"Canon" in original
    prepared = image_prepare(original, limits=LIMITS)
    assert prepared.format == "WEBP" and prepared.extension == "webp" and b"Canon" not in prepared.data
    assert b"EXIF" not in prepared.data and reopened(prepared).size == (320, 240)
    lossless = image_prepare(webp_bytes(lossless=True), limits=LIMITS)
    assert reopened(lossless).format == "WEBP"


def test_cmyk_grey_xmp_and_colour_profiles():
    cmyk = image_prepare(jpeg_bytes(mode="CMYK"), limits=LIMITS)
    assert reopened(cmyk).mode == "RGB"
    assert reopened(image_prepare(jpeg_bytes(mode="L"), limits=LIMITS)).mode == "L"
    # An XMP packet starts with "<?xpacket": photo-editor metadata, not hidden code.
    xmp = (b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
           b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
           b'photoshop:City="Port Ellis"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>')
    with_xmp = jpeg_bytes(xmp=xmp)
    assert b"<?xpacket" in with_xmp
    prepared = image_prepare(with_xmp, limits=LIMITS)
    assert b"xpacket" not in prepared.data and b"Port Ellis" not in prepared.data
    # A colour profile is applied to the pixels and then dropped.
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    with_icc = image_prepare(jpeg_bytes(icc_profile=profile), limits=LIMITS)
    assert "icc_profile" not in reopened(with_icc).info


# --- refused files ----------------------------------------------------------------------------


def jpeg_with_size_in_header(width: int, height: int) -> bytes:
    """A small JPEG whose frame header claims another size (a decompression bomb's header)."""
    data = bytearray(jpeg_bytes((64, 48)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)


def test_html_and_svg_named_jpg_are_refused_as_web_pages():
    assert refused(HTML_PAGE) == images.MSG_MARKUP_FILE
    assert refused(SVG) == images.MSG_MARKUP_FILE
    assert refused(b"\xef\xbb\xbf  \n<svg onload=alert(1)>") == images.MSG_MARKUP_FILE
    assert "web page or an SVG drawing" in images.MSG_MARKUP_FILE and "whatever its name says" in images.MSG_MARKUP_FILE


@pytest.mark.parametrize("data", [
    pytest.param(b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00,", id="gif"),
    pytest.param(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", id="pdf"),
    pytest.param(b"PK\x03\x04\x14\x00\x00\x00\x08\x00", id="zip"),
    pytest.param(b"just some words in a text file", id="text"),
    pytest.param(b"BM" + b"\x00" * 60, id="bmp"),
])
def test_other_formats_are_refused(data):
    assert refused(data) == images.MSG_NOT_IMAGE


@pytest.mark.parametrize("data", [
    pytest.param(jpeg_bytes() + HTML_PAGE, id="jpeg-then-html"),
    pytest.param(jpeg_bytes(comment=b"<script>alert(1)</script>"), id="script-in-jpeg-comment"),
    pytest.param(jpeg_bytes(comment=b"<html><body>hi"), id="html-in-jpeg-comment"),
    pytest.param(png_bytes(text={"c": "<?php system($_GET['c']); ?>"}), id="php-in-png-text"),
    pytest.param(png_bytes(text={"c": "<svg/onload=alert(1)>"}), id="svg-in-png-text"),
    pytest.param(png_bytes() + b"<iframe src=//evil.example>", id="png-then-iframe"),
    pytest.param(webp_bytes() + b"<img src=x onerror=alert(1)>", id="webp-then-html"),
    pytest.param(jpeg_bytes(exif=exif_with({0x010E: "<a href=javascript:alert(1)>x</a>"})), id="js-in-exif"),
])
def test_polyglots_with_markup_are_refused(data):
    assert refused(data) == images.MSG_HIDDEN_CODE


@pytest.mark.parametrize("data", [
    pytest.param(jpeg_bytes() + b"PK\x03\x04" + bytes(range(256)), id="jpeg-then-zip"),
    pytest.param(png_bytes() + b"\x01\x02\x03 more", id="png-then-bytes"),
    pytest.param(webp_bytes() + b"RIFF....", id="webp-then-bytes"),
])
def test_data_after_the_end_of_the_image_is_refused(data):
    assert refused(data) == images.MSG_TRAILING


def test_padding_after_the_end_is_allowed():
    assert image_prepare(jpeg_bytes() + b"\x00" * 64, limits=LIMITS).format == "JPEG"


@pytest.mark.parametrize("data", [
    pytest.param(jpeg_bytes()[:-200], id="truncated-jpeg"),
    pytest.param(png_bytes()[:-40], id="truncated-png"),
    pytest.param(webp_bytes()[:-30], id="truncated-webp"),
    pytest.param(b"\xff\xd8\xff\xe0\x00\x10JFIF", id="jpeg-header-only"),
    pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\x00IEND\xaeB`\x82", id="png-without-ihdr"),
])
def test_damaged_images_are_refused(data):
    assert refused(data) == images.MSG_BROKEN


def test_a_100_megapixel_png_is_refused_from_its_header_without_decoding():
    bomb = huge_png()
    assert len(bomb) < 100_000  # 100 million pixels in a few kilobytes
    assert images.png_layout(bomb).size == (10_000, 10_000)  # read from the header alone
    started = time.perf_counter()
    message = refused(bomb)
    assert time.perf_counter() - started < 1.0
    assert message == images.pixels_message(40_000_000, (10_000, 10_000))
    assert message.startswith("This image has too many pixels (10,000 x 10,000 pixels): the limit is 40 megapixels.")
    # Pillow's own limit is set to ours too when it decodes (it warns above it and refuses
    # above twice it), whatever limit an earlier decode set.
    Image.MAX_IMAGE_PIXELS = 1
    image_prepare(jpeg_bytes((64, 48)), limits=LIMITS)
    assert Image.MAX_IMAGE_PIXELS == 40_000_000


def test_pixel_limits_in_jpeg_and_webp_headers():
    assert "(60,000 x 60,000 pixels)" in refused(jpeg_with_size_in_header(60_000, 60_000))
    assert "(640 x 480 pixels)" in refused(jpeg_bytes((640, 480)), ImageLimits(LIMITS.max_bytes, 300_000))
    assert "(320 x 240 pixels)" in refused(webp_bytes((320, 240)), ImageLimits(LIMITS.max_bytes, 76_799))
    assert image_prepare(webp_bytes((320, 240)), limits=ImageLimits(LIMITS.max_bytes, 76_800)).width == 320


def test_size_in_bytes_and_empty_files():
    data = jpeg_bytes()
    assert refused(data, ImageLimits(len(data) - 1, LIMITS.max_pixels)) == images.bytes_message(len(data) - 1)
    assert "larger than 8 MB" in images.bytes_message(8 * 1024 * 1024)
    assert "larger than 4.77 MB" in images.bytes_message(5_000_000)
    assert refused(b"") == images.MSG_EMPTY


def test_stored_names_are_made_by_the_server():
    prepared = image_prepare(png_bytes(), limits=LIMITS)
    names = {images.stored_name(prepared) for _ in range(20)}
    assert len(names) == 20 and all(images.NAME_PATTERN.match(n) and n.endswith(".png") for n in names)
    for bad in ("../x.png", "a" * 32 + ".png/", "A" * 32 + ".png", "a" * 32 + ".svg", "a" * 31 + ".png",
                "a" * 32 + ".png\n", "a" * 32 + ".jpg.html", "a" * 32 + ".jpeg"):
        assert not images.NAME_PATTERN.match(bad), bad


# --- through the form ---------------------------------------------------------------------------


pytest_db = pytest.mark.django_db


def draft_rows():
    return list(SubmissionImage.objects.filter(submission__isnull=True).order_by("position"))


@pytest_db
def test_good_images_are_kept_as_drafts_under_server_names(client, brand, post_release, media_root):
    files = {
        "image_1": upload("holiday.jpg", jpeg_bytes(exif=camera_exif(orientation=6))),
        # The name and the header say JPEG; the bytes say PNG: the bytes win.
        "image_2": upload("shed.jpg", png_bytes(), "image/jpeg"),
        "image_3": upload("ramp.png", webp_bytes(), "application/octet-stream"),
    }
    data = release_data(caption_1="Rowers on the new ramp", credit_1="Photo: J. Lee", caption_2="The old shed",
                        credit_2="Club archive", caption_3="Opening day", credit_3="Photo: K. Ito")
    response = post_release(client, data, action="check", files=files)
    assert response.status_code == 200, body_of(response)
    rows = draft_rows()
    assert [r.position for r in rows] == [1, 2, 3]
    assert [r.file.name.rsplit(".", 1)[1] for r in rows] == ["jpg", "png", "webp"]
    assert all(STORED.match(r.file.name) for r in rows)
    assert [(r.width, r.height) for r in rows] == [(480, 640), (320, 240), (320, 240)]
    assert [(r.caption, r.credit) for r in rows] == [("Rowers on the new ramp", "Photo: J. Lee"),
                                                     ("The old shed", "Club archive"), ("Opening day", "Photo: K. Ito")]
    assert stored_files(media_root) == sorted(r.file.name for r in rows)
    with rows[0].file.open("rb") as f:
        data_on_disk = f.read()
    assert b"Canon" not in data_on_disk and dict(Image.open(io.BytesIO(data_on_disk)).getexif()) == {}
    # The page shows each image again (a small preview inline: drafts are not public), with its texts.
    doc = body_of(response)
    assert len(re.findall(r'<img class="thumb" src="data:image/jpeg;base64,[A-Za-z0-9+/=]+" alt="Image \d as uploaded">',
                          doc)) == 3
    assert 'value="Rowers on the new ramp"' in doc and 'value="Photo: K. Ito"' in doc
    assert re.findall(r'<input type="file" name="(image_\d)"', doc) == ["image_4", "image_5"]
    assert not Submission.objects.exists()


@pytest_db
def test_images_survive_a_form_that_comes_back_with_an_error(client, brand, post_release, media_root):
    first = post_release(client, release_data(headline="", caption_1="Rowers", credit_1="J. Lee"),
                         files={"image_1": upload("a.jpg", jpeg_bytes())})
    assert first.status_code == 400
    doc = body_of(first)
    assert "Write a headline." in doc
    (draft,) = draft_rows()
    assert 'alt="Image 1 as uploaded"' in doc and 'value="Rowers"' in doc
    assert 'name="image_1"' not in doc.replace('name="image_1_', "")  # its place shows the image, not a file input

    # Sent again with the headline (and a better caption): the draft becomes the release's image.
    token = draft_token_in(doc)
    second = post_release(client, release_data(draft=token, caption_1="Rowers on the new ramp", credit_1="J. Lee"))
    assert second.status_code == 200, body_of(second)
    s = Submission.objects.get()
    (image,) = s.images.all()
    assert image.pk == draft.pk and image.draft_key == "" and image.position == 1
    assert (image.caption, image.credit) == ("Rowers on the new ramp", "J. Lee")
    assert stored_files(media_root) == [image.file.name]
    assert next(r for r in s.checks["results"] if r["code"] == "images")["ok"]


@pytest_db
def test_a_draft_image_can_be_removed(client, brand, post_release, media_root, django_capture_on_commit_callbacks):
    doc = body_of(post_release(client, release_data(), action="check",
                               files={"image_1": upload("a.jpg", jpeg_bytes()), "image_2": upload("b.png", png_bytes())}))
    assert len(draft_rows()) == 2
    token = draft_token_in(doc)
    again = body_of(post_release(client, release_data(draft=token, remove_1="on"), action="check"))
    (left,) = draft_rows()
    assert left.position == 2 and stored_files(media_root) == [left.file.name]
    assert re.findall(r'<input type="file" name="(image_\d)"', again) == ["image_1", "image_3", "image_4", "image_5"]


@pytest_db
def test_another_forms_drafts_cannot_be_claimed(client, brand, post_release):
    doc = body_of(post_release(client, release_data(), action="check", files={"image_1": upload("a.jpg", jpeg_bytes())}))
    token = draft_token_in(doc)
    key = token.split(":")[0]
    forged = make_token("status", key)  # signed, but for another purpose
    for bad in (token[:-3] + "abc", key, forged, ""):
        post_release(client, release_data(draft=bad, headline=f"Release {bad[-4:]} without images",
                                          contact_email=f"x{len(bad)}@quaypost.org"))
    assert all(s.images.count() == 0 for s in Submission.objects.all()) and Submission.objects.count() == 4
    assert len(draft_rows()) == 1


def png_with_scrambled_pixels() -> bytes:
    """A PNG whose chunks are all well formed (lengths, CRCs) but whose pixel data is noise:
    only decoding the pixels finds it damaged."""
    import struct
    import zlib

    data = bytearray(png_bytes())
    at = data.index(b"IDAT") - 4
    length = struct.unpack(">I", data[at:at + 4])[0]
    noise = bytes((i * 151 + 7) % 256 for i in range(length))
    data[at + 8:at + 8 + length] = noise
    data[at + 8 + length:at + 12 + length] = struct.pack(">I", zlib.crc32(b"IDAT" + noise))
    return bytes(data)


def test_pixels_are_checked_when_the_image_is_written_anew():
    data = png_with_scrambled_pixels()
    assert images.image_check(data, limits=LIMITS) == "PNG"  # well formed to the file's structure
    assert refused(data) == images.MSG_BROKEN


@pytest_db
@pytest.mark.parametrize("name, data, content_type, message", [
    ("noise.png", png_with_scrambled_pixels(), "image/png", images.MSG_BROKEN),
    ("photo.jpg", HTML_PAGE, "image/jpeg", images.MSG_MARKUP_FILE),
    ("logo.jpg", SVG, "image/jpeg", images.MSG_MARKUP_FILE),
    ("logo.svg", SVG, "image/svg+xml", images.MSG_MARKUP_FILE),
    ("photo.jpg", jpeg_bytes() + HTML_PAGE, "image/jpeg", images.MSG_HIDDEN_CODE),
    ("huge.png", huge_png(), "image/png", "too many pixels (10,000 x 10,000 pixels)"),
    ("anim.gif", b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00,", "image/gif", images.MSG_NOT_IMAGE),
])
def test_refused_uploads_say_why_beside_the_image_and_store_nothing(
    client, brand, post_release, media_root, mail_sink, name, data, content_type, message
):
    response = post_release(client, release_data(caption_1="My caption", caption_2="Second"),
                            files={"image_1": upload(name, data, content_type), "image_2": upload("ok.jpg", jpeg_bytes())})
    assert response.status_code == 400
    doc = body_of(response)
    errors = re.search(r'<ul class="errorlist" id="id_image_1_error"><li>(.*?)</li>', doc)[1]
    assert message.replace('"', "&quot;") in errors
    assert 'value="My caption"' in doc
    # The good image beside it is kept as a draft; the refused one left no trace.
    (kept,) = draft_rows()
    assert kept.position == 2 and stored_files(media_root) == [kept.file.name]
    assert not Submission.objects.exists() and mail_sink.messages == []


@pytest_db
def test_too_big_in_bytes(client, brand, post_release, media_root, settings):
    settings.RELEASES = {**settings.RELEASES, "max_image_bytes": 20_000}
    big = jpeg_bytes((1600, 1200))
    assert len(big) > 20_000
    response = post_release(client, release_data(), files={"image_1": upload("big.jpg", big)})
    assert response.status_code == 400
    assert "This image is larger than 20 KB. Make it smaller and try again." in body_of(response)
    assert stored_files(media_root) == []


@pytest_db
def test_six_images_are_refused(client, brand, post_release, media_root):
    files = {f"image_{n}": upload(f"{n}.jpg", jpeg_bytes((64 + n, 48))) for n in range(1, 7)}
    response = post_release(client, release_data(), files=files)
    assert response.status_code == 400
    assert "A release can carry at most 5 images, one in each place below. Extra files were not kept." in body_of(response)
    assert [r.position for r in draft_rows()] == [1, 2, 3, 4, 5]
    assert len(stored_files(media_root)) == 5 and not Submission.objects.exists()


@pytest_db
def test_two_files_in_one_place_are_refused(client, brand, post_release, media_root):
    response = post_release(client, release_data(), files={"image_1": [upload("a.jpg", jpeg_bytes()),
                                                                       upload("b.jpg", jpeg_bytes())]})
    assert response.status_code == 400 and "at most 5 images" in body_of(response)


def multipart(fields: dict, files: list[tuple[str, bytes, bytes]]) -> tuple[bytes, str]:
    """A multipart body written byte by byte, so file names arrive exactly as given."""
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for field, filename, data in files:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="'.encode())
        out.write(filename + b'"\r\nContent-Type: image/jpeg\r\n\r\n' + data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


@pytest_db
def test_path_like_file_names_never_reach_the_filesystem(client, brand, media_root, tmp_path):
    names = [b"../../x.jpg", b"..\\..\\y.jpg", b"/etc/passwd.jpg", b"z\x00.php.jpg", b"w.jpg\x00.html",
             b"%2e%2e%2fq.jpg", b"a" * 500 + b".jpg"]
    files = [(f"image_{n}", name, jpeg_bytes((60 + n, 40))) for n, name in enumerate(names[:5], 1)]
    body, content_type = multipart({**release_data(), "stamp": aged_stamp(), "action": "check"}, files)
    response = client.post("/releases/submit/", body, content_type=content_type, HTTP_HOST=HOST,
                           REMOTE_ADDR=next_ip())
    assert response.status_code == 200, body_of(response)
    files = [(f"image_{n}", name, jpeg_bytes((60 + n, 40))) for n, name in enumerate(names[5:], 1)]
    body, content_type = multipart({**release_data(), "stamp": aged_stamp(), "action": "check"}, files)
    assert client.post("/releases/submit/", body, content_type=content_type, HTTP_HOST=HOST,
                       REMOTE_ADDR=next_ip()).status_code == 200
    rows = draft_rows()
    assert len(rows) == 7
    assert all(STORED.match(r.file.name) for r in rows), [r.file.name for r in rows]
    # Nothing but the server-named files, all inside media/releases; nothing anywhere else.
    everything = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert everything == sorted(f"media/{r.file.name}" for r in rows)
    # The page says that names are not used.
    assert "file names and camera data are not kept" in body_of(response)


# --- the image view -----------------------------------------------------------------------------


@pytest.fixture
def release_with_image(db, brand, media_root):
    submission = Submission.objects.create(brand=brand, category="event", headline="Regatta", body="<p>x</p>",
                                           status=Status.RECEIVED)
    image = SubmissionImage(submission=submission, position=1)
    prepared = image_prepare(png_bytes((64, 48)), limits=LIMITS)
    image.file.save(images.stored_name(prepared), ContentFile(prepared.data), save=False)
    image.width, image.height = 64, 48
    image.save()
    return submission, image, prepared.data


def image_path(image) -> str:
    return "/media/" + image.file.name


@pytest_db
def test_a_published_releases_image_is_served_as_what_it_is(client, other_brand, release_with_image):
    submission, image, data = release_with_image
    submission.status = Status.PUBLISHED
    submission.save()
    response = client.get(image_path(image), HTTP_HOST=HOST)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "public" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == data
    assert client.head(image_path(image), HTTP_HOST=HOST).status_code == 200
    # Only on its own brand's site.
    assert client.get(image_path(image), HTTP_HOST=OTHER).status_code == 404


@pytest_db
@pytest.mark.parametrize("status", [Status.UNVERIFIED, Status.RECEIVED, Status.IN_REVIEW, Status.SCHEDULED,
                                    Status.DECLINED])
def test_an_unpublished_releases_image_is_not_found_but_staff_see_it(client, other_brand, release_with_image, status):
    submission, image, data = release_with_image
    submission.status = status
    submission.save()
    assert client.get(image_path(image), HTTP_HOST=HOST).status_code == 404
    user = get_user_model().objects.create_user("reader", password="x" * 20)
    client.force_login(user)
    assert client.get(image_path(image), HTTP_HOST=HOST).status_code == 404  # logged in is not enough
    staff = get_user_model().objects.create_user("editor", password="x" * 20, is_staff=True)
    moderator = Client()
    moderator.force_login(staff)
    shown = moderator.get(image_path(image), HTTP_HOST=HOST)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    assert "no-store" in shown["Cache-Control"] and shown["X-Content-Type-Options"] == "nosniff"


@pytest_db
def test_drafts_and_odd_names_are_not_found(client, brand, post_release):
    post_release(client, release_data(), action="check", files={"image_1": upload("a.jpg", jpeg_bytes())})
    (draft,) = draft_rows()
    assert client.get(image_path(draft), HTTP_HOST=HOST).status_code == 404
    name = draft.file.name.split("/")[1]
    for odd in (name.upper(), name + ".html", name[:-4] + ".png", "../" + name, name.replace(".jpg", ""),
                "%2e%2e%2fsettings.py", "x" * 32 + ".jpg", name[:-4] + "%00.jpg"):
        assert client.get("/media/releases/" + odd, HTTP_HOST=HOST).status_code == 404, odd
    assert client.post(image_path(draft), HTTP_HOST=HOST).status_code in (403, 405)


def test_a_request_over_the_upload_cap_stops_before_any_view(client, brand, settings, media_root):
    # The CSRF check parses the body before the view and its limits: the cap must hold there.
    settings.UPLOAD_MAX_BYTES = 200_000
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"x" * 400_000, content_type="image/jpeg")
    response = client.post("/releases/submit/", {"headline": "x", "image_1": big}, HTTP_HOST="harbour.test")
    assert response.status_code in (400, 403)
    assert not list(media_root.rglob("*.jpg"))


# --- two posts of one form at once ------------------------------------------------------------


@pytest_db
def test_the_database_keeps_one_draft_image_per_place():
    from django.db import IntegrityError, transaction

    def draft(key: str, position: int, name: str) -> SubmissionImage:
        image = SubmissionImage(draft_key=key, position=position)
        image.file.save(name, ContentFile(png_bytes((40, 30))), save=False)
        image.width, image.height = 40, 30
        image.save()
        return image

    draft("k" * 32, 1, "a.png")
    draft("k" * 32, 2, "b.png")  # another place
    draft("j" * 32, 1, "c.png")  # another form
    with pytest.raises(IntegrityError), transaction.atomic():
        draft("k" * 32, 1, "d.png")
    assert SubmissionImage.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_racing_uploads_to_one_place_leave_one_image_and_no_stray_file(monkeypatch, media_root):
    # Post A reads the form's drafts (none), then post B stores its image in the same place and
    # commits before A writes. A's write then finds the place taken, and is done again: the
    # place holds A's image alone, and B's file and any file of A's failed try are gone.
    import threading

    from django.db import connection

    from wiredesk.releases.services import submissions as svc

    if connection.vendor == "sqlite":
        pytest.skip("SQLite takes the write lock at BEGIN (IMMEDIATE), so the two posts queue; and "
                    "threads share one in-memory test database: the race is PostgreSQL's")

    key = "r" * 32
    limits = ImageLimits(5_000_000, 40_000_000)
    a_image = image_prepare(png_bytes((300, 200)), limits=limits)
    b_image = image_prepare(png_bytes((200, 300)), limits=limits)
    b_done = threading.Event()
    real_drafts_for = svc.drafts_for
    a_reads = []

    def drafts_for(*, draft_key):
        found = real_drafts_for(draft_key=draft_key)
        if threading.current_thread().name == "post-a":
            a_reads.append(len(found))
            if len(a_reads) == 1:
                b_done.wait(10)
        return found

    monkeypatch.setattr(svc, "drafts_for", drafts_for)
    errors = []

    def post(image, done=None):
        try:
            svc.drafts_update(draft_key=key, new={1: image}, texts={}, removed=set())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            from django.db import connection

            connection.close()
            if done is not None:
                done.set()

    a = threading.Thread(target=post, args=(a_image,), name="post-a")
    a.start()
    while not a_reads:
        time.sleep(0.01)
    b = threading.Thread(target=post, args=(b_image, b_done), name="post-b")
    b.start()
    a.join(20)
    b.join(20)
    assert not errors
    (draft,) = SubmissionImage.objects.filter(draft_key=key, submission__isnull=True)
    assert draft.position == 1
    files = sorted(p.name for p in (media_root / "releases").iterdir())
    assert files == [draft.file.name.rsplit("/", 1)[1]]
    # A read an empty form, found the place taken when it wrote, and won on its second try.
    assert a_reads[:2] == [0, 1] and (draft.width, draft.height) == (300, 200)


# --- big photos are stored at a sensible size, and read into bounded memory -----------------------


def test_a_big_photo_is_stored_with_its_longest_side_at_the_limit():
    limits = ImageLimits(LIMITS.max_bytes, LIMITS.max_pixels, max_side=1600)
    wide = image_prepare(jpeg_bytes((4000, 3000)), limits=limits)
    assert (wide.width, wide.height) == (1600, 1200) and reopened(wide).size == (1600, 1200)
    # EXIF orientation 6 stands it upright after scaling: the longest side is still the limit.
    upright = image_prepare(jpeg_bytes((4000, 3000), exif=camera_exif(orientation=6)), limits=limits)
    assert (upright.width, upright.height) == (1200, 1600)
    assert dict(reopened(upright).getexif()) == {}
    # PNG (no reduced-scale decoding) and WebP are scaled too; smaller images keep their size.
    png = image_prepare(png_bytes((3000, 1000)), limits=limits)
    assert (png.width, png.height) == (1600, 533)
    assert image_prepare(webp_bytes((2000, 2000)), limits=limits).width == 1600
    assert image_prepare(jpeg_bytes((1600, 900)), limits=limits).width == 1600
    assert image_prepare(jpeg_bytes((640, 480)), limits=limits).width == 640


MEASURE_PEAK = r"""
import sys
sys.path.insert(0, sys.argv[2])
from wiredesk.releases.images import ImageLimits, image_prepare

def peak_kb():  # this process's own peak resident size (ru_maxrss would count the parent's)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

data = open(sys.argv[1], "rb").read()
limits = ImageLimits(16 * 1024 * 1024, 40_000_000, max_side=int(sys.argv[3]))
before = peak_kb()
prepared = image_prepare(data, limits=limits)
print((peak_kb() - before) // 1024, prepared.width, prepared.height)
"""


def test_reading_a_24_megapixel_photo_takes_a_fraction_of_its_full_size_in_memory(tmp_path):
    # Measured in a fresh process (peak resident size), with the project's limit and with none:
    # the full decode of 6000 x 4000 RGB alone is 72 MB.
    import os
    import subprocess
    import sys
    from pathlib import Path

    if not os.path.exists("/proc/self/status"):
        pytest.skip("reads the peak resident size from /proc (Linux)")
    path = tmp_path / "big.jpg"
    path.write_bytes(jpeg_bytes((6000, 4000)))
    root = str(Path(__file__).resolve().parents[2])

    def peak(max_side: int) -> tuple[int, int, int]:
        out = subprocess.run([sys.executable, "-c", MEASURE_PEAK, str(path), root, str(max_side)],
                             capture_output=True, text=True, check=True).stdout.split()
        return int(out[0]), int(out[1]), int(out[2])

    limited_mb, width, height = peak(2560)
    full_mb, full_width, _ = peak(100_000)
    assert (width, height) == (2560, 1707) and full_width == 6000
    assert full_mb >= 72  # the unlimited decode holds the whole picture
    assert limited_mb <= full_mb / 2.5, (limited_mb, full_mb)


def test_a_request_with_a_thousand_files_is_refused_and_writes_nothing(client, brand, media_root, settings):
    """Reliability U4: one multipart request carrying 1,000 small file parts (far past the
    form's images) is refused with 400 when the body is parsed, before any view, and leaves
    no file in the media folder or the temporary upload folder."""
    import tempfile
    from pathlib import Path

    tmp_before = set(Path(tempfile.gettempdir()).glob("*.upload*"))
    files = {f"image_{n}": SimpleUploadedFile(f"p{n}.jpg", b"\xff\xd8\xff" + b"x" * 64, content_type="image/jpeg")
             for n in range(1000)}
    response = Client(raise_request_exception=False).post(
        "/releases/submit/", {"headline": "Many files", **files}, HTTP_HOST="harbour.test")
    assert response.status_code == 400
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES < 1000
    assert not [p for p in media_root.rglob("*") if p.is_file()]
    assert set(Path(tempfile.gettempdir()).glob("*.upload*")) == tmp_before
    # The site still answers (nothing was left half-done).
    assert client.get("/releases/submit/", HTTP_HOST="harbour.test").status_code == 200

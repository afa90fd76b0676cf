import hashlib

from wiredesk.text.fingerprint import content_fingerprint, normalize_for_fingerprint, sha256_hex

TITLE = "Lighthouse reopens at Port Ellis"
BODY = "The Port Ellis lighthouse reopened on Saturday. “It’s back,” said the keeper."


def test_sha256_hex_of_bytes_and_text():
    assert sha256_hex(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert sha256_hex("abc") == sha256_hex(b"abc")
    assert sha256_hex("é") == hashlib.sha256("é".encode("utf-8")).hexdigest()


def test_normalization():
    assert normalize_for_fingerprint("  <p>The  <b>FERRY</b></p>\n<p>sailed&nbsp;&amp; docked!</p> ") == (
        "the ferry sailed docked"
    )
    assert normalize_for_fingerprint("Straße ＡＢＣ ﬁsh") == "strasse abc fish"
    assert normalize_for_fingerprint("a < b") == "a < b"
    assert normalize_for_fingerprint("zero\u200bwidth soft\u00adhyphen") == "zerowidth softhyphen"


def test_fingerprint_is_stable_hex():
    value = content_fingerprint(TITLE, BODY)
    assert len(value) == 64
    assert value == sha256_hex("lighthouse reopens at port ellis\nthe port ellis lighthouse reopened on saturday it s back said the keeper")


def test_same_content_different_markup_and_whitespace():
    marked_up = "<p>The  Port Ellis lighthouse reopened on Saturday.</p>\n<p>\"It's back,\" said the keeper.</p>"
    assert content_fingerprint("  LIGHTHOUSE reopens at Port Ellis ", marked_up) == content_fingerprint(TITLE, BODY)


def test_different_content_differs():
    assert content_fingerprint(TITLE, BODY) != content_fingerprint(TITLE, BODY.replace("Saturday", "Sunday"))
    # Words moved between title and body are a different story.
    assert content_fingerprint("a b", "c") != content_fingerprint("a", "b c")

"""Near-identical copies of one story: MinHash signatures of word shingles, LSH bands.

Two sendings of the same copy (a reissue with a new time, a "corrects" version, the same
agency story through two wires) differ in a paragraph, a credit line or a few words; their
sets of word shingles overlap almost entirely, where two different stories, even on the
same topic, share few. The Jaccard similarity of the shingle sets is estimated from MinHash
signatures (datasketch), and candidates are found through LSH bands: the signature cut into
BANDS bands of ROWS values, each hashed into a 64-bit integer stored as an indexed row
(stories.CopyBand). Two copies with similarity s share at least one band with probability
1 - (1 - s**ROWS)**BANDS. The figures behind the choices are in docs/benchmarks.md
("Near-duplicate copies").

What is compared is the body text, normalized as for the content fingerprint (case-folded,
punctuation removed, numbers kept): the headline is left out, since a reissue often
changes it. A body of fewer than MIN_BODY_WORDS words (an excerpt-only feed, a headline with
a line under it) says too little on its own: the headline is added to it. Too few
shingles even then (under MIN_SHINGLES): no signature, and only the exact fingerprint
can link the item.

Pure: no Django.
"""

from __future__ import annotations

import functools
import hashlib
import zlib

import numpy as np

from wiredesk.text.dates import epoch_day as day_number
from wiredesk.text.fingerprint import normalize_for_fingerprint

__all__ = [
    "BANDS", "NUM_PERM", "ROWS", "SHINGLE_WORDS", "SHORT_THRESHOLD", "THRESHOLD", "WINDOW_DAYS", "band_keys", "copy_words",
    "day_number", "is_copy", "signature", "signature_normalized", "similarity", "threshold_of",
]

NUM_PERM = 64  # values in a signature: the estimate's standard error is about 0.06 at s = 0.5
SHINGLE_WORDS = 4  # words per shingle
BANDS = 20  # LSH bands written per article (rows in stories.CopyBand)
ROWS = 3  # signature values per band
THRESHOLD = 0.5  # estimated Jaccard similarity from which two bodies are one copy
SHORT_THRESHOLD = 0.8  # the same for short bodies compared with their headline
WINDOW_DAYS = 7  # copies are looked for among articles published this many days either side
MIN_BODY_WORDS = 40  # shorter bodies are compared with their headline
MIN_SHINGLES = 6  # fewer: no signature at all
SEED = 20261


@functools.cache
def _minhash():
    """datasketch's MinHash class and the permutations, drawn once. Imported on first use:
    datasketch's package imports SciPy (for its LSH tuning, unused here), about 0.4 s that
    every web server and command paid at start whether it compared texts or not.

    Shingles are hashed with CRC-32 (zlib, in C) before the permutations: a third of the cost
    of datasketch's default SHA-1 for the same spread of values on short byte strings."""
    from datasketch import MinHash

    return MinHash, MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=zlib.crc32).permutations


def copy_words(title: str, text: str) -> list[str]:
    """The words compared: the body's, with the headline's in front when the body is short."""
    words = normalize_for_fingerprint(text).split()
    if len(words) < MIN_BODY_WORDS:
        words = normalize_for_fingerprint(title).split() + words
    return words


def shingles(words: list[str], size: int = SHINGLE_WORDS) -> set[bytes]:
    """The distinct runs of ``size`` words (one run of all words when there are fewer)."""
    if len(words) <= size:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)}


def signature_of(grams: set[bytes], *, short: bool = False) -> bytes:
    """The MinHash signature of a set of shingles: one byte saying what was compared (b"L"
    the body, b"S" a short body with its headline), then NUM_PERM little-endian 32-bit values."""
    if len(grams) < MIN_SHINGLES:
        return b""
    minhash_class, permutations = _minhash()
    minhash = minhash_class(num_perm=NUM_PERM, seed=SEED, permutations=permutations, hashfunc=zlib.crc32)
    minhash.update_batch(list(grams))
    # datasketch keeps each value below 2**32 in a 64-bit slot: four bytes hold it.
    return (b"S" if short else b"L") + np.asarray(minhash.hashvalues, dtype="<u4").tobytes()


def signature_normalized(title: str, text: str) -> bytes:
    """The copy signature from headline and body already reduced by normalize_for_fingerprint
    (normalize has them for the content fingerprint: the reduction is a third of the cost)."""
    body = text.split()
    short = len(body) < MIN_BODY_WORDS
    words = title.split() + body if short else body
    return signature_of(shingles(words), short=short)


def signature(title: str, text: str) -> bytes:
    """The copy signature of a story (b"" when it has too few words to have one)."""
    return signature_normalized(normalize_for_fingerprint(title), normalize_for_fingerprint(text))


def _values(sig: bytes) -> np.ndarray:
    return np.frombuffer(sig, dtype="<u4", offset=1)


def band_keys(sig: bytes, *, bands: int = BANDS, rows: int = ROWS) -> list[int]:
    """The signature's LSH bands as signed 64-bit integers (what a BigIntegerField holds).

    The band's number is hashed in with its values, so equal values in different bands
    never meet; short and long signatures never share a band."""
    if not sig:
        return []
    values = _values(sig)
    keys = []
    for band in range(bands):
        chunk = values[band * rows : (band + 1) * rows].tobytes()
        digest = hashlib.blake2b(sig[:1] + band.to_bytes(2, "little") + chunk, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return keys


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two signatures (0 when either
    is missing or they were made differently: a short body against a long one)."""
    if not a or not b or len(a) != len(b) or a[:1] != b[:1]:
        return 0.0
    return float(np.count_nonzero(_values(a) == _values(b))) / ((len(a) - 1) // 4)


def threshold_of(sig: bytes) -> float:
    """The similarity from which a signature's body is a copy: short bodies with their
    headline need more, as one changed number or name is a larger part of them and
    templated short items (results, notices) differ in little else."""
    return SHORT_THRESHOLD if sig[:1] == b"S" else THRESHOLD


def is_copy(a: bytes, b: bytes) -> bool:
    """Whether two signatures are of the same copy."""
    return similarity(a, b) >= threshold_of(a)

"""Language of a story: detected from its text, or taken from the feed's hint."""

from __future__ import annotations

import functools
import re

UNDETERMINED = "und"  # ISO 639-2 code for "undetermined"

# The model scores byte n-grams, so evidence grows with bytes, not characters:
# 20 Chinese characters (60 bytes) say more than 20 Latin letters.
MIN_TEXT_BYTES = 40
# Probabilities are softmax-normalised over ~130 labels; below this the best
# guess is often a near neighbour (es/gl, no/da) and the feed's hint is better.
MIN_CONFIDENCE = 0.5

# Model labels that are not ISO 639-1 but belong to a macrolanguage that is.
# Labels with no ISO 639-1 code at all fall back to the hint.
_TO_639_1 = {
    "ary": "ar",  # Moroccan Arabic
    "arz": "ar",  # Egyptian Arabic
    "yue": "zh",  # Cantonese
    "wuu": "zh",  # Wu Chinese
    "uzs": "uz",  # Southern Uzbek
    "gug": "gn",  # Paraguayan Guarani
    "sdh": "ku",  # Southern Kurdish
    "fuv": "ff",  # Nigerian Fulfulde
    "kik": "ki",  # Kikuyu, labelled with its ISO 639-2 code
}
# Three-letter hints seen in feeds (ISO 639-2/T and /B) for the common languages.
_HINT_639_2 = {
    "eng": "en", "fra": "fr", "fre": "fr", "deu": "de", "ger": "de", "spa": "es",
    "ita": "it", "por": "pt", "nld": "nl", "dut": "nl", "rus": "ru", "zho": "zh",
    "chi": "zh", "jpn": "ja", "kor": "ko", "ara": "ar", "hin": "hi", "tur": "tr",
    "pol": "pl", "ukr": "uk", "swe": "sv", "nor": "no", "dan": "da", "fin": "fi",
}  # fmt: skip
_HINT = re.compile(r"^([a-z]{2,3})(?:[-_].*)?$")


@functools.cache
def _identifier():
    # Loading the model takes most of a second: do it on first use, once per process.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def normalize_language(code: str | None) -> str | None:
    """Return the ISO 639-1 code for a language tag such as "en-US", or None."""
    if not code:
        return None
    match = _HINT.match(code.strip().lower())
    if not match:
        return None
    primary = match.group(1)
    if len(primary) == 3:
        return _HINT_639_2.get(primary)
    return primary


def detect_language(text: str, *, hint: str | None = None) -> str:
    """Return the ISO 639-1 code of text's language, the hint's, or "und"."""
    fallback = normalize_language(hint) or UNDETERMINED
    # The first couple of thousand characters decide as well as the whole story, faster.
    text = " ".join(text[:800].split())
    if len(text.encode("utf-8")) < MIN_TEXT_BYTES:
        return fallback
    label, confidence = _identifier().classify(text)
    code = _TO_639_1.get(label, label)
    if confidence < MIN_CONFIDENCE or len(code) != 2:
        return fallback
    return code

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

    class Identifier(LanguageIdentifier):
        """py3langid's identifier, its automaton walk done by _WindowWalk (same scores, faster)."""

        __slots__ = ("walk",)

        def _raw_score(self, text):
            counted = self.walk.counts(text) if self.walk is not None else None
            if counted is None:  # no walk, or no features: as the library does it
                return super()._raw_score(text)
            features, counts = counted
            # py3langid's naive Bayes score over the sparse counts (checked equal below).
            return self.walk.np.log1p(counts) @ self.nb_ptc[features] + self.nb_pc

    identifier = Identifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.walk = None
    try:
        identifier.walk = _WindowWalk(identifier.tk_nextmove, identifier._rowbase, identifier.tk_output)
        # Kept only if it scores exactly as the library's own walk does.
        samples = [identifier._encode(text) for text in _WALK_CHECKS] + [bytes(range(256)) * 3]
        if not all(
            (identifier._raw_score(s) == LanguageIdentifier._raw_score(identifier, s)).all() for s in samples
        ):
            identifier.walk = None
    except Exception:  # a py3langid whose model is laid out differently: its own walk it is
        identifier.walk = None
    return identifier


_WALK_CHECKS = (
    "The harbour council voted on Tuesday to extend the ferry timetable through the winter months.",
    "Der Stadtrat hat am Dienstag beschlossen, den Fährfahrplan über die Wintermonate zu verlängern.",
    "Городской совет во вторник проголосовал за продление расписания парома на зимние месяцы.",
    "市议会周二投票决定在整个冬季延长渡轮时刻表。 مجلس المدينة صوت يوم الثلاثاء",
)


class _WindowWalk:
    """The model's byte n-gram counts, computed for all positions of a text at once.

    py3langid runs its automaton over the text one byte at a time, in Python. The automaton
    recognises the model's byte n-grams (Aho-Corasick): the state it is in after any input
    is the longest suffix of that input which begins some n-gram, so it depends on the last
    ``width`` bytes only, ``width`` being the depth of the deepest state. So the state at
    every position is the state reached from the start on the ``width`` bytes ending there,
    and ``width`` vectorised steps compute them all.
    """

    def __init__(self, nextmove, rowbase, output) -> None:
        import array

        import numpy as np

        self.np = np
        if isinstance(nextmove, array.array):
            self.nextmove = np.frombuffer(nextmove, dtype=np.dtype(nextmove.typecode))
        else:
            self.nextmove = np.asarray(nextmove)
        self.rowbase = np.asarray(rowbase, dtype=np.int64)
        self.output = np.asarray(output, dtype=np.int64)
        self.width = self._depth()

    def _depth(self) -> int:
        """Breadth-first from the start state; states sharing a row of moves expand once."""
        np = self.np
        bases, row_of = np.unique(self.rowbase, return_inverse=True)
        seen = np.zeros(len(self.rowbase), dtype=bool)
        seen[0] = True
        expanded = np.zeros(len(bases), dtype=bool)
        frontier, depth, moves = np.array([0]), 0, np.arange(256)
        while True:
            rows = np.unique(row_of[frontier])
            rows = rows[~expanded[rows]]
            expanded[rows] = True
            reached = np.zeros(len(seen), dtype=bool)
            reached[self.nextmove[(bases[rows][:, None] + moves).ravel()]] = True
            reached &= ~seen
            if not reached.any():
                return depth
            seen |= reached
            frontier = np.flatnonzero(reached)
            depth += 1

    def counts(self, data: bytes):
        """(features, counts) arrays in order of first occurrence, as py3langid's walk counts
        them; None if the text has no features."""
        np = self.np
        text = np.frombuffer(data, dtype=np.uint8)
        size = len(text)
        states = np.zeros(size, dtype=self.nextmove.dtype)
        # Step by step every window grows by its next byte; windows that would start before
        # the text start with its first byte instead.
        for offset in range(min(self.width, size) - 1, -1, -1):
            window = states[offset:]
            np.take(self.nextmove, self.rowbase[window] + text[: size - offset], out=window)
        features = self.output[states]
        features = features[features >= 0]
        if not len(features):
            return None
        keys, first, counts = np.unique(features, return_index=True, return_counts=True)
        order = np.argsort(first)
        return keys[order], counts[order].astype(np.float32)


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

"""Terms of a headline or story for clustering: what two write-ups of one event share.

Pure and language-aware. Words are case-folded and reduced to their Snowball stem in the
text's language (PyStemmer: "rates"/"rate", "évacués"/"évacué"); a language without a stemmer
keeps whole words. Numbers stay whole and lose their thousands separators ("1,200" and "1200"
are one term), since a score, a toll or a sum is what sets one event apart from another of the
same kind. Scripts written without spaces (Chinese, Japanese) give overlapping character pairs.
Very common function words carry no event and are dropped before weighting.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from urllib.parse import unquote, urlsplit

import Stemmer

# ISO 639-1 code to PyStemmer's algorithm name.
_STEMMERS = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "cs": "czech", "da": "danish",
    "nl": "dutch", "en": "english", "eo": "esperanto", "et": "estonian", "fi": "finnish", "fr": "french",
    "de": "german", "el": "greek", "hi": "hindi", "hu": "hungarian", "id": "indonesian", "ga": "irish",
    "it": "italian", "lt": "lithuanian", "ne": "nepali", "no": "norwegian", "nb": "norwegian",
    "nn": "norwegian", "fa": "persian", "pl": "polish", "pt": "portuguese", "ro": "romanian",
    "ru": "russian", "sr": "serbian", "st": "sesotho", "es": "spanish", "sv": "swedish", "ta": "tamil",
    "tr": "turkish", "yi": "yiddish",
}  # fmt: skip

# Words that say nothing about which event a headline reports, in the languages most wires use.
# Kept short on purpose: document frequency weighs the rest down.
_STOP = frozenset(
    """a an the and or but of to in on at by for from with as is are was were be been has have had
    it its this that these those not no will would can could says said say after over into up out
    new how why what who when than more about off amid just may
    le la les un une des du de et ou à au aux en dans pour par sur avec est sont qui que
    der die das ein eine und oder zu im in am mit von für auf ist sind den dem des nicht
    el los las unos unas y o en con por para del al es son que se
    il lo gli uno e di da con per su che non
    o os as um uma e em no na do da dos das com por para que""".split()
)

_NUMBER = re.compile(r"\d+(?:[.,'’ ]\d{3})+(?!\d)|\d+(?:[.,]\d+)?")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+(?:[.,'’ ]\d{3})+(?!\d)|\d+(?:[.,]\d+)?", re.UNICODE)
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")  # kana and Han
_SEPARATORS = re.compile(r"[,'’ ]")
_SLUG_SPLIT = re.compile(r"[-_+.]+")
_SLUG_NOISE = re.compile(r"^(?:[0-9a-f]{6,}|\d{5,}|html?|php|aspx?|story|article|news|index)$")

SLUG_WEIGHT = 0.5  # a URL's slug words count half: they often repeat the headline, not always


@functools.cache
def _stemmer(language: str):
    name = _STEMMERS.get(language)
    return Stemmer.Stemmer(name) if name else None


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _number(token: str) -> str:
    """"1,200", "1 200" and "1.200" (thousands separators) to "1200"; "3.5" stays."""
    if len(token) > 4 and re.fullmatch(r"\d{1,3}(?:[.,'’ ]\d{3})+", token):
        return _SEPARATORS.sub("", token).replace(".", "")
    return token.replace(",", ".")


@functools.lru_cache(maxsize=65536)
def words(text: str, language: str = "") -> tuple[str, ...]:
    """The terms of ``text`` in order, repeats kept (a headline's words count once each later)."""
    folded = _fold(text)
    stem = _stemmer(language.split("-")[0].lower() if language else "")
    out: list[str] = []
    for run in _UNSPACED.findall(folded):  # character pairs for scripts without spaces
        out.extend(run[i : i + 2] for i in range(max(1, len(run) - 1)))
    folded = _UNSPACED.sub(" ", folded)
    tokens = _WORD.findall(folded)
    plain_words = []
    for token in tokens:
        if token[0].isdigit():
            out.append("#" + _number(token))
        elif token not in _STOP and len(token) > 1:
            plain_words.append(token.replace("’", "'").split("'")[0] if "'" in token or "’" in token else token)
    if stem is not None:
        plain_words = stem.stemWords(plain_words)
    out.extend(w for w in plain_words if w)
    return tuple(out)


def slug_words(url: str, language: str = "") -> tuple[str, ...]:
    """Terms of a URL's last meaningful path segment ("/2026/05/harbour-fire-closes-quay.html")."""
    try:
        path = unquote(urlsplit(url).path)
    except ValueError:
        return ()
    for segment in reversed([s for s in path.split("/") if s]):
        parts = [p for p in _SLUG_SPLIT.split(segment) if p and not _SLUG_NOISE.match(p.lower())]
        if len(parts) >= 2:
            return words(" ".join(parts), language)
    return ()


def term_weights(title: str, *, url: str = "", language: str = "", text: str = "") -> dict[str, float]:
    """Raw term weights of one item: each headline term 1, each slug term not in the headline
    ``SLUG_WEIGHT``, each term of the opening text not in either 0.5 (bodies, when there are any,
    add the names and numbers the headline left out)."""
    weights: dict[str, float] = dict.fromkeys(words(title, language), 1.0)
    for term in slug_words(url, language) if url else ():
        weights.setdefault(term, SLUG_WEIGHT)
    if text:
        for term in words(text, language):
            weights.setdefault(term, 0.5)
    return weights

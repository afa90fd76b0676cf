"""Automated checks of a news release, shown to the submitter before sending and to the moderator.

Pure functions: a ``ReleaseText`` and the limits in, a list of ``CheckResult`` out. No ORM,
no settings: whether the text duplicates an earlier submission is looked up by the caller
(``services.submissions.fingerprint_seen``) and passed in as a flag.

What blocks and what only warns
-------------------------------
The checks are advice to the submitter and a summary for the moderator, who decides. Only
one check also blocks sending: a word count *far* outside the configured range, that is
fewer than half the minimum (a line or two is not a release) or more than one and a half
times the maximum (no moderator reads that). A count just outside the range warns, like
every other check: first person, capitals or hype in the headline, too many links, no
dateline, an incomplete contact block, no "about" paragraph, images without caption or
credit, and a duplicate of an earlier submission (a resend after a fix is legitimate).
Everything else that blocks is a form error on a required or malformed field (headline,
body, category, contact email, dates, images), reported by the form beside its field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wiredesk.text.fingerprint import content_fingerprint
from wiredesk.text.sanitize import html_to_text


@dataclass(frozen=True)
class CheckLimits:
    min_words: int
    max_words: int
    max_links: int

    @classmethod
    def from_settings(cls, releases: dict) -> "CheckLimits":
        return cls(releases["min_words"], releases["max_words"], releases["max_links"])


@dataclass(frozen=True)
class ReleaseText:
    """What the checks read: the body already sanitized to the small HTML subset."""

    headline: str
    body_html: str
    about: str = ""
    dateline_place: str = ""
    contact_name: str = ""
    contact_organisation: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    images: tuple[tuple[str, str], ...] = ()  # (caption, credit) of each image


@dataclass(frozen=True)
class CheckResult:
    code: str
    ok: bool
    message: str
    blocking: bool = False  # only ever True when not ok

    def as_dict(self) -> dict:
        return {"code": self.code, "ok": self.ok, "message": self.message}


FIRST_PERSON = frozenset({"i", "we", "our", "ours", "us", "my", "mine", "me", "myself", "ourselves"})
# Phrases wires reject as hype; matched as whole words, case-insensitive, hyphen or space alike.
HYPE = (
    "revolutionary", "best ever", "world class", "groundbreaking", "ground breaking", "game changing",
    "game changer", "unprecedented", "cutting edge", "state of the art", "industry leading", "best in class",
    "unbeatable", "unrivalled", "unrivaled", "second to none", "once in a lifetime", "must see", "amazing",
    "incredible", "sensational", "mind blowing", "jaw dropping", "act now", "don't miss", "limited time",
)  # fmt: skip
_HYPE = re.compile(
    r"(?<![\w-])(?:" + "|".join(re.escape(p).replace(r"\ ", r"[\s-]+") for p in HYPE) + r")(?![\w-])", re.IGNORECASE
)
_WORD = re.compile(r"[^\W\d_](?:[\w'\u2019-]*\w)?|\d[\d.,]*")
_LETTERS = re.compile(r"[^\W\d_]+")
_URL = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"']+")
_HREF = re.compile(r"(?i)<a\s[^>]*href=")
_ANCHOR = re.compile(r"(?is)<a\s[^>]*>.*?</a>")
# Straight and typographic double quotes; single quotes are apostrophes too often to count.
_QUOTED = re.compile(r'"[^"\n]*(?:"|$)|\u201c[^\u201d\n]*(?:\u201d|$)|\u201e[^\u201c\u201d\n]*(?:[\u201c\u201d]|$)'
                     r"|\u00ab[^\u00bb\n]*(?:\u00bb|$)", re.MULTILINE)

FIRST_PERSON_SHARE = 0.015  # of the words outside quotations
FIRST_PERSON_MIN = 3  # fewer than this is a stray word, not a voice


def words_in(text: str) -> list[str]:
    return _WORD.findall(text)


def count_words(body_html: str) -> int:
    """Words of the body as a reader counts them: markup ignored."""
    return len(words_in(html_to_text(body_html)))


def outside_quotes(text: str) -> str:
    """The text without what stands between double quotation marks (an unclosed one runs to the line end)."""
    return _QUOTED.sub(" ", text)


def count_links(body_html: str, about: str) -> int:
    """Links in the body (anchors and bare addresses) and the bare addresses in the about paragraph."""
    anchors = len(_HREF.findall(body_html))
    bare = len(_URL.findall(html_to_text(_ANCHOR.sub(" ", body_html)))) + len(_URL.findall(about))
    return anchors + bare


def release_fingerprint(release: ReleaseText) -> str:
    """The duplicate check's key: headline and body text, however marked up."""
    return content_fingerprint(release.headline, release.body_html)


def check_words(release: ReleaseText, limits: CheckLimits) -> CheckResult:
    n = count_words(release.body_html)
    low, high = limits.min_words, limits.max_words
    span = f"between {low:,} and {high:,} words"
    if n < low:
        far = n < low // 2
        return CheckResult("words", False, f"The release has {n:,} words; releases should have {span}. "
                           + ("It is too short to send: add the facts a reader needs." if far
                              else "Add a little more detail if you can."), blocking=far)
    if n > high:
        far = n > high + high // 2
        return CheckResult("words", False, f"The release has {n:,} words; releases should have {span}. "
                           + ("It is too long to send: cut it down." if far else "Please shorten it."), blocking=far)
    return CheckResult("words", True, f"Length: {n:,} words, within the {low:,} to {high:,} a release should have.")


def check_third_person(release: ReleaseText, limits: CheckLimits) -> CheckResult:
    text = outside_quotes(html_to_text(release.body_html))
    words = words_in(text)
    # "US" in capitals is the country, not the pronoun.
    hits = [w for w in words if w.lower() in FIRST_PERSON and w != "US"]
    if words and len(hits) >= FIRST_PERSON_MIN and len(hits) / len(words) >= FIRST_PERSON_SHARE:
        used = ", ".join(f'"{w}"' for w in sorted({h.lower() for h in hits}))
        return CheckResult("third_person", False, (
            f"Parts read as written in the first person ({used}: {len(hits)} times outside quotation marks). "
            "Releases are published in the third person: write the organisation's or the person's name "
            "instead, and keep \"we\" and \"I\" inside quotes from a named person."))
    return CheckResult("third_person", True, "Written in the third person.")


def check_headline_caps(release: ReleaseText, limits: CheckLimits) -> CheckResult:
    words = [w for w in _LETTERS.findall(release.headline) if len(w) >= 2]
    shouting = [w for w in words if w.isupper()]
    if len(shouting) >= 3 and len(shouting) * 2 > len(words):
        return CheckResult("headline_caps", False,
                           "The headline is in capital letters. Write it in ordinary sentence case.")
    return CheckResult("headline_caps", True, "The headline is not in capital letters.")


def check_hype(release: ReleaseText, limits: CheckLimits) -> CheckResult:
    found = []
    if "!" in release.headline:
        found.append("an exclamation mark in the headline")
    body = html_to_text(release.body_html)
    if re.search(r"!{2,}", body) or re.search(r"!{2,}", release.about):
        found.append('"!!" in the text')
    plain = outside_quotes(body) + "\n" + release.headline + "\n" + release.about
    words = sorted({" ".join(re.split(r"[\s-]+", m.lower())) for m in _HYPE.findall(plain)})
    if words:
        found.append("promotional words (" + ", ".join(f'"{w}"' for w in words) + ")")
    if found:
        return CheckResult("hype", False, "The release reads like an advertisement: " + "; ".join(found)
                           + ". State the facts plainly and let the newsroom judge them.")
    return CheckResult("hype", True, "No exclamation marks or promotional words.")


def check_links(release: ReleaseText, limits: CheckLimits) -> CheckResult:
    n = count_links(release.body_html, release.about)
    if n > limits.max_links:
        return CheckResult("links", False, f"The release has {n} links; at most {limits.max_links} are allowed. "
                           "Keep the most useful ones (your website has its own field).")
    return CheckResult("links", True, f"Links: {n} (at most {limits.max_links}).")


def check_dateline(release: ReleaseText, limits: CheckLimits) -> CheckResult:
    if not release.dateline_place.strip():
        return CheckResult("dateline", False,
                           "There is no dateline: give the town or city the news comes from.")
    return CheckResult("dateline", True, "The dateline is given.")


def check_contact(release: ReleaseText, limits: CheckLimits) -> CheckResult:
    missing = [label for label, value in (
        ("the contact's name", release.contact_name), ("the organisation", release.contact_organisation),
    ) if not value.strip()]
    if not (release.contact_email.strip() or release.contact_phone.strip()):
        missing.append("an email address or phone number")
    if missing:
        return CheckResult("contact", False, "The contact block is incomplete: add " + " and ".join(missing)
                           + ", so the newsroom can check the facts with someone.")
    return CheckResult("contact", True, "The contact block is complete.")


def check_about(release: ReleaseText, limits: CheckLimits) -> CheckResult:
    if not release.about.strip():
        return CheckResult("about", False,
                           'There is no "about the organisation" paragraph: '
                           "add two or three sentences about who you are.")
    return CheckResult("about", True, 'The "about the organisation" paragraph is there.')


def check_images(release: ReleaseText, limits: CheckLimits) -> CheckResult:
    bare = [n for n, (caption, credit) in enumerate(release.images, 1) if not caption.strip() or not credit.strip()]
    if bare:
        which = ", ".join(str(n) for n in bare)
        return CheckResult("images", False, f"Image {which}: give every image a caption and a credit "
                           "(who took the photo or owns it).")
    return CheckResult("images", True, f"Images: {len(release.images)}, each with a caption and a credit.")


def check_duplicate(duplicate: bool) -> CheckResult:
    if duplicate:
        return CheckResult("duplicate", False, "The same headline and text were submitted before. "
                           "If this is a correction, say what changed at the top of the text.")
    return CheckResult("duplicate", True, "Not a duplicate of an earlier submission.")


RULES = (check_words, check_third_person, check_headline_caps, check_hype, check_links, check_dateline,
         check_contact, check_about, check_images)


def run_checks(release: ReleaseText, *, limits: CheckLimits, duplicate: bool) -> list[CheckResult]:
    """Every check of a release, in the order they are shown."""
    return [rule(release, limits) for rule in RULES] + [check_duplicate(duplicate)]


def blocking(results: list[CheckResult]) -> list[CheckResult]:
    """The results that stop a release from being sent."""
    return [r for r in results if r.blocking and not r.ok]


def stored(results: list[CheckResult]) -> dict:
    """The form kept in Submission.checks for the moderator."""
    return {"results": [r.as_dict() for r in results]}


def from_stored(data: dict) -> list[CheckResult]:
    """Results back from Submission.checks (for pages that show them)."""
    return [CheckResult(r["code"], bool(r["ok"]), r["message"]) for r in (data or {}).get("results", [])]


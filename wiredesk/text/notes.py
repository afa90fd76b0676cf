"""Editor's notes of wire copy: lifted out of the story, kept beside it.

A wire that resends a story says why in a line of its own: "(Corrects spelling of the mayor's
name in paragraph 3)", "Repeats to more subscribers", "EDITOR'S NOTE: ...", or a headline
prefix such as "CORRECTED-" or "UPDATE 2-". Those lines are about the copy, not the event:
they never belong in the body a reader sees, and two sendings of one story must compare equal
without them.

The rules are general forms rather than a list of sentences, and tight, because a real
paragraph lost is worse than a note left in:

- only the first or last few paragraphs are looked at, never the middle of a story;
- a paragraph wholly in parentheses or brackets is a note when it opens with an edit verb
  ("Corrects", "Adds", "Updates with", "Refiled to"), with "This story/version ...", or with a
  marker word ("REPEAT", "Editor's note");
- a paragraph opening with a marker label and a colon or dash is a note ("CORRECTION: ...",
  "Editor's note - ..."); "Update:" only when what follows reads like one (a time stamp, or an
  edit verb);
- an unbracketed paragraph is a note only when it is short, opens with an edit verb and
  holds no finite verb of a sentence ("Refiled to fix typo"; not "Updates to the timetable
  were published on Monday");
- a paragraph that is only a marker ("REPEAT", "UPDATE 2") is a note.

Pure: no Django; the HTML helpers work on lxml trees from wiredesk.text.sanitize.
"""

from __future__ import annotations

import html as html_lib
import re

import lxml.html

from wiredesk.text.sanitize import parse_fragment

__all__ = ["NOTES_MAX_CHARS", "is_note", "lift_html_notes", "join_notes", "lift_paragraphs", "may_hold_notes", "note_span",
           "split_inline", "split_title"]

NOTES_MAX_CHARS = 500
EDGE = 3  # paragraphs looked at at each end of a story
SHORT_WORDS = 16  # an unbracketed note is at most this long

# Edit verbs in the forms wires use for them: "Corrects", "Corrected", "Correcting".
_VERB_FORM = (
    r"(?:correct(?:s|ed|ing|ion)?|adds|added|adding|updat(?:es|ed|ing)|repeat(?:s|ed|ing)?|rpt"
    r"|refil(?:es|ed|ing|e)|re-?fil(?:es|ed|ing|e)|remov(?:es|ed|ing)|delet(?:es|ed|ing)|chang(?:es|ed|ing)"
    r"|clarif(?:ies|ied|ying|ication)|fix(?:es|ed|ing)|withdr(?:aws|ew|awn|awing)|recast(?:s|ing)?"
    r"|rewrit(?:es|ten|ing)|rewrote|replac(?:es|ed|ing)|insert(?:s|ed|ing)|amend(?:s|ed|ing)"
    r"|restor(?:es|ed|ing)|edit(?:s|ed|ing)|revis(?:es|ed|ing)|expand(?:s|ed|ing)|trim(?:s|med|ming)"
    r"|re-?issu(?:es|ed|ing)|re-?sen(?:ds|t|ding)|retransmit(?:s|ted|ting)?|redistribut(?:es|ed|ing)"
    r"|overwrit(?:es|ten|ing)|re-?runs?|re-?ran|tops|topped|subs|subbed|kills|killed"
    r"|reword(?:s|ed|ing)|rephras(?:es|ed|ing)|recti(?:fies|fied))"
)
_MARKER = (
    r"(?:editors?['’]?s?\s+notes?|notes?\s+to\s+editors?|note|corrections?|correction\s+appended|clarification"
    r"|corrected|refiled?|re-?filed?|repeat(?:ed)?|rpt|updated?(?:\s*\d{1,2}(?![:.]\d))?|advisory|kill|mandatory\s+kill"
    r"|withdrawn|eds?|editors)"
)
# "UPDATE:" opens notes and also live-blog paragraphs of news: these labels need a note after them.
_WEAK_LABELS = re.compile(r"(?i)^(?:updated?|eds?|note)$")
_STAMP_WORD = re.compile(
    r"(?i)^(?:\d[\d:.,/h-]*|(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|rsday|urday)?|jan(?:uary)?"
    r"|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?"
    r"|dec(?:ember)?|at|on|am|pm|a\.m|p\.m|[A-Z]{2,4}|[+-]\d+)$"
)

_BRACKETED = re.compile(r"^\s*[(\[](?P<inner>[^()\[\]]*(?:\([^()]*\)[^()\[\]]*)*)[)\]]\s*[.]?\s*$", re.S)
_VERB_START = re.compile(rf"(?i)^\W*{_VERB_FORM}(?![\w-])")
_THIS_COPY = re.compile(
    r"(?i)^\W*(?P<det>this|the|an\s+earlier|a\s+previous)\s+(?:[\w.,-]+\s+){0,4}?"
    r"(?:story|version|article|item|report|copy|piece|dispatch|headline)\b.{0,200}?"
    r"\b(?:(?:was|has\s+been|had\s+been|is\s+being|have\s+been)\s+(?:\w+\s+)?)?"
    + _VERB_FORM + r"(?![\w-])"
)
_LABEL = re.compile(rf"(?i)^\W*(?P<label>{_MARKER})\s*(?:[:：]|\s[-–—]+(?=\s)|[–—])\s*(?P<rest>.*)$", re.S)
_ONLY_MARKER = re.compile(rf"(?i)^\W*{_MARKER}\W*$")
_FINITE = frozenset(
    "is are was were will would has have had said says say be been being can could should may might must "
    "do does did shall told tells asked".split()
)  # fmt: skip
_AMBIGUOUS = frozenset(
    "updates adds repeats changes fixes edits inserts tops subs kills trims includes expands restores "
    "rewrites revises replaces removes runs reruns amends".split()
)  # fmt: skip
_ABOUT_COPY = re.compile(
    r"(?i)\b(?:subscribers?|clients?|customers|headline|byline|dateline|paragraph|para|graf|typo|spelling|story"
    r"|version|fix|correct|include|add|details|quotes?|background)\b"
)
# What follows an ambiguous first word in a note: "Adds quote", "Updates with", "Changes headline".
_NOTE_OBJECTS = frozenset(
    "with throughout headline headlines byline dateline paragraph paragraphs para paras graf grafs spelling name "
    "names quote quotes comment comments details detail background figures figure typo typos link links photo "
    "photos reference references more additional new analyst analysts reaction context official officials "
    "statement story lead lede sourcing a an byline slug category keyword keywords date time minor fresh "
    "further latest".split()
)  # fmt: skip
_AFTER_PARTICIPLE = frozenset(
    "to in with throughout for from at on by after version copy story headline and because".split()
)
_DETERMINERS = frozenset("the a an his her their its our your my this that these those".split())
_CREDIT_LINE = re.compile(r"(?i)^\W*(?:[\w-]+\s+){0,2}(?:reporting|writing|editing|edited|compiled|translated|written|reported)\s+by\b")
_WORD = re.compile(r"[\w'’-]+")

# Headline prefixes: "CORRECTED-", "REFILE-UPDATE 2-", "(REPEAT) ", "RPT-", "UPDATE 3:"; and a
# trailing "(corrected)". A dash right after the marker (no space) or a colon is what sets a
# prefix apart from a headline that starts with the word ("Repeat offender jailed").
_TITLE_MARKER = (
    r"(?:corrected|correction|clarified|refiled?|re-?filed?|rpt|repeat(?:ed)?|update(?:d)?(?:\s*\d{1,2})?"
    r"|wrapup(?:\s*\d{1,2})?|recasts?|re-?issued?|resent|editors?['’]?\s*note|exclusive-update(?:\s*\d{1,2})?)"
)
_TITLE_PREFIX = re.compile(rf"(?i)^\s*(?:(?P<a>{_TITLE_MARKER})\s*(?:-(?!\w*\s*$)|:|\s[–—]\s|[–—])|[(\[](?P<b>{_TITLE_MARKER})[)\]])\s*")
_TITLE_SUFFIX = re.compile(rf"(?i)\s*[(\[](?P<c>{_TITLE_MARKER}|{_VERB_FORM}[^()\[\]]{{0,80}})[)\]]\s*$")


def _is_stamp(text: str) -> bool:
    """A time stamp and nothing else: "12 March 2024 10:30 GMT", "Tue 4 Jun 09.12"."""
    tokens = [t.strip(".,()") for t in text.split()]
    tokens = [t for t in tokens if t]
    return 0 < len(tokens) <= 8 and any(t[0].isdigit() for t in tokens) and all(_STAMP_WORD.match(t) for t in tokens)


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _short_edit_line(text: str) -> bool:
    """"Refiled to fix typo", "Repeats to more subscribers": short, an edit verb first.

    A first word that is also a plural noun ("Updates", "Changes", "Adds") may open a
    sentence of the story: then no finite verb may follow it, and not "to" unless the copy
    is what it speaks of ("Repeats to more subscribers", not "Adds to the pressure")."""
    words = _words(text)
    if not words or len(words) > SHORT_WORDS or not _VERB_START.match(text):
        return False
    first = words[0].casefold()
    if len(words) < 2:
        return True
    second = words[1].casefold()
    if first.endswith("ing"):  # "Adding to the confusion, ..." opens sentences of stories
        return False
    if first.endswith(("ed", "en", "ew", "awn", "ent", "ran")) or first in {"rpt", "resent"}:
        # "Corrected to show ...", "Refiled to fix typo"; not "Revised figures show ...", nor
        # a story's sentence opening with a participle: "Killed in the attack were ...",
        # "Removed from office in 2020, he ..." (a finite verb, or a clause after a comma).
        # "<participle> to <verb> ..." is the note's own shape and may run on ("Corrected to
        # show the berth will cost 14 million, not 40 million").
        to_verb = second == "to" and len(words) > 2 and words[2].casefold() not in _DETERMINERS
        if not to_verb and (any(w.casefold() in _FINITE for w in words[1:]) or re.search(r",\s*\w", text)):
            return False
        return second in _AFTER_PARTICIPLE or _is_stamp(text.split(None, 1)[1])
    if not first.endswith("s"):  # "Repeat offenders ...": a bare form opens no note but a marker
        return False
    if first not in _AMBIGUOUS:
        return True
    if any(w.casefold() in _FINITE for w in words[1:]):
        return False
    if second == "to":
        return bool(_ABOUT_COPY.search(text))
    return second in _NOTE_OBJECTS


def is_note(paragraph: str) -> bool:
    """Whether a paragraph (plain text) is an editor's note rather than part of the story."""
    text = " ".join(paragraph.split())
    if not text or len(text) > 600:
        return False
    if _ONLY_MARKER.match(text):
        return True
    bracketed = _BRACKETED.match(text)
    if bracketed:
        inner = " ".join(bracketed["inner"].split())
        if not inner:
            return False
        if _ONLY_MARKER.match(inner) or _THIS_COPY.match(inner):
            return True
        labelled = _LABEL.match(inner)
        if labelled and not _WEAK_LABELS.match(labelled["label"].strip()):
            return True
        # "(Adds comment from the ministry, updates throughout)": an edit verb first.
        return bool(_VERB_START.match(inner)) and not _CREDIT_LINE.match(inner)
    labelled = _LABEL.match(text)
    if labelled:
        rest = labelled["rest"].strip()
        if not _WEAK_LABELS.match(labelled["label"].strip()):
            return True
        if _is_stamp(rest):  # "Updated: 12 March 2024 10:30 GMT"
            return True
        return bool(_VERB_START.match(rest) and _short_edit_line(rest) or _THIS_COPY.match(rest))
    this_copy = _THIS_COPY.match(text)
    if this_copy and this_copy["det"].casefold() == "this" and len(_words(text)) <= 40:
        return True
    return _short_edit_line(text)


def note_span(paragraphs: list[str]) -> tuple[int, int]:
    """(start, end): paragraphs[start:end] is the story, what lies outside it the notes."""
    start, end = 0, len(paragraphs)
    while start < end and start < EDGE and is_note(paragraphs[start]):
        start += 1
    while end > start and len(paragraphs) - end < EDGE and is_note(paragraphs[end - 1]):
        end -= 1
    return start, end


def lift_paragraphs(paragraphs: list[str]) -> tuple[list[str], list[str]]:
    """(the paragraphs without the notes at either end, the notes in story order)."""
    start, end = note_span(paragraphs)
    return paragraphs[start:end], paragraphs[:start] + paragraphs[end:]


def split_title(title: str) -> tuple[str, list[str]]:
    """(the headline without note prefixes or a note suffix, the markers found)."""
    found: list[str] = []
    for _ in range(4):  # "CORRECTED-UPDATE 2-..."
        match = _TITLE_PREFIX.match(title)
        if not match or not title[match.end():].strip():
            break
        found.append((match["a"] or match["b"]).strip())
        title = title[match.end():]
    match = _TITLE_SUFFIX.search(title)
    if match and title[: match.start()].strip():
        found.append(match["c"].strip())
        title = title[: match.start()]
    return title.strip(), found


_LEADING_GROUP = re.compile(r"^\s*(?P<note>[(\[][^()\[\]]{3,300}[)\]])\s+(?P<rest>\S.*)$", re.S)
_TRAILING_GROUP = re.compile(r"^(?P<rest>.*?\S)\s+(?P<note>[(\[][^()\[\]]{3,300}[)\]])\s*$", re.S)
_SENTENCE_GAP = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"“‘'])")
_ABBREVIATION = re.compile(r"(?:^|\s)(?:[A-Z][a-z]{0,3}|[A-Z](?:\.[A-Z])*)\.$")  # "Jan.", "Mr.", "U.S."
_ABOUT_TEXT = re.compile(r"(?i)\b(?:text|unchanged|no\s+change|changes?|wording|copy)\b")


def _sentences(text: str) -> list[str]:
    """Sentences of a paragraph; a gap after an abbreviation ("Jan. 15", "Mr. Vale") is none."""
    out: list[str] = []
    start = 0
    for gap in _SENTENCE_GAP.finditer(text):
        if _ABBREVIATION.search(text[start : gap.start()]):
            continue
        out.append(text[start : gap.start()])
        start = gap.end()
    out.append(text[start:])
    return [s for s in out if s]


def _note_sentence(sentence: str) -> bool:
    """A sentence that goes on saying what was done to the copy ("The text is unchanged.")."""
    return len(_words(sentence)) <= 14 and bool(_ABOUT_COPY.search(sentence) or _ABOUT_TEXT.search(sentence))


def split_inline(paragraph: str) -> tuple[str, str, str]:
    """(leading note, story text, trailing note) of one paragraph that runs a note and story
    text together, as a one-paragraph summary does: "(Corrects name) PORT ELLIS: ...",
    "Editor's note: refiled. The text is unchanged. PORT ELLIS: ...", "... on Monday. (Repeats
    story first sent on May 4)". A paragraph that is all note, or holds none, comes back as
    ("", paragraph, "")."""
    text = " ".join(paragraph.split())
    lead = trail = ""
    match = _LEADING_GROUP.match(text)
    if match and is_note(match["note"]):
        lead, text = match["note"], match["rest"]
    else:
        labelled = _LABEL.match(text)
        if labelled and not _WEAK_LABELS.match(labelled["label"].strip()):
            sentences = _sentences(text)
            taken = 1
            while taken < len(sentences) and _note_sentence(sentences[taken]):
                taken += 1
            rest = " ".join(sentences[taken:])
            # What follows must read as story: a sentence of some length that is no note itself.
            if rest and len(_words(rest)) >= 8 and not is_note(rest):
                lead, text = " ".join(sentences[:taken]), rest
    match = _TRAILING_GROUP.match(text)
    if match and is_note(match["note"]):
        trail, text = match["note"], match["rest"]
    if not lead and not trail:
        return "", paragraph, ""
    return lead, text, trail


def may_hold_notes(text: str) -> bool:
    """Whether the first or last paragraphs of a plain text (one paragraph a line) hold a
    note: the cheap test before the body is parsed again to lift them."""
    lines = [line for line in text.split("\n") if line.strip()]
    edge = lines[:EDGE] + lines[-EDGE:] if len(lines) > 2 * EDGE else lines
    if any(is_note(line) for line in edge):
        return True
    for line in dict.fromkeys(lines[:1] + lines[-1:]):  # the first and last once each
        lead, _, trail = split_inline(line)
        if lead or trail:
            return True
    return False


_BLOCKS = ("p", "div", "li", "blockquote", "h2", "h3", "h4", "h5", "h6", "section", "pre", "dd", "dt")


_TAG_LINE = re.compile(r"^\s*[(\[][^()\[\]]{2,60}[)\]]\s*$")


def _is_credit_tag(text: str) -> bool:
    """A short bracketed name closing a story ("(Harbour Wire)"), which is no note."""
    return bool(_TAG_LINE.match(text)) and len(_words(text)) <= 5 and not is_note(text)


def lift_html_notes(html: str) -> tuple[str, list[str]]:
    """Remove the note paragraphs at either end of a sanitized body; return it and the notes.

    Paragraphs are the innermost blocks outside figures (a figure's caption is no note, and
    not the story's first paragraph either). Only whole blocks are removed.
    """
    root = parse_fragment(html)
    if root is None:
        return html, []
    blocks = []
    for element in root.iter(*_BLOCKS):
        if next(element.iterdescendants(*_BLOCKS), None) is not None:
            continue
        if any(a.tag == "figure" for a in element.iterancestors()):
            continue
        text = " ".join(element.text_content().split())
        if text:
            blocks.append((element, text))
    # Text right in the wrapper (a body of bare text and <br>s) is no block: left alone.
    inline: list[str] = []
    for index in dict.fromkeys((0, len(blocks) - 1)) if blocks else ():
        element, text = blocks[index]
        if len(element):  # a block with markup inside is never cut up
            continue
        lead, rest, trail = split_inline(text)
        if lead or trail:
            element.text = rest
            blocks[index] = (element, rest)
            inline.extend(n for n in (lead, trail) if n)
    # A closing credit tag ("(Harbour Wire)") stays last: a note just before it is lifted too.
    tagged = len(blocks) > 1 and _is_credit_tag(blocks[-1][1])
    considered = blocks[:-1] if tagged else blocks
    start, end = note_span([text for _, text in considered])
    if start == 0 and end == len(considered) and not inline:
        return html, []
    notes = inline + [text for _, text in considered[:start] + considered[end:]]
    lifted = [*range(start), *range(end, len(considered))]
    for index in sorted(lifted, reverse=True):
        element = blocks[index][0]
        parent = element.getparent()
        element.drop_tree()
        while parent is not None and parent is not root and len(parent) == 0 and not (parent.text or "").strip():
            grand = parent.getparent()
            parent.drop_tree()
            parent = grand
    out = html_lib.escape(root.text or "", quote=False) + "".join(lxml.html.tostring(child, encoding="unicode") for child in root)
    return out, notes


def join_notes(notes: list[str]) -> str:
    """The notes as one field, at most NOTES_MAX_CHARS long."""
    text = " | ".join(" ".join(n.split()) for n in notes if n.strip())
    if len(text) > NOTES_MAX_CHARS:
        text = text[: NOTES_MAX_CHARS - 3].rsplit(" ", 1)[0] + "..."
    return text

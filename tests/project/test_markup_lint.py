"""No string reaches a page, a feed or an email unescaped unless it is on this list (reliability E2).

Django escapes every variable; the ways around it are the ``safe`` filter, ``mark_safe`` or
``SafeString``, and ``{% autoescape off %}``. Each use in the project is listed here with why
it cannot carry feed- or submitter-written markup; any new one fails this test until it is
reviewed and added.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "wiredesk"

PATTERN = re.compile(r"\|\s*safe\b|\bmark_safe\s*\(|\bSafeString\s*\(|\{%\s*autoescape\s+off\s*%\}")

ALLOWED = {
    # The story body: sanitized with nh3's allowlist at ingest (text/sanitize.py), never raw.
    ("wiredesk/web/templates/web/article.html", "{{ a.body_html|safe }}"),
    # Help texts of the release form's fields: written in the code, never by a submitter.
    ("wiredesk/releases/templates/releases/_field.html", "{{ field.help_text|safe }}"),
    # JSON-LD: json_dumps_html_safe escapes <, > and & inside the JSON (web/seo.py).
    ("wiredesk/web/templatetags/seo.py", "mark_safe(f'<script type=\"application/ld+json\">{text}</script>')"),
    # Search excerpts: every piece escaped before the <mark> tags are put around the matches.
    ("wiredesk/search/documents.py", 'mark_safe("".join(out))'),
    # The revision diff in the admin: difflib's HtmlDiff escapes every line of text it compares,
    # and its own labels are a revision number and a fixed word (tests/desk/test_revisions.py).
    ("wiredesk/desk/admin.py",
     'diff = mark_safe(diff_table(a=left, b=right)) if len(versions) > 1 else ""  # difflib escapes the text'),
    # Plain-text email bodies: no HTML there to escape for (the HTML part escapes as usual).
    ("wiredesk/releases/templates/releases/mail/verify.txt", "{% autoescape off %}"),
    ("wiredesk/releases/templates/releases/decision/message.txt", "{% autoescape off %}"),
    ("wiredesk/digest/templates/digest/mail/already_subscribed.txt", "{% autoescape off %}"),
    ("wiredesk/digest/templates/digest/mail/confirm.txt", "{% autoescape off %}"),
    ("wiredesk/digest/templates/digest/email/edition.txt", "{% autoescape off %}"),
}


def _uses() -> set[tuple[str, str]]:
    found = set()
    for path in PACKAGE.rglob("*"):
        if path.suffix not in (".py", ".html", ".txt", ".xml") or "migrations" in path.parts:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            if stripped.startswith(("#", "from ", "import ")) or not PATTERN.search(line):
                continue
            if path.suffix == ".py" and not re.search(r"mark_safe\s*\(|SafeString\s*\(", line):
                continue  # "safe" in a Python string or comment is not the filter
            found.add((path.relative_to(ROOT).as_posix(), _snippet(stripped)))
    return found


def _snippet(line: str) -> str:
    for pattern in (r"\{\{[^}]*\|\s*safe[^}]*\}\}", r"return\s+(mark_safe\(.*\))$", r"(SafeString\(.*\))",
                    r"\{%\s*autoescape\s+off\s*%\}"):
        match = re.search(pattern, line)
        if match:
            return match.group(match.lastindex or 0)
    return line


def test_every_way_around_escaping_is_reviewed():
    uses = _uses()
    assert uses - ALLOWED == set(), "unreviewed ways around escaping (add them to ALLOWED with a reason, or escape)"
    assert ALLOWED - uses == set(), "listed uses that are gone: take them off the list"


def test_the_lint_finds_what_it_looks_for(tmp_path):
    for text in ("{{ item.title|safe }}", "{{ x | safe }}", "{% autoescape off %}", "return mark_safe(value)"):
        assert PATTERN.search(text), text
    for text in ("{{ item.title }}", "{{ item.title|escape }}", "safe_join(a, b)", "{{ url|urlencode }}"):
        assert not PATTERN.search(text), text

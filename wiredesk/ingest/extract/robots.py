"""robots.txt decisions per RFC 9309, as pure functions of the fetched file and its status.

urllib.robotparser reads the file into groups and rules; the decision itself follows
RFC 9309 where robotparser does not: the group is picked by exact, case-insensitive product
token (robotparser accepts substrings), groups naming the same agent are merged, the most
specific (longest) matching rule wins with Allow winning ties (robotparser takes the first
match), and ``*`` and ``$`` work in paths (robotparser treats them literally).
"""

from __future__ import annotations

import urllib.robotparser
from urllib.parse import unquote, urlsplit

MAX_ROBOTS_CHARS = 500 * 1024  # RFC 9309 section 2.5: parse at least 500 KiB, may ignore the rest
MAX_CRAWL_DELAY = 60.0


def _product_token(user_agent: str) -> str:
    token = user_agent.strip().split("/")[0].split()
    return token[0].lower() if token else "*"


def _parse(robots_txt: str) -> urllib.robotparser.RobotFileParser:
    text = robots_txt[:MAX_ROBOTS_CHARS]
    if len(robots_txt) > MAX_ROBOTS_CHARS:
        text = text[: text.rfind("\n") + 1]  # drop the cut line
    parser = urllib.robotparser.RobotFileParser()
    # RFC 9309 groups end at the next user-agent line, not at a blank line.
    parser.parse([line for line in text.splitlines() if line.strip()])
    return parser


def _groups(parser: urllib.robotparser.RobotFileParser, user_agent: str) -> list:
    token = _product_token(user_agent)
    entries = list(parser.entries)
    mine = [e for e in entries if any(a.strip().lower() == token for a in e.useragents)]
    if mine:
        return mine
    return [parser.default_entry] if parser.default_entry is not None else []


def _rule_matches(rule: str, path: str) -> bool:
    """RFC 9309 section 2.2.3 pattern match: ``*`` is any run of characters, a final ``$``
    anchors the end. Greedy leftmost matching, linear: a robots.txt full of stars cannot
    make it backtrack."""
    anchored = rule.endswith("$")
    parts = (rule[:-1] if anchored else rule).split("*")
    if not path.startswith(parts[0]):
        return False
    position = len(parts[0])
    if len(parts) == 1:
        return position == len(path) if anchored else True
    for part in parts[1:-1]:
        found = path.find(part, position)
        if found < 0:
            return False
        position = found + len(part)
    last = parts[-1]
    if anchored:
        return path.endswith(last) and len(path) - len(last) >= position
    return path.find(last, position) >= 0


def _status_decision(status: int | None) -> bool | None:
    """True/False when the status alone decides (RFC 9309 section 2.3.1), None to read the file."""
    if status is None or status == 429 or status >= 500:
        return False  # unreachable or server error (429 counted with them): complete disallow
    if 400 <= status < 500:
        return True  # unavailable: no restrictions
    if 200 <= status < 300:
        return None
    if 300 <= status < 400:
        return True  # redirects were not resolved within the limit: treat as unavailable
    return False


def robots_allows(*, robots_txt: str | None, status: int | None, url: str, user_agent: str) -> bool:
    """May ``user_agent`` fetch ``url`` given the site's robots.txt response?"""
    decided = _status_decision(status)
    if decided is not None:
        return decided
    parts = urlsplit(url)
    path = unquote(parts.path or "/") + (f"?{unquote(parts.query)}" if parts.query else "")
    if path == "/robots.txt":
        return True  # section 2.2.2: always allowed
    best_length, allowed = -1, True
    for entry in _groups(_parse(robots_txt or ""), user_agent):
        for rule in entry.rulelines:
            rule_path = unquote(rule.path)
            if not rule_path:
                continue
            if not _rule_matches(rule_path, path):
                continue
            length = len(rule_path)
            if length > best_length or (length == best_length and rule.allowance):
                best_length, allowed = length, rule.allowance
    return allowed


def crawl_delay(*, robots_txt: str | None, status: int | None, user_agent: str) -> float | None:
    """The Crawl-delay the site asks of ``user_agent``, clamped to [0, 60] s; None if unset.

    Crawl-delay is not part of RFC 9309; urllib.robotparser reads whole seconds only.
    """
    if _status_decision(status) is not None:
        return None
    delays = [e.delay for e in _groups(_parse(robots_txt or ""), user_agent) if e.delay is not None]
    if not delays:
        return None
    return float(min(max(delays[0], 0), MAX_CRAWL_DELAY))

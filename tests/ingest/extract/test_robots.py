"""robots.txt per RFC 9309 as pure decisions."""

from __future__ import annotations

import pytest

from wiredesk.ingest.extract import crawl_delay, robots_allows

UA = "wiredesk/0.1 (+https://wiredesk.example/bot)"
ROBOTS = """\
# Harbour Post robots
User-agent: *
Disallow: /
Allow: /news/
Disallow: /news/*.pdf$
Disallow: /news/drafts
Crawl-delay: 5

User-agent: OtherBot
User-agent: wiredesk
Allow: /
Disallow: /private/
Disallow: /*?session=
Crawl-delay: 600

User-agent: desk
Disallow: /
"""


@pytest.mark.parametrize(
    ("url", "agent", "allowed"),
    [
        ("https://post.example/news/today.html", "SomeBot/2.0", True),  # longest match: Allow /news/
        ("https://post.example/about", "SomeBot/2.0", False),
        ("https://post.example/news/report.pdf", "SomeBot/2.0", False),  # "*" and "$"
        ("https://post.example/news/report.pdf?page=2", "SomeBot/2.0", True),  # "$" anchors the end
        ("https://post.example/news/drafts/x", "SomeBot/2.0", False),
        ("https://post.example/about", UA, True),  # own group, case-insensitive token
        ("https://post.example/private/a", UA, False),
        ("https://post.example/news/a?session=1", UA, False),
        ("https://post.example/robots.txt", "SomeBot/2.0", True),  # always allowed
        ("https://post.example/news/%7Eteam", "SomeBot/2.0", True),  # percent-encoding normalised
    ],
)
def test_rfc9309_matching(url, agent, allowed):
    assert robots_allows(robots_txt=ROBOTS, status=200, url=url, user_agent=agent) is allowed


def test_substring_agents_do_not_match():
    # robotparser would apply the "desk" group to "wiredesk"; RFC 9309 matches the whole token.
    assert robots_allows(robots_txt=ROBOTS, status=200, url="https://post.example/about", user_agent=UA)


def test_allow_wins_a_tie():
    txt = "User-agent: *\nDisallow: /page\nAllow: /page\n"
    assert robots_allows(robots_txt=txt, status=200, url="https://a.example/page", user_agent=UA)


def test_groups_for_the_same_agent_are_merged_and_blank_lines_do_not_end_groups():
    txt = "User-agent: wiredesk\n\nDisallow: /a\n\nUser-agent: other\nDisallow: /\n\nUser-agent: wiredesk\nDisallow: /b\n"
    assert not robots_allows(robots_txt=txt, status=200, url="https://a.example/a", user_agent=UA)
    assert not robots_allows(robots_txt=txt, status=200, url="https://a.example/b", user_agent=UA)
    assert robots_allows(robots_txt=txt, status=200, url="https://a.example/c", user_agent=UA)


@pytest.mark.parametrize(
    ("status", "allowed"),
    [(404, True), (410, True), (401, True), (403, True), (429, False), (500, False), (503, False), (None, False), (302, True)],
)
def test_status_decides_without_a_file(status, allowed):
    assert robots_allows(robots_txt="User-agent: *\nDisallow: /\n", status=status, url="https://a.example/x", user_agent=UA) is allowed


def test_empty_or_missing_file_allows():
    assert robots_allows(robots_txt="", status=200, url="https://a.example/x", user_agent=UA)
    assert robots_allows(robots_txt=None, status=200, url="https://a.example/x", user_agent=UA)


def test_body_is_capped_at_500_kib():
    padding = "# " + "x" * 1000 + "\n"
    txt = "User-agent: *\nAllow: /\n" + padding * 600 + "Disallow: /late\n"
    assert robots_allows(robots_txt=txt, status=200, url="https://a.example/late", user_agent=UA)


def test_crawl_delay_is_clamped():
    assert crawl_delay(robots_txt=ROBOTS, status=200, user_agent=UA) == 60.0
    assert crawl_delay(robots_txt=ROBOTS, status=200, user_agent="SomeBot") == 5.0
    assert crawl_delay(robots_txt="User-agent: *\nDisallow:\n", status=200, user_agent=UA) is None
    assert crawl_delay(robots_txt=ROBOTS, status=503, user_agent=UA) is None


def test_many_wildcards_do_not_backtrack():
    import time

    txt = "User-agent: *\nDisallow: /" + "*a" * 200 + "*b$\n"
    started = time.perf_counter()
    assert robots_allows(robots_txt=txt, status=200, url="https://a.example/" + "a" * 2000, user_agent=UA)
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize(
    ("rule", "path", "matches"),
    [("/a*c$", "/abc", True), ("/a*c$", "/abcd", False), ("/a*c", "/abcd", True), ("/*$", "/x", True),
     ("/a$", "/a", True), ("/a$", "/ab", False), ("/a*b*c", "/axxbyyc", True), ("/a*b*c", "/acb", False),
     ("/ab*b$", "/ab", False), ("/ab*b$", "/abb", True)],
)
def test_pattern_matching(rule, path, matches):
    from wiredesk.ingest.extract.robots import _rule_matches

    assert _rule_matches(rule, path) is matches

"""HTML pages of the demo wires: an index, a home page per wire and realistic article pages.

Article pages carry the usual boilerplate (masthead, navigation, newsletter box, related
links, footer) around an <article>, so that text extraction has something to ignore.
"""

from __future__ import annotations

from html import escape

from wiredesk.demo.feeds import CONTENT_TYPES
from wiredesk.demo.render import article_url, body_html, figure_html, headline, summary_text, utc
from wiredesk.demo.stories import WIRES, Wire
from wiredesk.demo.timeline import Issue

__all__ = ["index_page", "home_page", "article_page", "not_found_page", "ROBOTS"]

ROBOTS = "User-agent: *\nAllow: /\n"

_STYLE = (
    "body{font-family:Georgia,serif;margin:0;color:#222}header,footer{background:#123;color:#eee;padding:1em 2em}"
    "header a,footer a{color:#eee}nav ul{list-style:none;padding:0;display:flex;gap:1em}"
    "main{display:flex;gap:2em;padding:1em 2em}article{flex:3}aside{flex:1;font-size:.9em}"
    "figure{margin:0}figcaption{font-size:.85em;color:#555}.credit{color:#777}"
)


def _alternate(base: str, wire: Wire) -> str:
    return (
        f'<link rel="alternate" type="{CONTENT_TYPES[wire.format].split(";")[0]}"'
        f' title="{escape(wire.name)}" href="{escape(base + wire.feed_path)}">'
    )


def _page(title: str, head: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n{head}\n<style>{_STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _masthead(wire: Wire) -> str:
    sections = "".join(
        f'<li><a href="/{wire.key}/#{escape(category.lower().replace(" ", "-"))}">{escape(category)}</a></li>'
        for category in wire.section_map
    )
    return (
        f'<header class="masthead"><a class="logo" href="/{wire.key}/">{escape(wire.name)}</a>'
        f"<p class=\"tagline\">{escape(wire.tagline)}</p>"
        f'<nav aria-label="Sections"><ul><li><a href="/{wire.key}/">Latest</a></li>{sections}</ul></nav>'
        '<form class="search" action="#" role="search"><input type="search" name="q" placeholder="Search">'
        "<button>Go</button></form></header>\n"
        '<div class="cookie-note">We use a single cookie to remember your region. <a href="#">Settings</a></div>'
    )


def _footer(wire: Wire) -> str:
    return (
        f'<footer><nav aria-label="Footer"><ul><li><a href="/{wire.key}/">Home</a></li><li><a href="#">About us</a></li>'
        '<li><a href="#">Contact the newsroom</a></li><li><a href="#">Licensing</a></li><li><a href="#">Privacy</a></li>'
        f"</ul></nav><p>&copy; 2026 {escape(wire.name)}. A demonstration wire of the wiredesk project; every story is invented.</p></footer>"
    )


def _teasers(base: str, issues: list[Issue]) -> str:
    return "".join(
        f'<li><a href="{escape(article_url(base, i))}">{escape(headline(i))}</a></li>' for i in issues
    )


def index_page(base: str) -> str:
    """The server's front page: every wire with its feed."""
    heads = "\n".join(_alternate(base, wire) for wire in WIRES.values())
    rows = "".join(
        f'<li><a href="/{w.key}/">{escape(w.name)}</a>: {escape(w.tagline)} '
        f'(<a href="{escape(w.feed_path)}">{escape(w.format)} feed</a>)</li>'
        for w in WIRES.values()
    )
    body = f"<h1>wiredesk demo wires</h1><p>Invented partner wires for trying wiredesk.</p><ul>{rows}</ul>"
    return _page("wiredesk demo wires", heads, body)


def home_page(base: str, wire: Wire, issues: list[Issue]) -> str:
    """A wire's home page: latest stories and the feed autodiscovery link."""
    items = "".join(
        f'<li><h2><a href="{escape(article_url(base, i))}">{escape(headline(i))}</a></h2>'
        f'<p><time datetime="{utc(i.published).isoformat()}">{utc(i.published):%d %b %Y %H:%M} UTC</time> '
        f"{escape(summary_text(i))}</p></li>"
        for i in issues
    )
    body = f'{_masthead(wire)}\n<main><section><h1>Latest from {escape(wire.name)}</h1><ul class="latest">{items}</ul></section></main>\n{_footer(wire)}'
    return _page(wire.name, _alternate(base, wire), body)


def article_page(base: str, issue: Issue, related: list[Issue]) -> str:
    """A full article page; ``related`` are other recent issues for the side rail."""
    wire, story = issue.wire, issue.story
    url = article_url(base, issue)
    published = utc(issue.published).isoformat()
    head = "\n".join(
        [
            f'<link rel="canonical" href="{escape(url)}">',
            _alternate(base, wire),
            f'<meta name="author" content="{escape(story.author)}">',
            f'<meta name="description" content="{escape(summary_text(issue))}">',
            f'<meta property="og:title" content="{escape(headline(issue))}">',
            '<meta property="og:type" content="article">',
            f'<meta property="og:url" content="{escape(url)}">',
            f'<meta property="article:published_time" content="{published}">',
            f'<meta property="article:section" content="{escape(story.category)}">',
        ]
        + ([f'<meta property="og:image" content="{escape(base)}/img/{escape(story.image.name)}.png">'] if story.image else [])
    )
    body = (
        f"{_masthead(wire)}\n<main>\n<article>\n"
        f'<p class="kicker">{escape(story.category)}</p>\n<h1>{escape(headline(issue))}</h1>\n'
        f'<p class="byline">By <span class="author">{escape(story.author)}</span>, {escape(wire.name)} &middot; '
        f'<time datetime="{published}">{utc(issue.published):%d %B %Y, %H:%M} UTC</time></p>\n'
        f'<div class="article-body">\n{figure_html(base, issue)}\n{body_html(base, issue)}\n</div>\n</article>\n'
        f'<aside class="rail"><section class="newsletter"><h2>The morning wire</h2>'
        f"<p>Get our top stories by email every morning.</p><form action=\"#\"><input type=\"email\" name=\"email\">"
        f'<button>Sign up</button></form></section><section class="related"><h2>More from {escape(wire.name)}</h2>'
        f"<ul>{_teasers(base, related)}</ul></section></aside>\n</main>\n{_footer(wire)}"
    )
    return _page(f"{headline(issue)} | {wire.name}", head, body)


def not_found_page() -> str:
    return _page("Not found", "", "<h1>Not found</h1><p>No such page on the demo wires.</p>")

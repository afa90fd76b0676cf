import pytest

from wiredesk.sources.opml import OpmlError, Outline, parse_opml, render_opml

OPML = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>wires</title></head><body>
  <outline text="Business">
    <outline type="rss" text="Quayside Ledger" xmlUrl="https://ledger.example/feed" htmlUrl="https://ledger.example/"/>
  </outline>
  <outline type="rss" title="Fjordline Post" text="ignored" xmlUrl="https://fjordline.example/rss"/>
  <outline text="A folder without feeds"/>
</body></opml>"""


def test_parse_flattens_folders_into_categories():
    assert parse_opml(OPML) == [
        Outline(title="Quayside Ledger", feed_url="https://ledger.example/feed", home_url="https://ledger.example/", category="Business"),
        Outline(title="Fjordline Post", feed_url="https://fjordline.example/rss", home_url="", category=""),
    ]


def test_round_trip():
    outlines = [Outline(title="A & B <wire>", feed_url="https://a.example/feed?x=1&y=2", home_url="https://a.example/")]
    assert parse_opml(render_opml(outlines, title="t")) == outlines


@pytest.mark.parametrize(
    "data, message",
    [
        (b"not xml at all", "not well-formed"),
        (b"<rss/>", "not <opml>"),
        (b"<opml version='2.0'><head/></opml>", "no <body>"),
        (
            b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<opml><body><outline text="&x;" xmlUrl="https://x.example/"/></body></opml>',
            "DTD",
        ),
    ],
)
def test_bad_files_get_clear_errors(data, message):
    with pytest.raises(OpmlError, match=message):
        parse_opml(data)

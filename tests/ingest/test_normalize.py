"""The normalize stage on hand-written items (pure: no database, no network)."""

import dataclasses
import datetime as dt

from wiredesk.ingest.normalize import item_guid, needs_page, normalize, section_for
from wiredesk.ingest.types import Extracted, Image, RawItem, SourcePolicy
from wiredesk.text.sanitize import html_to_text

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)
POLICY = SourcePolicy(credit="Harbour Wire", section_map={"Markets": "business", "Tech & Science": "technology"})

BODY = (
    '<p>PORT ELLIS, Westmark: Dock workers <b>voted</b> to accept the new rota.<script>alert(1)</script></p>'
    '<p onclick="x()">Talks lasted <a href="/talks" target="_blank">nine days</a>.</p>'
    '<p>READ MORE: <a href="/news/rota">What the new rota means for ferry crews</a></p>'
    "<p>(Harbour Wire)</p>"
)


def raw(**over) -> RawItem:
    base = dict(
        guid="hw-101", link="https://wire.example/news/dock-vote?utm_medium=rss&page=2#top", title="Dock workers &amp; <i>the</i> rota",
        content_html=BODY, summary_html="Dock workers voted.", author="<b>Ada Wren</b>",
        published=dt.datetime(2026, 11, 19, 21, 0, tzinfo=dt.timezone(dt.timedelta(hours=10))),
        categories=("Markets",), images=(Image(url="/img/dock.jpg", caption="The <em>north</em> quay", credit="Ola Finch"),),
        base_url="https://wire.example/feed.xml", raw_hash="abc",
    )
    base.update(over)
    return RawItem(**base)


def test_full_item():
    item = normalize(raw(), policy=POLICY, now=NOW)
    assert item.guid == "hw-101"
    assert item.canonical_url == "https://wire.example/news/dock-vote?page=2"
    assert item.title == "Dock workers & the rota"
    assert item.author == "Ada Wren"
    assert item.published == dt.datetime(2026, 11, 19, 11, 0, tzinfo=dt.timezone.utc)
    assert item.section == "business"
    assert "<script" not in item.body_html and "onclick" not in item.body_html
    assert 'href="https://wire.example/talks"' in item.body_html and "noopener" in item.body_html
    assert "READ MORE" not in item.body_html and "(Harbour Wire)" not in item.body_html
    assert item.related[0].url == "https://wire.example/news/rota"
    assert item.credit_tag == "Harbour Wire"
    assert (item.lead.kind, item.lead.place, item.lead.text) == ("dateline", "PORT ELLIS", "PORT ELLIS, Westmark:")
    assert item.lead_text.startswith("PORT ELLIS, Westmark: Dock workers voted to accept the new rota.")
    assert item.images == (Image(url="https://wire.example/img/dock.jpg", caption="The north quay", credit="Ola Finch"),)
    assert item.language == "en" and item.raw_hash == "abc" and not item.excerpt_only


def test_fingerprint_ignores_markup_but_not_words():
    a = normalize(raw(), policy=POLICY, now=NOW)
    b = normalize(raw(content_html=BODY.replace("<b>voted</b>", "voted")), policy=POLICY, now=NOW)
    c = normalize(raw(content_html=BODY.replace("nine days", "ten days")), policy=POLICY, now=NOW)
    assert a.fingerprint == b.fingerprint != c.fingerprint


def test_extracted_page_text_wins_over_summary():
    page = Extracted(title="t", html="<p>KINGSBRIDGE: The full story from the page.</p>", text="")
    item = normalize(raw(content_html=""), policy=POLICY, now=NOW, extracted=page, notes=())
    assert "full story from the page" in item.body_html
    assert item.lead.place == "KINGSBRIDGE"


def test_summary_only_item_without_page_keeps_summary_and_note():
    item = normalize(raw(content_html=""), policy=POLICY, now=NOW, notes=("extraction failed: timeout",))
    assert item.body_html == "<p>Dock workers voted.</p>"
    assert item.notes == ("extraction failed: timeout",)


def test_excerpt_only_policy_truncates():
    long_summary = " ".join(["The harbour board met again."] * 60)
    item = normalize(raw(summary_html=long_summary), policy=dataclasses.replace(POLICY, full_text=False), now=NOW)
    assert item.excerpt_only
    assert len(item.body_html) < 700 and item.body_html.endswith("...</p>")


def test_dates_clamped_and_defaulted():
    future = normalize(raw(published=dt.datetime(2099, 1, 1, tzinfo=dt.timezone.utc)), policy=POLICY, now=NOW)
    missing = normalize(raw(published=None), policy=POLICY, now=NOW)
    assert future.published == NOW and missing.published == NOW


def test_identity_without_guid():
    assert item_guid(raw(guid=None)) == "https://wire.example/news/dock-vote?page=2"
    a = item_guid(raw(guid=None, link=None))
    assert a.startswith("urn:wiredesk:") and a == item_guid(raw(guid="  ", link=None))


def test_sections():
    assert section_for(("tech & science",), POLICY) == "technology"
    assert section_for(("Sports",), POLICY) == "sports"
    assert section_for(("Opinion",), POLICY) == "world"


def test_needs_page():
    assert needs_page(raw(content_html=""), POLICY, always=False)
    assert not needs_page(raw(), POLICY, always=False)
    assert needs_page(raw(), POLICY, always=True)
    assert not needs_page(raw(content_html=""), dataclasses.replace(POLICY, full_text=False), always=True)
    assert not needs_page(raw(content_html="", link="javascript:alert(1)"), POLICY, always=False)


def test_a_photo_above_the_first_paragraph_is_not_the_lead():
    body = ('<figure><img src="/p.jpg"><figcaption>Nets drying on the quay. Ravi Tollund/Valley Dispatch</figcaption></figure>'
            "<p>CORRAN FALLS, Westmark: The mill reopened on Monday.</p>")
    item = normalize(raw(content_html=body), policy=POLICY, now=NOW)
    assert item.lead.place == "CORRAN FALLS"
    assert item.lead_text.startswith("CORRAN FALLS, Westmark: The mill reopened")


def test_text_is_the_plain_text_of_the_stored_body():
    # The search index is written from item.text instead of converting body_html again:
    # the two must agree for every shape of body (READ MORE and credit lines taken out,
    # figures, entities, plain-text summaries, excerpts).
    figure = '<figure><img src="/a.jpg"><figcaption>The quay &amp; its cranes</figcaption></figure>'
    cases = [
        normalize(raw(), policy=POLICY, now=NOW),
        normalize(raw(content_html=figure + BODY), policy=POLICY, now=NOW),
        normalize(raw(content_html="First block.\n\nSecond &lt;block&gt;.", summary_html=""), policy=POLICY, now=NOW),
        normalize(raw(), policy=dataclasses.replace(POLICY, full_text=False), now=NOW),
        normalize(raw(content_html=""), policy=POLICY, now=NOW,
                  extracted=Extracted(title="T", html="<p>Extracted <i>text</i> &#169; 2026</p>", text="")),
    ]
    for item in cases:
        assert item.text and item.text == html_to_text(item.body_html)
    assert "READ MORE" not in cases[0].text and "(Harbour Wire)" not in cases[0].text

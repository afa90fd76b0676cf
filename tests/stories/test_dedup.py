import datetime as dt

from wiredesk.ingest.types import Lead, NormalizedItem
from wiredesk.stories.dedup import Candidate, classify, url_match


def item(**over) -> NormalizedItem:
    base = dict(
        guid="g-1", canonical_url="https://wire.example/a", title="Ferry fares frozen", body_html="<p>x</p>",
        lead_text="x", author="", published=dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc), updated=None,
        lead=Lead(), credit_tag="", related=(), section="world", language="en", images=(),
        fingerprint="f1", raw_hash="r1",
    )
    base.update(over)
    return NormalizedItem(**base)


def cand(id=7, raw_hash="r1", fingerprint="f1", title="Ferry fares frozen", guid_key="") -> Candidate:
    return Candidate(id=id, raw_hash=raw_hash, fingerprint=fingerprint, title=title, guid_key=guid_key)


def test_unknown_item_is_new():
    d = classify(item(), by_guid=None, by_url=None, same_content=None)
    assert (d.action, d.article_id, d.duplicate_of_id) == ("new", None, None)


def test_same_guid_same_bytes_is_unchanged():
    assert classify(item(), by_guid=cand(), by_url=None, same_content=None).action == "unchanged"


def test_same_guid_new_bytes_same_text_is_unchanged():
    d = classify(item(raw_hash="r2"), by_guid=cand(), by_url=None, same_content=None)
    assert (d.action, d.article_id) == ("unchanged", 7)


def test_edited_item_updates_the_stored_article():
    d = classify(item(raw_hash="r2", fingerprint="f2"), by_guid=cand(), by_url=None, same_content=None)
    assert (d.action, d.article_id) == ("update", 7)


def test_new_guid_same_url_is_an_edit_not_a_second_article():
    d = classify(item(guid="g-2", raw_hash="r3", fingerprint="f3"), by_guid=None, by_url=cand(id=9), same_content=None)
    assert (d.action, d.article_id) == ("update", 9)


def test_guid_match_wins_over_url_match():
    d = classify(item(raw_hash="r9", fingerprint="f9"), by_guid=cand(id=1), by_url=cand(id=2), same_content=None)
    assert d.article_id == 1


def test_identical_content_from_another_source_is_linked():
    d = classify(item(), by_guid=None, by_url=None, same_content=cand(id=42))
    assert (d.action, d.duplicate_of_id) == ("new", 42)


def test_new_guid_same_url_same_text_takes_the_new_guid():
    # Left "unchanged", the article would keep the old GUID and be matched by URL on every fetch.
    d = classify(item(guid="g-2"), by_guid=None, by_url=cand(id=9), same_content=None)
    assert (d.action, d.article_id) == ("update", 9)


def test_url_match_takes_only_an_article_whose_guid_left_the_feed():
    still_listed, gone, also_gone = cand(id=1, guid_key="k1"), cand(id=2, guid_key="k2"), cand(id=3, guid_key="k3")
    assert url_match([still_listed], guid_keys={"k1", "kx"}, taken=set()) is None
    assert url_match([still_listed, gone, also_gone], guid_keys={"k1"}, taken=set()) == gone  # the oldest
    assert url_match([still_listed, gone, also_gone], guid_keys={"k1"}, taken={2}) == also_gone
    assert url_match([gone], guid_keys=set(), taken={2}) is None
    assert url_match([], guid_keys=set(), taken=set()) is None

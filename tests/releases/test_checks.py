"""The automated checks of a release (pure functions), the body's safe subset, the embargo's
time zone arithmetic, and the duplicate look-up against stored submissions."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.releases.conftest import ABOUT, BODY
from wiredesk.releases import checks
from wiredesk.releases.checks import CheckLimits, ReleaseText, run_checks
from wiredesk.releases.forms import body_to_html, local_to_utc
from wiredesk.releases.models import Submission
from wiredesk.releases.services import submissions as svc
from wiredesk.text.fingerprint import content_fingerprint

LIMITS = CheckLimits(min_words=150, max_words=1500, max_links=3)


def release(**fields) -> ReleaseText:
    base = dict(
        headline="Harbour Rowing Club opens its new boathouse", body_html=body_to_html(BODY), about=ABOUT,
        dateline_place="Port Ellis", contact_name="Mara Quinlan", contact_organisation="Harbour Rowing Club",
        contact_email="secretary@rowing.example.org", contact_phone="+61 2 5550 1234",
    )
    base.update(fields)
    return ReleaseText(**base)


def result(code: str, r: ReleaseText, *, limits=LIMITS, duplicate=False) -> checks.CheckResult:
    (found,) = [x for x in run_checks(r, limits=limits, duplicate=duplicate) if x.code == code]
    return found


def words(n: int) -> str:
    return " ".join(f"harbour{i}" for i in range(n))


def test_a_good_release_passes_every_check_in_order():
    results = run_checks(release(), limits=LIMITS, duplicate=False)
    assert [r.code for r in results] == [
        "words", "third_person", "headline_caps", "hype", "links", "dateline", "contact", "about", "images",
        "duplicate",
    ]
    assert all(r.ok for r in results), [r for r in results if not r.ok]
    assert not checks.blocking(results)
    assert results[0].message == "Length: 198 words, within the 150 to 1,500 a release should have."
    stored = checks.stored(results)
    assert set(stored) == {"results"}
    assert stored["results"][0] == {"code": "words", "ok": True, "message": results[0].message}
    assert all(set(r) == {"code", "ok", "message"} for r in stored["results"])
    assert checks.from_stored(stored)[3].code == "hype"


# --- word count -------------------------------------------------------------------------------


@pytest.mark.parametrize("n, ok, blocking, phrase", [
    (150, True, False, "Length: 150 words"),
    (1500, True, False, "Length: 1,500 words"),
    (149, False, False, "Add a little more detail"),
    (75, False, False, "Add a little more detail"),
    (74, False, True, "too short to send"),
    (3, False, True, "too short to send"),
    (1501, False, False, "Please shorten it"),
    (2250, False, False, "Please shorten it"),
    (2251, False, True, "too long to send"),
])
def test_word_count_warns_near_the_range_and_blocks_far_outside(n, ok, blocking, phrase):
    r = result("words", release(body_html=f"<p>{words(n)}</p>"))
    assert (r.ok, r.blocking) == (ok, blocking)
    assert phrase in r.message
    if not ok:
        assert f"has {n:,} words" in r.message and "between 150 and 1,500 words" in r.message


def test_markup_is_not_counted_as_words():
    html = "<p><strong>" + words(100) + '</strong> <a href="https://example.org/">' + words(50) + "</a></p>"
    assert checks.count_words(html) == 150
    assert result("words", release(body_html=html)).ok


def test_the_word_range_comes_from_the_limits():
    r = result("words", release(body_html=f"<p>{words(40)}</p>"), limits=CheckLimits(30, 50, 3))
    assert r.ok and "within the 30 to 50" in r.message


# --- third person -------------------------------------------------------------------------------


def test_first_person_outside_quotes_is_flagged():
    body = body_to_html(
        "We are proud to announce that our club has opened a new boathouse. " + words(60)
        + "\n\nMy thanks go to everyone who helped us. " + words(60)
    )
    r = result("third_person", release(body_html=body))
    assert not r.ok and not r.blocking
    assert '"my", "our", "us", "we"' in r.message and "4 times outside quotation marks" in r.message


def test_first_person_inside_quotes_is_fine():
    body = body_to_html(
        'Club president Mara Quinlan said: "We did it ourselves, and I am proud of our members." ' + words(80)
        + "\n\n\u201cWe will row on Saturday,\u201d she said. \u201cOur boats are ready.\u201d " + words(60)
        + '\n\n"We are an open club and everyone is welcome to join us, said the coach. ' + words(20)
    )  # an unclosed quote runs to the end of its paragraph, as in print
    assert result("third_person", release(body_html=body)).ok


def test_a_stray_pronoun_and_the_country_are_not_a_voice():
    body = body_to_html("The club exports boats to the US and Canada. " + words(150) + " Call us.")
    assert result("third_person", release(body_html=body)).ok
    assert checks.outside_quotes('a "b c" d \u201ce f\u201d g') == "a   d   g"


# --- headline: capitals and hype ------------------------------------------------------------------


@pytest.mark.parametrize("headline, ok", [
    ("HARBOUR ROWING CLUB OPENS NEW BOATHOUSE", False),
    ("BIG NEWS: Club OPENS NEW boathouse", False),
    ("NASA and CSIRO sign a research agreement", True),
    ("Harbour Rowing Club opens its new boathouse", True),
    ("AFL club names new CEO", True),
])
def test_an_all_caps_headline_is_flagged(headline, ok):
    r = result("headline_caps", release(headline=headline))
    assert r.ok is ok
    if not ok:
        assert "capital letters" in r.message and "sentence case" in r.message


@pytest.mark.parametrize("fields, found", [
    ({"headline": "Club opens new boathouse!"}, "an exclamation mark in the headline"),
    ({"body_html": body_to_html(BODY + "\n\nCome along!!!")}, '"!!" in the text'),
    ({"headline": "A revolutionary boathouse for the harbour"}, '"revolutionary"'),
    ({"body_html": body_to_html(BODY + "\n\nIt is the best ever season.")}, '"best ever"'),
    ({"body_html": body_to_html(BODY + "\n\nA world-class facility.")}, '"world class"'),
    ({"about": ABOUT + " A world class club with game-changing coaching."}, '"game changing", "world class"'),
])
def test_hype_is_flagged(fields, found):
    r = result("hype", release(**fields))
    assert not r.ok and found in r.message
    assert "State the facts plainly" in r.message


def test_hype_inside_a_quote_and_a_single_exclamation_in_the_text_pass():
    body = body_to_html(BODY + '\n\n"It is a world-class building," said the mayor. Entry is free!')
    assert result("hype", release(body_html=body)).ok


# --- links --------------------------------------------------------------------------------------


def test_links_in_the_body_and_about_are_counted():
    body = body_to_html(
        BODY + '\n\nSee <a href="https://rowing.example.org/">the club</a>, https://tickets.example.org/ '
        "and www.example.net."
    )
    assert checks.count_links(body, "") == 3
    assert result("links", release(body_html=body, about="")).ok
    r = result("links", release(body_html=body, about=ABOUT + " More at https://about.example.org/"))
    assert not r.ok and "has 4 links; at most 3" in r.message
    # An anchor whose text is its own address counts once.
    assert checks.count_links(body_to_html('<a href="https://a.example/">https://a.example/</a>'), "") == 1
    assert result("links", release(body_html=body), limits=CheckLimits(150, 1500, 2)).ok is False


# --- dateline, contact, about, images --------------------------------------------------------------


def test_a_missing_dateline_is_flagged():
    assert not result("dateline", release(dateline_place="  ")).ok
    assert "town or city" in result("dateline", release(dateline_place="")).message
    assert result("dateline", release()).ok


@pytest.mark.parametrize("fields, ok, phrase", [
    ({}, True, "complete"),
    ({"contact_name": ""}, False, "the contact's name"),
    ({"contact_organisation": ""}, False, "the organisation"),
    ({"contact_email": "", "contact_phone": ""}, False, "an email address or phone number"),
    ({"contact_email": ""}, True, "complete"),
    ({"contact_name": "", "contact_organisation": "", "contact_email": "", "contact_phone": ""}, False,
     "the contact's name and the organisation and an email address or phone number"),
])
def test_the_contact_block(fields, ok, phrase):
    r = result("contact", release(**fields))
    assert r.ok is ok and phrase in r.message


def test_the_about_paragraph_and_image_credits():
    assert not result("about", release(about="")).ok
    assert result("images", release(images=(("Rowers on the ramp", "Photo: J. Lee"),))).ok
    r = result("images", release(images=(("Rowers", "J. Lee"), ("", "J. Lee"), ("The shed", ""))))
    assert not r.ok and r.message.startswith("Image 2, 3:")


def test_the_duplicate_flag():
    assert result("duplicate", release(), duplicate=False).ok
    r = result("duplicate", release(), duplicate=True)
    assert not r.ok and not r.blocking and "submitted before" in r.message


@pytest.mark.django_db
def test_duplicates_are_found_by_content_fingerprint(brand):
    text = release()
    first, fingerprint = svc.release_checks(release=text)
    assert fingerprint == content_fingerprint(text.headline, text.body_html)
    assert [r.code for r in first if not r.ok] == []
    Submission.objects.create(brand=brand, category="community", headline="x", body="y", fingerprint=fingerprint)
    # The same words with other markup, spacing and capitals are the same release.
    again = release(headline="HARBOUR Rowing Club opens its new  boathouse",
                    body_html="<p><strong>" + body_to_html(BODY).replace("<p>", "").replace("</p>", " ") + "</strong></p>")
    results, same = svc.release_checks(release=again)
    assert same == fingerprint
    assert [r.code for r in results if not r.ok] == ["duplicate"]
    other, _ = svc.release_checks(release=release(headline="Harbour Rowing Club opens its old boathouse"))
    assert all(r.ok for r in other)


# --- the body's safe subset -----------------------------------------------------------------------


def test_plain_text_becomes_paragraphs_with_everything_escaped():
    html = body_to_html("First line\nsecond line\n\n\n  Tom & Jerry <3 cheese  \r\n\r\nLast")
    assert html == "<p>First line<br>second line</p>\n<p>Tom &amp; Jerry &lt;3 cheese</p>\n<p>Last</p>"


def test_the_subset_is_kept_and_everything_else_goes():
    html = body_to_html(
        "<p>A <strong>bold</strong> and <em>quiet</em> <b>b</b> <i>i</i> start.<br>Next</p>\n\n"
        "<ul><li>one</li><li>two</li></ul>\n\n"
        '<p><a href="https://example.org/a" onclick="steal()" style="color:red" target="_blank">site</a> '
        '<a href="javascript:alert(1)">js</a> <a href="/admin/">relative</a> '
        '<a href="mailto:desk@example.org">mail</a></p>\n\n'
        '<h1>Big</h1><script>alert(1)</script><img src="x" onerror="alert(2)"><iframe src="https://e.x"></iframe>'
        '<table><tr><td>cell</td></tr></table><div class="x">div</div><svg><script>alert(3)</script></svg>'
    )
    assert "<strong>bold</strong>" in html and "<em>quiet</em>" in html and "<b>b</b> <i>i</i>" in html
    assert "<br>Next" in html and "<ul><li>one</li><li>two</li></ul>" in html
    assert '<a href="https://example.org/a" rel="noopener noreferrer">site</a>' in html
    assert '<a rel="noopener noreferrer">js</a>' in html and '<a rel="noopener noreferrer">relative</a>' in html
    assert '<a href="mailto:desk@example.org" rel="noopener noreferrer">mail</a>' in html
    for gone in ("<h1", "<h2", "script", "alert", "<img", "<iframe", "<table", "<td", "<div", "class=", "style=",
                 "onclick", "target=", "<svg"):
        assert gone not in html, gone
    assert "Big" in html and "cell" in html and "div" in html
    assert body_to_html("   \n\n  ") == "" and body_to_html("<script>x</script>") == ""


# --- the embargo's time zone --------------------------------------------------------------------


def test_local_times_become_utc_in_the_brands_zone():
    sydney = ZoneInfo("Australia/Sydney")
    assert local_to_utc(dt.date(2030, 4, 21), dt.time(9, 30), sydney) == dt.datetime(2030, 4, 20, 23, 30,
                                                                                       tzinfo=dt.timezone.utc)
    assert local_to_utc(dt.date(2030, 1, 21), dt.time(9, 30), sydney).hour == 22  # daylight saving: UTC+11
    # 2:30 on the first Sunday of October does not happen in Sydney: the clocks jump from 2:00 to 3:00.
    with pytest.raises(ValueError):
        local_to_utc(dt.date(2030, 10, 6), dt.time(2, 30), sydney)

"""Story clustering, the pure part (wiredesk.stories.clustering and wiredesk.text.terms).

Headlines below are invented. The cases are the classes a desk meets: write-ups of one event
in different words; events of one kind told apart by their place or numbers; the same words a
week apart; other languages; and arbitrary text, which must never break placement.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from wiredesk.stories.clustering import Item, MemoryStore, Params, cosine, place
from wiredesk.text.terms import slug_words, words

DAY = 20_000


def run(rows, params=Params()):
    """Place (title, day[, language]) rows in order; return each row's final story id."""
    store = MemoryStore()
    ids = []
    for row in rows:
        title, day, *rest = row
        ids.append(place(Item.of(title=title, day=day, language=rest[0] if rest else "en"), store, params).story_id)
    return [store.final(i) for i in ids], store


BACKGROUND = [
    ("Brackwater ferry timetable changes for winter", DAY - 2),
    ("Lowmere library opens on Sundays", DAY - 2),
    ("Orchard growers expect a late apple harvest", DAY - 1),
    ("Tram drivers in Kingsbridge accept pay offer", DAY - 1),
    ("Westmark central bank leaves rates on hold", DAY - 1),
    ("Coastal path near Saltmarsh Bay reopens after landslip", DAY - 1),
    ("Museum in Port Ellis shows shipwreck finds", DAY - 3),
    ("New cycle lanes planned for Kingsbridge centre", DAY - 2),
]


def test_write_ups_of_one_event_form_one_story():
    rows = BACKGROUND + [
        ("Fire destroys grain store in Port Ellis", DAY),
        ("Port Ellis grain store gutted by overnight fire", DAY),
        ("Overnight blaze guts Port Ellis grain store, no injuries", DAY + 1),
    ]
    ids, _ = run(rows)
    assert len(set(ids[-3:])) == 1
    assert ids[-1] not in ids[: len(BACKGROUND)]


def test_events_of_one_kind_told_apart_by_place_and_numbers():
    rows = BACKGROUND + [
        ("Gulls beat Rovers 3-1 at Harbour Park", DAY),
        ("Lowmere win 2-0 away at Saltmarsh Bay", DAY),
        ("Gulls see off Rovers 3-1 in Harbour Park derby", DAY),
    ]
    ids, store = run(rows)
    gulls, lowmere, gulls2 = ids[len(BACKGROUND):]
    assert gulls == gulls2 != lowmere
    # Headlines alone of two budget votes share most words; their openings tell them apart.
    # Councils and budgets are everyday news: earlier stories teach how common those words are.
    for n, town in enumerate(("Dunmore", "Ashgrove", "Lowmere", "Brackwater", "Corran Falls", "Veldhaven")):
        place(Item.of(title=f"{town} council sets its budget for next year", day=DAY - 10 - n, language="en",
                      text=f"{town.upper()}: The council voted on the budget and the million mark spending plan."),
              store)
    budgets = [
        ("Kingsbridge council approves 14 million mark budget",
         "KINGSBRIDGE: Councillors voted 31 to 12 on Tuesday for a budget that funds two new tram stops."),
        ("Saltmarsh Bay council rejects 9 million mark budget",
         "SALTMARSH BAY: The harbour town's council threw out the mayor's spending plan by a single vote."),
        ("Kingsbridge passes 14 million mark spending plan",
         "KINGSBRIDGE: The city's budget, approved 31 to 12, pays for two tram stops and a new library roof."),
    ]
    placed = [place(Item.of(title=t, text=x, day=DAY, language="en"), store).story_id for t, x in budgets]
    kingsbridge, saltmarsh, kingsbridge2 = (store.final(i) for i in placed)
    assert kingsbridge == kingsbridge2 != saltmarsh


def test_time_counts_in_days_and_the_window_ends_a_story():
    ids, _ = run(BACKGROUND + [("Lighthouse keeper retires after forty years", DAY),
                               ("Lighthouse keeper retires after forty years", DAY + 10)])
    assert ids[-1] != ids[-2]
    ids, _ = run(BACKGROUND + [("Lighthouse keeper retires after forty years", DAY),
                               ("Lighthouse keeper retires after forty years", DAY + 1)])
    assert ids[-1] == ids[-2]


def test_languages_are_compared_apart():
    ids, _ = run([("Port Ellis harbour closed by storm", DAY, "en"),
                  ("Port Ellis harbour closed by storm", DAY, "fr"),
                  ("Port Ellis harbour closed by storm", DAY, "en")])
    assert ids[0] == ids[2] != ids[1]


def test_numbers_keep_their_value_across_spellings():
    assert words("Budget of 1,200,000 marks", "en")[2:] == words("budget of 1200000 marks", "en")[2:]
    assert "#3.5" in words("Growth 3,5 per cent", "de")
    assert words("Rates rising", "en") == words("rate rises", "en")  # one stem


def test_scripts_without_spaces_give_character_pairs():
    assert words("港口关闭", "zh") == ("港口", "口关", "关闭")


def test_slug_words_from_the_link():
    assert slug_words("https://x.example/2026/05/11/harbour-fire-closes-quay.html", "en") == words(
        "harbour fire closes quay", "en")
    assert slug_words("https://x.example/story/12345678", "en") == ()
    assert slug_words("not a url at all", "en") == ()


def _twin_stories(params):
    """Two stories of one event, as two workers storing at the same moment could leave them
    without a shared lock: each created from a write-up the other did not see."""
    store = MemoryStore()
    for title, day in BACKGROUND:
        place(Item.of(title=title, day=day, language="en"), store, params)
    for title in ("Quarry blast shakes homes in Lowmere", "Lowmere homes shaken by quarry blast"):
        item = Item.of(title=title, day=DAY, language="en")
        from wiredesk.stories.clustering import vectorize

        total, df = store.frequencies("en", item.weights)
        store.count("en", item.weights)
        store.create("en", vectorize(item, total, df), DAY)
    return store, max(store.stories) - 1, max(store.stories)


def test_stories_shown_to_be_one_are_merged_into_the_older():
    params = Params()
    store, a, b = _twin_stories(params)
    result = place(Item.of(title="Quarry blast in Lowmere shakes homes", day=DAY, language="en"), store, params)
    assert result.merged == (b,) and result.story_id == a
    assert store.final(b) == a and store.stories[a].size == 3
    # Later write-ups find the merged story through either story's postings.
    again = place(Item.of(title="Lowmere quarry blast: homes shaken", day=DAY + 1, language="en"), store, params)
    assert store.final(again.story_id) == a


def test_stories_an_editor_kept_apart_are_never_merged():
    params = Params()
    store, a, b = _twin_stories(params)
    store.stories[a].apart = frozenset({b})
    result = place(Item.of(title="Quarry blast in Lowmere shakes homes", day=DAY, language="en"), store, params)
    assert result.merged == ()
    assert store.final(a) != store.final(b)


def test_cosine_bounds():
    assert cosine({"a": 1.0}, {"a": 2.0}) == 1.0
    assert cosine({"a": 1.0}, {"b": 1.0}) == 0.0
    assert cosine({}, {"a": 1.0}) == 0.0


texts = st.text(st.characters(codec="utf-8"), max_size=300)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(texts, st.integers(-3, 3), st.sampled_from(["en", "fr", "de", "zh", "", "xx", "und"]),
                          texts), max_size=25))
def test_any_text_places_without_error_and_deterministically(rows):
    """Arbitrary Unicode (controls, surrogates' neighbours, empty strings, any script) in the
    headline, link or language never breaks placement, and the same input gives the same
    stories."""
    def go():
        store = MemoryStore()
        out = []
        for title, day, language, url in rows:
            placed = place(Item.of(title=title, url=url, language=language, day=DAY + day), store)
            assert placed.story_id in store.stories
            out.append(placed.story_id)
        return [store.final(i) for i in out]

    first = go()
    assert first == go()
    assert len(first) == len(rows)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([t for t, _ in BACKGROUND]), min_size=1, max_size=30))
def test_identical_headlines_on_one_day_share_a_story(titles):
    ids, _ = run([(t, DAY) for t in titles])
    by_title = {}
    for title, story in zip(titles, ids):
        by_title.setdefault(title, set()).add(story)
    assert all(len(stories) == 1 for stories in by_title.values())

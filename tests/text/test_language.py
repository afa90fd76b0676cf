import pytest

from wiredesk.text.language import _identifier, detect_language, normalize_language

ENGLISH = "The harbour council voted on Tuesday to extend the ferry timetable through the winter months."
FRENCH = "Le conseil municipal a voté mardi pour prolonger les horaires du traversier pendant tout l'hiver."
GERMAN = "Der Stadtrat hat am Dienstag beschlossen, den Fährfahrplan über die Wintermonate zu verlängern."
SPANISH = "El consejo municipal votó el martes para ampliar el horario del transbordador durante todo el invierno."
RUSSIAN = "Городской совет во вторник проголосовал за продление расписания парома на зимние месяцы."


@pytest.mark.parametrize(
    ("text", "code"),
    [(ENGLISH, "en"), (FRENCH, "fr"), (GERMAN, "de"), (SPANISH, "es"), (RUSSIAN, "ru")],
)
def test_detects_language_of_long_text(text, code):
    assert detect_language(text) == code


def test_detection_beats_a_wrong_hint_on_long_text():
    assert detect_language(FRENCH, hint="en-US") == "fr"


def test_short_text_trusts_hint():
    assert detect_language("Ferry timetable", hint="en-GB") == "en"
    assert detect_language("Ferry timetable", hint="fr") == "fr"
    assert detect_language("Ferry timetable") == "und"


def test_low_confidence_falls_back_to_hint():
    noise = "12345 67890 2025-03-30 10:15 https://example.com/a/b?x=1 #### ****"
    assert detect_language(noise, hint="de") == "de"
    assert detect_language(noise) == "und"


def test_whitespace_does_not_count_as_text():
    assert detect_language(" " * 100 + "Hi" + "\n" * 100, hint="nl") == "nl"


@pytest.mark.parametrize(
    ("hint", "code"),
    [("en-US", "en"), ("EN_gb", "en"), ("pt-BR", "pt"), ("fra", "fr"), ("ger", "de"), ("fr", "fr"),
     ("english", None), ("", None), (None, None), ("und", None), ("*", None)],
)
def test_normalize_language(hint, code):
    assert normalize_language(hint) == code


@pytest.mark.parametrize("text", [ENGLISH, FRENCH, GERMAN, SPANISH, RUSSIAN, "x", "Ferry 12:30 ✓ 港口"])
def test_vectorised_walk_scores_exactly_as_py3langid(text):
    from py3langid.langid import LanguageIdentifier

    identifier = _identifier()
    assert identifier.walk is not None  # in use with the installed py3langid
    data = identifier._encode(text)
    assert (identifier._raw_score(data) == LanguageIdentifier._raw_score(identifier, data)).all()

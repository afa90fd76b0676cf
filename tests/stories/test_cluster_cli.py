"""``wiredesk cluster FILE --json``: the evaluation front door, run as a user runs it.

The file layout is the UCI News Aggregator's (ID, TITLE, URL, PUBLISHER, CATEGORY, STORY,
HOSTNAME, TIMESTAMP in ms). The command must read only the allowed columns, take rows in
TIMESTAMP order, need no server or database and leave nothing behind.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from wiredesk.stories.cluster_file import main

ROOT = Path(__file__).resolve().parents[2]
DAY = 86_400_000
T0 = 1_700_000_000_000

ROWS = [
    ("1", "Fire destroys grain store in Port Ellis", "https://a.example/news/fire-destroys-grain-store", "Alder", "0"),
    ("2", "Lowmere library opens on Sundays", "https://b.example/lowmere-library-sundays", "Birch", DAY),
    ("3", "Port Ellis grain store gutted by overnight fire", "https://c.example/port-ellis-grain-store-fire", "Cedar", 1000),
    ("4", "Tram drivers in Kingsbridge accept pay offer", "https://a.example/tram-drivers-pay", "Alder", 2000),
    ("5", "Overnight fire guts Port Ellis grain store", "https://b.example/overnight-fire-grain-store", "Birch", DAY + 5),
]


def tsv(rows, *, story=lambda r: "s", category=lambda r: "b") -> str:
    return "".join(
        f"{i}\t{t}\t{u}\t{p}\t{category(r)}\t{story(r)}\t{u.split('/')[2]}\t{T0 + int(ts)}\n"
        for r in rows for (i, t, u, p, ts) in [r]
    )


def run(text: str, *args: str) -> tuple[int, list[dict]]:
    out = io.StringIO()
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".tsv", encoding="utf-8", delete=False) as handle:
        handle.write(text)
    try:
        code = main([handle.name, "--json", *args], out=out)
    finally:
        os.unlink(handle.name)
    return code, [json.loads(line) for line in out.getvalue().splitlines()]


def partition(lines) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for line in lines:
        groups.setdefault(line["cluster"], set()).add(line["id"])
    return {frozenset(g) for g in groups.values()}


def test_one_json_line_per_row_in_file_order_with_the_event_grouped():
    code, lines = run(tsv(ROWS))
    assert code == 0
    assert [line["id"] for line in lines] == ["1", "2", "3", "4", "5"]
    assert all(set(line) == {"id", "cluster"} and isinstance(line["cluster"], str) for line in lines)
    assert frozenset({"1", "3", "5"}) in partition(lines)
    assert len(partition(lines)) == 3


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=12).filter(lambda s: "\t" not in s and "\n" not in s and "\r" not in s),
                min_size=len(ROWS), max_size=len(ROWS)),
       st.permutations(range(len(ROWS))))
def test_story_and_category_are_never_read_and_file_order_does_not_matter(labels, order):
    _, plain = run(tsv(ROWS))
    shuffled = [ROWS[i] for i in order]
    labelled = {r[0]: label for r, label in zip(ROWS, labels)}
    _, other = run(tsv(shuffled, story=lambda r: labelled[r[0]], category=lambda r: labelled[r[0]][::-1]))
    assert [line["id"] for line in other] == [r[0] for r in shuffled]
    assert partition(other) == partition(plain)


def test_bad_input_gets_a_clear_error_naming_the_line(capsys):
    code, _ = run(tsv(ROWS[:2]) + "7\tonly three\tcolumns\n")
    assert code == 2
    assert "line 3" in capsys.readouterr().err
    code, _ = run("9\tTitle\thttps://a.example/x\tP\tb\ts\ta.example\tnot-a-time\n")
    assert code == 2
    assert "TIMESTAMP" in capsys.readouterr().err
    assert main(["/nonexistent/dir/file.tsv", "--json"], out=io.StringIO()) == 2


def test_the_command_needs_no_django_and_leaves_no_trace(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    source = tmp_path / "rows.tsv"
    source.write_text(tsv(ROWS), encoding="utf-8")
    script = (
        "import sys; from wiredesk.cli import main\n"
        "try:\n    main(['wiredesk', 'cluster', sys.argv[1], '--json'])\n"
        "finally:\n    sys.stderr.write('django loaded' if 'django' in sys.modules else '')\n"
    )
    env = {**os.environ, "WIREDESK_DATA_DIR": str(data), "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}
    done = subprocess.run([sys.executable, "-c", script, str(source)], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "django loaded" not in done.stderr
    assert len(done.stdout.splitlines()) == len(ROWS)
    assert list(data.iterdir()) == []


def test_a_host_too_short_to_tell_its_language_is_read_in_the_collections_main_language():
    # "d.example" is seen once, with a headline far too short for language detection; left
    # without a language it would be compared with nothing and stay alone.
    short = ("6", "Grain store fire", "https://d.example/p6", "Dale", DAY + 10)
    code, lines = run(tsv([*ROWS, short]))
    assert code == 0
    assert frozenset({"1", "3", "5", "6"}) in partition(lines)


def test_no_main_language_means_no_guess():
    from wiredesk.stories.cluster_file import Row, host_languages

    english = [Row(str(i), "Harbour pilots vote to strike over new rota plans", "", "en.example", i) for i in range(3)]
    french = [Row(str(i), "Les pilotes du port votent la grève contre le nouveau planning", "", "fr.example", i)
              for i in range(3, 6)]
    short = [Row("9", "Quay 4", "", "x.example", 9)]
    assert host_languages(english + short)["x.example"] == "en"
    assert host_languages(french + short)["x.example"] == "fr"
    # Half and half: the short host's language is not guessed.
    assert host_languages(english + french + short)["x.example"] == ""

"""``wiredesk cluster FILE [--json]``: story clustering over a headline file, for evaluation.

Reads the UCI News Aggregator layout (tab-separated, no header: ID, TITLE, URL, PUBLISHER,
CATEGORY, STORY, HOSTNAME, TIMESTAMP in milliseconds). STORY and CATEGORY are never read. Rows go
through wiredesk.stories.clustering, the code the pipeline runs, in TIMESTAMP order (ties in file
order), with an in-memory store: no server, no database, nothing written. As in the pipeline,
a row is weighed with the document frequencies of the rows before it, never of later ones. Time counts by UTC day
only, as in the pipeline.

Each host's language is detected once, from up to 25 of its headlines together (one headline is
too short to tell reliably; a site rarely changes language). Output, in file order: one line per
row, ``{"id": ..., "cluster": ...}`` with --json, else ``ID<TAB>CLUSTER``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Iterator, TextIO

from wiredesk.stories.clustering import DEFAULT, Item, MemoryStore, Params, place

DAY_MS = 86_400_000
HOST_SAMPLE = 25


class FileError(ValueError):
    """The input is not in the expected layout (message names the line)."""


@dataclass(frozen=True)
class Row:
    id: str
    title: str
    url: str
    host: str
    timestamp: int


def read_rows(lines: Iterable[str]) -> Iterator[Row]:
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        cols = line.split("\t")
        if len(cols) < 8:
            raise FileError(f"line {number}: expected 8 tab-separated columns, found {len(cols)}")
        try:
            timestamp = int(cols[7].strip())
        except ValueError:
            raise FileError(f"line {number}: TIMESTAMP is not a whole number of milliseconds: {cols[7][:40]!r}") from None
        yield Row(id=cols[0], title=cols[1], url=cols[2].replace("\\", ""), host=cols[6].strip().lower(),
                  timestamp=timestamp)


def host_languages(rows: list[Row]) -> dict[str, str]:
    """Each host's language, from up to HOST_SAMPLE of its headlines together. A host whose few
    headlines cannot tell (too short, or no language clearly ahead) takes the collection's main
    language when more than half of the rows whose host could tell are in it: a site seen three
    times in an English collection is far likelier English than anything else, and an item
    left without a language is compared with no other."""
    from wiredesk.text.language import UNDETERMINED, detect_language

    samples: dict[str, list[str]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row.host] += 1
        sample = samples[row.host]
        if len(sample) < HOST_SAMPLE:
            sample.append(row.title)
    languages = {}
    for host, titles in samples.items():
        language = detect_language("\n".join(titles), hint=None) or ""
        languages[host] = "" if language == UNDETERMINED else language
    told: dict[str, int] = defaultdict(int)
    for host, language in languages.items():
        if language:
            told[language] += counts[host]
    if told:
        main, rows_in_main = max(told.items(), key=lambda kv: (kv[1], kv[0]))
        if rows_in_main * 2 > sum(told.values()):
            for host, language in languages.items():
                if not language:
                    languages[host] = main
    return languages


def cluster_rows(rows: list[Row], params: Params = DEFAULT) -> list[int]:
    """The cluster id of each row, in the rows' order."""
    languages = host_languages(rows)
    store = MemoryStore()
    items = [Item.of(title=row.title, url=row.url, language=languages.get(row.host, ""), day=row.timestamp // DAY_MS)
             for row in rows]
    assigned = [0] * len(rows)
    for index in sorted(range(len(rows)), key=lambda i: rows[i].timestamp):
        assigned[index] = place(items[index], store, params).story_id
    return [store.final(story_id) for story_id in assigned]


def main(argv: list[str], out: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(prog="wiredesk cluster", description=__doc__.split("\n\n")[0])
    parser.add_argument("file", help="tab-separated headlines (UCI News Aggregator layout); - for standard input")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    args = parser.parse_args(argv)
    try:
        if args.file == "-":
            rows = list(read_rows(sys.stdin))
        else:
            with open(args.file, encoding="utf-8", errors="replace", newline="") as handle:
                rows = list(read_rows(handle))
    except OSError as exc:
        print(f"wiredesk cluster: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except FileError as exc:
        print(f"wiredesk cluster: {args.file}: {exc}", file=sys.stderr)
        return 2
    clusters = cluster_rows(rows)
    write = out.write
    if args.json:
        for row, cluster in zip(rows, clusters):
            write(json.dumps({"id": row.id, "cluster": str(cluster)}, ensure_ascii=False) + "\n")
    else:
        for row, cluster in zip(rows, clusters):
            write(f"{row.id}\t{cluster}\n")
    return 0

"""Cost of placing one more article in a story with 10,000 and with 1,000,000 stored.

    WIREDESK_DATA_DIR=$(mktemp -d) .venv/bin/python bench/cluster_cost.py [--large 1000000]

Run by bench/cluster.py (which gives it an empty data directory); SQLite, the default install.
The store is filled at one steady rate, 2,740 articles a day (a million a year), so 10,000
stored is the last few days and 1,000,000 a year of them: the question is whether a year of
history behind the same recent days makes placing dearer. Each stored article is a headline
from clustering-dev, filed in a story of about three members, with its story's term postings
and the document frequencies, as the clustering stage leaves them (written in bulk here,
which takes minutes for a million). Then 300 new articles of the newest day are placed through
wiredesk.stories.services.placing.story_place, each timed alone; the median is reported at
both sizes, and their ratio (target: at most 1.2).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wiredesk.project.settings")
PER_DAY = 2740
STORY_SIZE = 3
PLACED = 300


def titles(data: Path) -> list[tuple[str, str]]:
    rows = []
    with open(data / "news-aggregator-dev.tsv", encoding="utf-8") as handle:
        for line in handle:
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 8:
                rows.append((cols[1], cols[2].replace("\\", "")))
    return rows


class Filler:
    def __init__(self, source, pool, rng, last_day):
        self.source, self.pool, self.rng, self.last_day = source, pool, rng, last_day
        self.stored = 0
        self.df: collections.Counter = collections.Counter()

    def fill(self, target: int) -> None:
        """Store articles backwards in time from ``last_day`` until ``target`` are stored."""
        from django.db import transaction

        from wiredesk.stories.clusterdb import term_key
        from wiredesk.stories.clustering import Item
        from wiredesk.stories.models import Article, Story, StoryPosting

        while self.stored < target:
            n = min(10_000, target - self.stored)
            with transaction.atomic():
                articles, stories, postings = [], [], []
                start = self.stored
                for i in range(start, start + n, STORY_SIZE):
                    day = self.last_day - 1 - i // PER_DAY
                    moment = dt.datetime.fromtimestamp(day * 86400 + 3600, tz=dt.timezone.utc)
                    members = [self.pool[self.rng.randrange(len(self.pool))] for _ in range(min(STORY_SIZE, start + n - i))]
                    centroid = collections.Counter()
                    terms = set()
                    for title, _url in members:
                        item = Item.of(title=title, language="en", day=day)
                        self.df.update(item.weights)
                        terms |= set(item.weights)
                        centroid.update({t: w / len(item.weights) for t, w in item.weights.items()})
                    story = Story(language="en", first_seen_at=moment, last_updated_at=moment, first_day=day,
                                  last_day=day, size=len(members), centroid=dict(centroid.most_common(200)))
                    stories.append((story, members, terms, day, moment))
                Story.objects.bulk_create([s for s, *_ in stories], batch_size=2000)
                for story, members, terms, day, moment in stories:
                    for title, url in members:
                        self.stored += 1
                        articles.append(Article(
                            source=self.source, guid=f"fill-{self.stored}", guid_key=f"{self.stored:064d}", slug="s",
                            title=title, canonical_url=url, body_html="", published_at=moment, section="world",
                            language="en", fingerprint="", raw_hash="", story=story,
                        ))
                    postings.extend(StoryPosting(term=term_key("en", t), day=day, story=story) for t in terms)
                Article.objects.bulk_create(articles, batch_size=2000)
                StoryPosting.objects.bulk_create(postings, batch_size=5000, ignore_conflicts=True)
        self._write_counts()

    def _write_counts(self) -> None:
        from django.db import transaction

        from wiredesk.stories.clusterdb import DOCS, term_key
        from wiredesk.stories.models import TermCount

        with transaction.atomic():
            TermCount.objects.all().delete()
            rows = [TermCount(term=term_key("en", t), count=c) for t, c in self.df.items()]
            rows.append(TermCount(term=term_key("en", DOCS), count=self.stored))
            TermCount.objects.bulk_create(rows, batch_size=5000)


def measure(source, pool, rng, last_day) -> float:
    from django.db import transaction

    from wiredesk.stories.models import Article
    from wiredesk.stories.services.placing import story_place

    times = []
    moment = dt.datetime.fromtimestamp(last_day * 86400 + 7200, tz=dt.timezone.utc)
    for n in range(PLACED):
        title, url = pool[rng.randrange(len(pool))]
        with transaction.atomic():
            article = Article.objects.create(
                source=source, guid=f"new-{n}-{rng.random()}", guid_key=f"n{n}{rng.random()}"[:64], slug="s",
                title=title, canonical_url=url, body_html="", published_at=moment, section="world", language="en",
                fingerprint="", raw_hash="",
            )
            started = time.perf_counter()
            story_place(article=article)
            times.append(time.perf_counter() - started)
            transaction.set_rollback(True)  # each placement sees the same stored state
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "clustering-dev")
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not os.environ.get("WIREDESK_DATA_DIR"):
        parser.error("set WIREDESK_DATA_DIR to an empty directory: the benchmark fills a database there")
    import django

    django.setup()
    import logging

    logging.getLogger("wiredesk.stories").setLevel(logging.WARNING)  # merges are logged at INFO
    from django.core.management import call_command

    from wiredesk.sources.models import Source

    call_command("migrate", verbosity=0)
    pool = titles(args.data)
    rng = random.Random(args.seed)
    source = Source.objects.create(name="Bench Wire", credit="Bench Wire", feed_url="https://bench.example/feed")
    last_day = 20_500
    filler = Filler(source, pool, rng, last_day)
    started = time.perf_counter()
    filler.fill(args.small)
    small = measure(source, pool, random.Random(args.seed + 1), last_day)
    print(f"\ncost of one placement: {args.small:,} stored: {small * 1000:.2f} ms (median of {PLACED})", flush=True)
    filler.fill(args.large)
    print(f"  (filled {args.large:,} in {time.perf_counter() - started:.0f} s)", flush=True)
    large = measure(source, pool, random.Random(args.seed + 1), last_day)
    print(f"cost of one placement: {args.large:,} stored: {large * 1000:.2f} ms (median of {PLACED})")
    print(f"ratio {args.large:,} / {args.small:,}: {large / small:.2f} (target <= 1.2)")


if __name__ == "__main__":
    main()

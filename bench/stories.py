"""One entry per story: what the rule costs a list, on 100,000 stored articles.

    .venv/bin/python bench/stories.py [--articles 100000] [--keep DIR]

Stores the serving benchmark's articles (bench/serve.py) from three wires, puts a third of
them in stories of three members (one per wire), and times, for a brand that carries every
wire, the home page's read (the newest 400), a section page and a place page, with every
carried article (the rule off: articles_carried) and one per story (articles_visible). Prints
the query plan of the front's read. Uses the database the environment names (DATABASE_URL
for PostgreSQL; else SQLite in a temporary data folder).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import serve  # noqa: E402


def timed(fn, runs: int = 30) -> float:
    fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--keep", metavar="DIR")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = str(Path(args.keep).resolve() if args.keep else Path(tmp) / "data")
        serve.setup_django(data_dir)
        from django.db import connection, transaction
        from django.db.models import Q

        from wiredesk.brands.models import Brand, BrandSource
        from wiredesk.sources.models import Source
        from wiredesk.stories.models import Article, Story
        from wiredesk.stories.selectors import LIST_DEFERRED, articles_carried, articles_of, articles_visible

        if not Article.objects.exists():
            started = time.perf_counter()
            serve.generate(args.articles)
            wires = [Source.objects.get()] + [
                Source.objects.create(name=n, credit=n, feed_url=f"https://{i}.bench.example/feed")
                for i, n in enumerate(("Second Wire", "Third Wire"))
            ]
            ids = list(Article.objects.order_by("id").values_list("id", "published_at"))
            # Every third block of three consecutive articles is one story told by three wires.
            stories = []
            for start in range(0, len(ids) - 2, 9):
                group = ids[start : start + 3]
                stories.append(Story(first_seen_at=group[-1][1], last_updated_at=group[0][1], size=3))
            Story.objects.bulk_create(stories, batch_size=2000)
            with transaction.atomic():
                for n, story in enumerate(Story.objects.order_by("id")):
                    group = [i for i, _ in ids[n * 9 : n * 9 + 3]]
                    for wire, article_id in zip(wires, group):
                        Article.objects.filter(id=article_id).update(story=story, source=wire,
                                                                     body_chars=1000 + article_id % 7)
            from storage import settle_database

            settle_database(analyze=True)
            print(f"stored {len(ids):,} articles, {len(stories):,} stories in {time.perf_counter() - started:.0f} s")
        brand = Brand.objects.get()
        BrandSource.objects.filter(brand=brand).delete()  # carries every wire, owns none
        brand = Brand.objects.get()

        def front(qs):
            return lambda: list(qs.defer(*LIST_DEFERRED).order_by("-published_at", "-id")[:400])

        cases = {
            "home (newest 400)": (articles_carried(brand=brand), articles_visible(brand=brand)),
            "section page (20)": (articles_carried(brand=brand).filter(section="business"),
                                  articles_visible(brand=brand).filter(section="business")),
            "place page (20)": (articles_carried(brand=brand).filter(place_slug="selvara"),
                                articles_of(brand=brand, among=Q(place_slug="selvara"))),
        }
        print(f"{connection.vendor}, {Article.objects.count():,} articles")
        for name, (before, after) in cases.items():
            limit = 400 if name.startswith("home") else 20
            b = timed(lambda: list(before.defer(*LIST_DEFERRED).order_by("-published_at", "-id")[:limit]))
            a = timed(lambda: list(after.defer(*LIST_DEFERRED).order_by("-published_at", "-id")[:limit]))
            print(f"{name:20s} every article {b:7.2f} ms   one per story {a:7.2f} ms")
        qs = articles_visible(brand=brand).prefetch_related(None).defer(*LIST_DEFERRED).order_by("-published_at", "-id")[:400]
        sql, params = qs.query.sql_with_params()
        with connection.cursor() as cursor:
            explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
            cursor.execute(explain + sql, params)
            print("plan of the home page's read:")
            for row in cursor.fetchall():
                print("  ", " | ".join(str(c) for c in row))


if __name__ == "__main__":
    main()

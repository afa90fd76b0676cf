"""wiredesk stats [--json]: counts of what is stored."""

from __future__ import annotations

import json as jsonlib

from django.core.management.base import BaseCommand
from django.db.models import Count

from wiredesk.sources.models import Source
from wiredesk.stories.models import Article


class Command(BaseCommand):
    help = "Print counts of sources and articles."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, json: bool, **opts) -> None:
        by_section = dict(Article.objects.values_list("section").annotate(n=Count("id")).order_by("section"))
        stats = {
            "sources": Source.objects.count(),
            "sources_enabled": Source.objects.filter(enabled=True).count(),
            "sources_failing": Source.objects.filter(consecutive_errors__gt=0).count(),
            "articles": Article.objects.count(),
            "duplicates": Article.objects.filter(duplicate_of__isnull=False).count(),
            "articles_by_section": by_section,
        }
        if json:
            self.stdout.write(jsonlib.dumps(stats, sort_keys=True))
        else:
            for key, value in stats.items():
                self.stdout.write(f"{key}: {value}")

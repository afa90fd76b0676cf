"""The extract stage: article page HTML in, Extracted out (no Django, no network, no clock)."""

from wiredesk.ingest.extract.article import extract_article
from wiredesk.ingest.extract.errors import ExtractError
from wiredesk.ingest.extract.robots import crawl_delay, robots_allows

__all__ = ["ExtractError", "crawl_delay", "extract_article", "robots_allows"]

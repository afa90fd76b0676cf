"""Writes of articles and stories: the one funnel through which stored copy changes.

``articles``: storing an item as an article. ``stories``: an editor's merges and splits and
what a story shows. ``placing``: the clustering stage that files each new article in a story.
"""

from wiredesk.stories.services.articles import article_slug, article_upsert, kill_lookup_for

__all__ = ["article_slug", "article_upsert", "kill_lookup_for"]

from django.urls import path, register_converter

from wiredesk.web import feeds, seo
from wiredesk.web.views import archive, article, fronts, promos, search


class SectionConverter:
    regex = "world|business|technology|sports|photo|local"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(SectionConverter, "section")

urlpatterns = [
    path("", fronts.home, name="home"),
    path("section/<section:section>/", fronts.section, name="section"),
    path("source/<int:source_id>/", fronts.source, name="source"),
    path("place/<slug:place>/", fronts.place, name="place"),
    path("archive/", archive.archive_index, name="archive"),
    path("archive/<int:year>/<int:month>/", archive.archive_month, name="archive-month"),
    path("archive/<int:year>/<int:month>/<int:day>/", archive.archive_day, name="archive-day"),
    path("story/<int:article_id>-<slug:slug>/", article.article, name="article"),
    path("coverage/<int:story_id>/", article.story, name="story"),
    path("search/", search.search, name="search"),
    path("brand.css", promos.brand_css, name="brand-css"),
    # Feeds out.
    path("feeds/rss.xml", feeds.BrandRss(), name="feed-rss"),
    path("feeds/atom.xml", feeds.BrandAtom(), name="feed-atom"),
    path("feeds/feed.json", feeds.brand_json_feed, name="feed-json"),
    path("section/<section:section>/rss.xml", feeds.SectionRss(), name="section-feed-rss"),
    path("section/<section:section>/atom.xml", feeds.SectionAtom(), name="section-feed-atom"),
    path("section/<section:section>/feed.json", feeds.section_json_feed, name="section-feed-json"),
    # Search engines.
    path("sitemap.xml", seo.sitemap, name="sitemap"),
    path("news-sitemap.xml", seo.news_sitemap, name="news-sitemap"),
    path("robots.txt", seo.robots_txt, name="robots"),
]

"""Reader-facing pages. Minimal for now: the branded site proper is built on top of this."""

from zoneinfo import ZoneInfo

from django.shortcuts import get_object_or_404, render

from wiredesk.brands.models import Brand
from wiredesk.stories.models import Article


def _brand(request) -> Brand | None:
    host = request.get_host().split(":", 1)[0].lower()
    for brand in Brand.objects.all():
        if host in [h.lower() for h in brand.hosts]:
            return brand
    return Brand.objects.order_by("id").first()


def home(request):
    brand = _brand(request)
    articles = (
        Article.objects.filter(duplicate_of__isnull=True)
        .select_related("source")
        .order_by("-published_at", "-id")[:40]
    )
    return render(request, "web/home.html", {"brand": brand, "articles": articles, "tz": ZoneInfo(brand.time_zone) if brand else ZoneInfo("UTC")})


def article(request, article_id: int, slug: str):
    brand = _brand(request)
    item = get_object_or_404(Article.objects.select_related("source"), id=article_id)
    return render(request, "web/article.html", {"brand": brand, "a": item, "tz": ZoneInfo(brand.time_zone) if brand else ZoneInfo("UTC")})

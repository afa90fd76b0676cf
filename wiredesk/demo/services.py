"""Load the demo: the four demo wires as Sources and two Brands carrying them, idempotently."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from wiredesk.brands.models import Brand, BrandSource
from wiredesk.demo.desk import demo_health_history
from wiredesk.demo.stories import WIRES, Wire
from wiredesk.sources.models import Source

__all__ = ["DEMO_BRANDS", "demo_load"]

DEMO_BRANDS = (
    {
        "name": "Harbour Telegraph",
        "tagline": "Port Ellis and the coast, every hour",
        # localhost and 127.0.0.1 too, so the address `make run` prints opens this brand.
        "hosts": ["harbour.localhost", "localhost", "127.0.0.1"],
        "time_zone": "Australia/Sydney",
        "language": "en",
        "home_place": "PORT ELLIS",
        "accent_color": "#0b5394",
    },
    {
        "name": "Lakeside Courier",
        "tagline": "The lake country's news, world and business in one place",
        "hosts": ["lakeside.localhost"],
        "time_zone": "America/Toronto",
        "language": "en",
        "home_place": "KINGSBRIDGE",
        "accent_color": "#8a2a12",
        "sections": ["world", "business", "technology", "sports"],
    },
)

# The wires each brand carries and their weights: the Harbour Telegraph takes every wire and
# favours its port's own; the Lakeside Courier leaves the Port Ellis wire out and favours the
# lake country's.
DEMO_CARRIES = {
    "harbour.localhost": {"harbour": 1.5, "northlight": 1.0, "meridian": 1.0, "valley": 1.0},
    "lakeside.localhost": {"meridian": 1.5, "northlight": 1.0, "valley": 1.0},
}

_DEMO_POLL_SECONDS = 30


def _source_fields(wire: Wire, base: str) -> dict:
    return {
        "name": wire.name,
        "credit": wire.credit,
        "home_url": f"{base}/{wire.key}/",
        "format": wire.source_format,
        "licence": Source.Licence.EXCERPT if wire.licence == "excerpt" else Source.Licence.FULL_TEXT,
        "closing_credit": wire.closing_credit,
        "canonical_to_original": wire.canonical_to_original,
        "fetch_full_text": wire.fetch_full_text,
        "section_map": dict(wire.section_map),
        "default_section": "world",
        "language": "en",
        "min_interval_seconds": _DEMO_POLL_SECONDS,
    }


def _upsert(model, existing, fields: dict, create_extra: dict) -> tuple[object, str]:
    """Create, or update only the fields that differ; report which happened."""
    if existing is None:
        return model.objects.create(**fields, **create_extra), "created"
    changed = [name for name, value in fields.items() if getattr(existing, name) != value]
    if not changed:
        return existing, "unchanged"
    for name in changed:
        setattr(existing, name, fields[name])
    existing.save(update_fields=changed)
    return existing, "updated"


@transaction.atomic
def demo_load(*, wires_url: str) -> dict:
    """Create or refresh the demo Sources (one per demo wire) and the two demo Brands.

    Sources are matched by feed URL, brands by their first host; a second run changes nothing.
    Returns ``{"sources": [(name, feed_url, action)], "brands": [(name, host, action)]}``.
    """
    parts = urlsplit(wires_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"wires_url must be an http(s) URL, got {wires_url!r}")
    base = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
    report: dict[str, list] = {"sources": [], "brands": []}

    sources = {}
    for key, wire in WIRES.items():
        feed_url = base + wire.feed_path
        existing = Source.objects.filter(feed_url=feed_url).first()
        # A new source is due at once; an existing one keeps its polling state.
        source, action = _upsert(Source, existing, _source_fields(wire, base),
                                 {"feed_url": feed_url, "next_check_at": timezone.now()})
        sources[key] = source
        report["sources"].append((source.name, feed_url, action))

    demo_health_history(sources=list(sources.values()), today=timezone.now().date())

    brands_by_host = {brand.hosts[0]: brand for brand in Brand.objects.all() if brand.hosts}
    for spec in DEMO_BRANDS:
        host = spec["hosts"][0]
        brand, action = _upsert(Brand, brands_by_host.get(host), dict(spec), {})
        weights = {sources[key]: weight for key, weight in DEMO_CARRIES[host].items()}
        if _link(brand, weights, list(sources.values())) and action == "unchanged":
            action = "updated"
        report["brands"].append((brand.name, host, action))
    return report


def _link(brand: Brand, weights: dict[Source, float], demo_sources: list[Source]) -> bool:
    """Make the brand carry these demo wires with these weights and no other demo wire (its
    own releases source and sources added in the admin stay); whether anything changed."""
    current = {link.source_id: link for link in BrandSource.objects.filter(brand=brand)}
    changed = False
    for source, weight in weights.items():
        link = current.get(source.id)
        if link is None:
            BrandSource.objects.create(brand=brand, source=source, weight=weight)
            changed = True
        elif link.weight != weight:
            link.weight = weight
            link.save(update_fields=["weight"])
            changed = True
    wanted = {source.id for source in weights}
    for source in demo_sources:
        if source.id in current and source.id not in wanted:
            current[source.id].delete()
            changed = True
    return changed

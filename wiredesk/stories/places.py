"""Dateline places as keys: the address of a place's page, and which stories are a brand's local news."""

from __future__ import annotations

from anyascii import anyascii
from django.db.models import Q
from django.utils.text import slugify

LOCAL = "local"


def place_slug(place: str) -> str:
    """The address of a dateline place's page: "ST. AGNES BAY" is st-agnes-bay.

    Case, accents and punctuation fall away ("São Tomé", "SAO TOME" and "Sao-Tome" are one
    place), which also makes it the key by which a brand's home place is recognised. Letters
    that Unicode does not decompose are transliterated first ("ØSTBY" is ostby, "ŁÓDŹ"
    lodz), where slugify alone drops them.
    """
    return slugify(anyascii(place))[:130]


def home_place_slugs(brand) -> frozenset[str]:
    """The place slugs of the brand's home place and its other spellings (none when it has none)."""
    names = [brand.home_place, *(brand.home_place_aliases or [])]
    return frozenset(slug for slug in map(place_slug, names) if slug)


def shows_local(brand) -> bool:
    return LOCAL in brand.section_list


def is_local(*, section: str, place_slug: str, home: frozenset[str]) -> bool:
    """A story of the "local" section: filed there by its wire, or datelined at the home place."""
    return section == LOCAL or place_slug in home


def local_q(brand, prefix: str = "") -> Q:
    """is_local as a filter (``prefix`` reaches the fields through a relation)."""
    q = Q(**{f"{prefix}section": LOCAL})
    home = home_place_slugs(brand)
    if home:
        q |= Q(**{f"{prefix}place_slug__in": sorted(home)})
    return q


def in_section_q(brand, section: str) -> Q:
    """The stories of one of the brand's sections: those filed there, and for "local" every
    story of the brand's home place whatever section its wire filed it in."""
    return local_q(brand) if section == LOCAL else Q(section=section)


def sections_of(article, brand, home: frozenset[str]) -> list[str]:
    """The brand's sections a story belongs to, in the brand's order."""
    local = is_local(section=article.section, place_slug=article.place_slug, home=home)
    return [s for s in brand.section_list if s == article.section or (s == LOCAL and local)]


def front_section(article, brand, home: frozenset[str]) -> str:
    """The one block a story goes in where it may appear once (the front, the daily email):
    "local" for the home place's stories on a brand that shows local news, else its own."""
    if shows_local(brand) and is_local(section=article.section, place_slug=article.place_slug, home=home):
        return LOCAL
    return article.section

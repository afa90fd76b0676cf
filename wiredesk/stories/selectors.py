"""Reads of stored articles."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from django.db import connection
from django.db.models import Exists, F, OuterRef, Q

from wiredesk.brands.selectors import linked_sources
from wiredesk.sources.models import Source
from wiredesk.stories.dedup import Candidate
from wiredesk.stories.models import Article, CopyBand, Pin
from wiredesk.stories.places import LOCAL, home_place_slugs, in_section_q, local_q, sections_of
from wiredesk.text import copies
from wiredesk.text.fingerprint import sha256_hex
from wiredesk.text.urls import canonical_url, is_http_url

if TYPE_CHECKING:
    from django.db.models import QuerySet

_CANDIDATE_FIELDS = ("id", "raw_hash", "fingerprint", "title", "guid_key", "url_key")


def _candidate(row: dict) -> Candidate:
    return Candidate(id=row["id"], raw_hash=row["raw_hash"], fingerprint=row["fingerprint"], title=row["title"],
                     guid_key=row["guid_key"])


def _candidates(*, source_id: int, field: str, keys: Iterable[str]) -> dict[str, Candidate]:
    wanted = sorted({k for k in keys if k})
    found: dict[str, Candidate] = {}
    for start in range(0, len(wanted), 500):  # stay under SQLite's variable limit
        rows = (
            Article.objects.filter(source_id=source_id, **{f"{field}__in": wanted[start : start + 500]})
            .order_by().values(*_CANDIDATE_FIELDS)
        )
        found.update({row[field]: _candidate(row) for row in rows})
    return found


def candidates_by_guid(*, source_id: int, guid_keys: Iterable[str]) -> dict[str, Candidate]:
    """Stored articles of a source keyed by the sha256 of their GUID."""
    return _candidates(source_id=source_id, field="guid_key", keys=guid_keys)


def candidates_by_url(*, source_id: int, url_keys: Iterable[str]) -> dict[str, list[Candidate]]:
    """Stored articles of a source keyed by the sha256 of their canonical URL, oldest first
    (items with distinct GUIDs may share one link)."""
    wanted = sorted({k for k in url_keys if k})
    found: dict[str, list[Candidate]] = {}
    for start in range(0, len(wanted), 500):  # stay under SQLite's variable limit
        rows = (
            Article.objects.filter(source_id=source_id, url_key__in=wanted[start : start + 500])
            .order_by("id").values(*_CANDIDATE_FIELDS)
        )
        for row in rows:
            found.setdefault(row["url_key"], []).append(_candidate(row))
    return found


def candidate_same_content(*, source_id: int, fingerprint: str) -> Candidate | None:
    """The first article from another source with identical content, if any.

    News releases are never the original: a release is shown on one brand only, so a wire
    story with the same text must not be hidden behind it on every other brand.

    Asked once per stored item, so written as one parameterised statement: building the
    equivalent queryset cost several times the query itself.
    """
    with connection.cursor() as cursor:
        cursor.execute(_SAME_CONTENT_SQL, [fingerprint, source_id, Source.Kind.RELEASES.value])
        row = cursor.fetchone()
    return Candidate(id=row[0], raw_hash=row[1], fingerprint=row[2], title=row[3]) if row else None


_SAME_CONTENT_SQL = (
    f"SELECT a.id, a.raw_hash, a.fingerprint, a.title FROM {Article._meta.db_table} a "
    f"JOIN {Source._meta.db_table} s ON s.id = a.source_id "
    "WHERE a.fingerprint = %s AND a.duplicate_of_id IS NULL AND a.source_id <> %s AND s.kind <> %s "
    "ORDER BY a.id LIMIT 1"
)


def recent_publication_times(*, source_id: int, limit: int = 20) -> list:
    """Publication instants of a source's newest articles (for the polling cadence)."""
    return list(
        Article.objects.filter(source_id=source_id)
        .order_by("-published_at")
        .values_list("published_at", flat=True)[:limit]
    )


# --- what readers see -------------------------------------------------------------------

def carried_source_filter(*, brand, field: str = "id") -> Q:
    """Which sources a brand carries: the wires it lists (every wire when it lists none), and
    its own news releases. Releases submitted to one brand never show on another.

    ``field`` names the source id on the queryset filtered: ``id`` on sources, ``source_id`` on
    articles. The rule is written on ids alone, never through a join with the sources table:
    with that join in an article list, SQLite reads the sources first and then sorts every
    stored article instead of walking the publication-time index (170 ms instead of 0.1 ms
    for the newest 12 of 100,000).
    """
    wires, releases = linked_sources(brand=brand)
    carried_wires = wires or Source.objects.filter(kind=Source.Kind.WIRE).values("id")
    return Q(**{f"{field}__in": carried_wires}) | Q(**{f"{field}__in": releases})


def _shown_sections_q(brand, prefix: str = "") -> Q | None:
    """The brand's list of sections as a filter (None: it shows every section). A brand that
    shows "local" shows its home place's stories whatever section their wire filed them in."""
    if not brand.sections:
        return None
    q = Q(**{f"{prefix}section__in": brand.sections})
    if LOCAL in brand.sections:
        q |= local_q(brand, prefix)
    return q


def brand_carries(*, brand, article: Article, withdrawn_too: bool = False) -> bool:
    """articles_visible's rule for one article already loaded (with its source), without a query
    beyond the brand's own list of sources; duplicates are the caller's business."""
    if article.withdrawn_at is not None and not withdrawn_too:
        return False
    wires, releases = linked_sources(brand=brand)
    if article.source_id in releases:
        carried = True
    elif wires:
        carried = article.source_id in wires
    else:
        carried = article.source.kind == Source.Kind.WIRE
    return carried and bool(sections_of(article, brand, home_place_slugs(brand)))


def carried_sources(*, brand) -> "QuerySet[Source]":
    return Source.objects.filter(carried_source_filter(brand=brand))


def articles_carried(*, brand) -> "QuerySet[Article]":
    """Every article a brand carries: from the sources it carries, in its sections (every
    section when it lists none), duplicates hidden where the brand shows their original.

    A duplicate whose original the brand does not show (another wire's copy, or another
    section) is the brand's only copy of the story, so it is listed, as its article page shows
    it. A duplicate filed in a story is carried whatever its original: the story decides. A paused source's stored stories stay visible: pausing stops polling, it unpublishes
    nothing. Several members of one story may be carried: lists show one of them
    (articles_visible); the article and story pages show them all.
    """
    original_shown = carried_source_filter(brand=brand, field="duplicate_of__source_id")
    original_sections = _shown_sections_q(brand, prefix="duplicate_of__")
    if original_sections is not None:
        original_shown &= original_sections
    # The sources come with one query of their own (a handful of rows), not a join: see
    # carried_source_filter.
    # A copy filed in a story is carried like any member: the story's rule picks which one of
    # them the brand shows (the brand's own wire, the most complete, the earliest).
    qs = Article.objects.filter(Q(duplicate_of__isnull=True) | Q(story__isnull=False) | ~original_shown)
    qs = qs.filter(withdrawn_at__isnull=True)  # killed by an editor: shown nowhere
    qs = qs.prefetch_related("source")
    qs = qs.filter(carried_source_filter(brand=brand, field="source_id"))
    sections = _shown_sections_q(brand)
    return qs if sections is None else qs.filter(sections)


def own_source_ids(*, brand) -> list[int]:
    """The sources a brand counts as its own when it chooses among a story's members: the
    wires it lists and its news releases (a brand that lists no wire owns none of them)."""
    wires, releases = linked_sources(brand=brand)
    return [*wires, *releases]


# The preferred-member rule after "own": the most complete copy, then the earliest, then the
# first stored. An inner member ranks above the outer row when its key is smaller.
_RANKED_ABOVE = (
    Q(body_chars__gt=OuterRef("body_chars"))
    | Q(body_chars=OuterRef("body_chars"), published_at__lt=OuterRef("published_at"))
    | Q(body_chars=OuterRef("body_chars"), published_at=OuterRef("published_at"), id__lt=OuterRef("id"))
)


def preferred_members(*, qs: "QuerySet[Article]", brand, among: Q | None = None) -> "QuerySet[Article]":
    """``qs`` keeping, of each story, only the member the brand prefers: the one rule that
    decides which copy of an event a brand shows.

    Among the story's members the brand carries (and that match ``among``, when given): a
    member from the brand's own sources (own_source_ids) first, then the most complete
    (``body_chars``), then the earliest (``published_at``, then ``id``). An article in no
    story is its own entry. Written as NOT EXISTS on the story's other members, so a list
    still walks the publication-time index and checks each row it reads through the
    (story, published_at) index; a story sits in time-ordered lists at its preferred member's
    publication time.
    """
    rivals = articles_carried(brand=brand).prefetch_related(None).order_by().filter(story_id=OuterRef("story_id"))
    if among is not None:
        rivals = rivals.filter(among)
    wires, _ = linked_sources(brand=brand)
    own = own_source_ids(brand=brand)
    if not own or wires:
        # Every carried member is the brand's own (it carries the wires it lists, and its
        # releases), or none is: the rule starts at "most complete".
        keep = ~Exists(rivals.filter(_RANKED_ABOVE))
    else:
        mine = Q(source_id__in=own)
        keep = (mine & ~Exists(rivals.filter(mine).filter(_RANKED_ABOVE))) | (
            ~mine & ~Exists(rivals.filter(mine)) & ~Exists(rivals.filter(_RANKED_ABOVE))
        )
    return qs.filter(Q(story_id__isnull=True) | keep)


def articles_visible(*, brand) -> "QuerySet[Article]":
    """What a brand's lists show: the articles it carries, one entry per story (its preferred
    member, see preferred_members)."""
    return preferred_members(qs=articles_carried(brand=brand), brand=brand)


def articles_of(*, brand, among: Q) -> "QuerySet[Article]":
    """The carried articles matching ``among`` (a source's, a place's), one entry per story:
    the member the brand prefers among those that match."""
    return preferred_members(qs=articles_carried(brand=brand).filter(among), brand=brand, among=among)


def preferred_member(*, brand, article: Article) -> Article:
    """The member of ``article``'s story that the brand's lists show (the article itself when
    it is in no story, or when the brand shows no member of it)."""
    if article.story_id is None:
        return article
    found = articles_visible(brand=brand).filter(story_id=article.story_id).prefetch_related(None)
    return found.select_related("source").first() or article


def preference_key(*, article: Article, own: Iterable[int]) -> tuple:
    """preferred_members' rule for articles at hand (smaller first): the brand's own sources,
    then the most complete, then the earliest."""
    return (article.source_id not in own, -article.body_chars, article.published_at, article.id)


def story_coverage(*, brand, story_id: int) -> list[Article]:
    """Every distinct report of a story the brand carries, oldest first: of copies of one text
    (a reissue, an agency story through two wires) only the one the brand would show."""
    members = list(articles_carried(brand=brand).filter(story_id=story_id).prefetch_related(None)
                   .select_related("source").defer(*LIST_DEFERRED))
    own = set(own_source_ids(brand=brand))
    by_text: dict[int, Article] = {}
    for article in sorted(members, key=lambda a: preference_key(article=a, own=own)):
        by_text.setdefault(article.duplicate_of_id or article.id, article)
    return sorted(by_text.values(), key=lambda a: (a.published_at, a.id))


def articles_in_section(*, brand, section: str) -> "QuerySet[Article]":
    """The articles of one of the brand's sections (for "local": its home place's stories too),
    one entry per story, chosen among the story's members filed in that section: a story whose
    reports two wires filed in different sections is on both sections' pages, once on each."""
    return articles_of(brand=brand, among=in_section_q(brand, section))


# What a teaser never shows: left unread by lists (a home page reads 400 stories).
LIST_DEFERRED = ("body_html", "notes")


def articles_recent(*, brand, section: str | None = None, limit: int = 20) -> list[Article]:
    """The newest articles of a brand, optionally of one section, for teasers."""
    qs = articles_in_section(brand=brand, section=section) if section else articles_visible(brand=brand)
    return list(qs.defer(*LIST_DEFERRED).order_by("-published_at", "-id")[:limit])


def pinned(*, brand, now, section: str | None = None, in_email: bool = False,
           since=None) -> list[tuple[str, Article]]:
    """The brand's live pins as (section, article), the latest pin first: articles the brand
    still carries (a killed one, or one from a wire it no longer takes, leads nothing), one
    per story (the latest pin's article) and ``since``: only pins made after that instant."""
    pins = Pin.objects.filter(brand=brand, until__gt=now)
    if since is not None:
        pins = pins.filter(created_at__gt=since)
    if section is not None:
        pins = pins.filter(section=section)
    if in_email:
        pins = pins.filter(in_email=True)
    rows = list(pins.order_by("-created_at", "-id").values_list("section", "article_id"))
    if not rows:
        return []
    carried = articles_carried(brand=brand).filter(id__in={a for _, a in rows}).defer(*LIST_DEFERRED).in_bulk()
    seen: set[tuple[str, int]] = set()
    stories: set[tuple[str, int]] = set()
    out = []
    for pin_section, article_id in rows:
        article = carried.get(article_id)
        if article is None or (pin_section, article_id) in seen or pin_section not in brand.section_list:
            continue
        if article.story_id is not None and (pin_section, article.story_id) in stories:
            continue  # two members of one story pinned in one section: the latest pin's leads
        seen.add((pin_section, article_id))
        if article.story_id is not None:
            stories.add((pin_section, article.story_id))
        out.append((pin_section, article))
    return out


RAIL_POOL = 48  # the newest stories the rail's dozen are ranked from


def rail_candidates(*, brand, article: Article, limit: int = RAIL_POOL) -> list[Article]:
    """The newest stories of the brand that share no section with ``article`` (so never the
    article itself), for the "More Information" rail to rank: one read down the
    publication-time index."""
    others = Q()
    for section in sections_of(article, brand, home_place_slugs(brand)) or [article.section]:
        others &= ~in_section_q(brand, section)
    qs = articles_visible(brand=brand).filter(others).defer(*LIST_DEFERRED)
    return list(qs.order_by("-published_at", "-id")[:limit])


def url_keys(*, url: str) -> list[str]:
    """The url_key values of the spellings of ``url`` that name one story: its canonical form
    (no tracking parameters, no fragment, host case and default port aside), by http or https."""
    canonical = canonical_url(url)
    if not is_http_url(canonical):
        return []
    scheme, rest = canonical.split(":", 1)
    return [sha256_hex(f"{s}:{rest}") for s in ("https", "http")]


def brand_copies(*, brand, urls: Iterable[str]) -> dict[str, tuple[int, str]]:
    """The brand's own copy of each URL whose story it shows: {url: (article id, slug)}.

    A copy the brand hides as a duplicate leads to the original it shows instead; a copy only
    another brand shows is not one. One query, two when the copy found is a duplicate; the
    (source, url_key) index answers it, the brand's sources being listed.
    """
    wanted = {url: url_keys(url=url) for url in dict.fromkeys(urls) if url}
    keys = sorted({key for found in wanted.values() for key in found})
    if not keys:
        return {}
    qs = Article.objects.filter(url_key__in=keys, withdrawn_at__isnull=True).filter(
        carried_source_filter(brand=brand, field="source_id"))
    sections = _shown_sections_q(brand)
    if sections is not None:
        qs = qs.filter(sections)
    rows = list(qs.order_by(F("duplicate_of_id").asc(nulls_first=True), "id")
                .values_list("url_key", "id", "slug", "duplicate_of_id"))
    originals = {o for *_, o in rows if o}
    shown = dict(articles_visible(brand=brand).filter(id__in=originals).prefetch_related(None)
                 .values_list("id", "slug")) if originals else {}
    by_key: dict[str, tuple[int, str]] = {}
    for key, article_id, slug, original in rows:  # originals first: a non-duplicate wins
        copy = (original, shown[original]) if original in shown else (article_id, slug)
        by_key.setdefault(key, copy)
    copies = {}
    for url, found in wanted.items():
        copy = next((by_key[k] for k in found if k in by_key), None)  # https before http
        if copy is not None:
            copies[url] = copy
    return copies


def related_candidates(*, brand, article: Article, limit: int = 30) -> list[Article]:
    """Recent stories of the same section, to choose a READ MORE link from."""
    qs = articles_visible(brand=brand).filter(section=article.section).exclude(id=article.id)
    if article.story_id is not None:  # never the same event told by another source
        qs = qs.exclude(story_id=article.story_id)
    return list(
        qs
        .prefetch_related(None).only("id", "slug", "title", "published_at").order_by("-published_at", "-id")[:limit]
    )


# --- near-duplicate copies ---------------------------------------------------------------

COPY_CANDIDATES = 50  # stored articles sharing the most bands that are compared in full


def copy_original(*, signature: bytes, day: int, exclude_id: int | None = None) -> int | None:
    """The stored original of which a body with this signature is a copy, if any.

    A copy is a stored article published within copies.WINDOW_DAYS days of ``day`` (days
    since the epoch, UTC) whose signature's estimated similarity reaches copies.THRESHOLD,
    from any source, the same one included (a reissue under a new GUID). Candidates come from
    the indexed CopyBand rows, never a scan of articles. The answer is the group's original:
    a candidate that is itself a duplicate stands for the article it duplicates (chains never
    form), and of several the earliest stored wins. News releases are never the original (see
    candidate_same_content); a release linked to a wire copy leads to that copy.
    """
    keys = copies.band_keys(signature)
    if not keys:
        return None
    marks = ", ".join(["%s"] * len(keys))
    params: list = [*keys, day - copies.WINDOW_DAYS, day + copies.WINDOW_DAYS]
    sql = (
        f"SELECT a.id, a.duplicate_of_id, a.copy_signature, s.kind FROM "
        f"(SELECT article_id, COUNT(*) AS shared FROM {CopyBand._meta.db_table} "
        f" WHERE band IN ({marks}) AND day BETWEEN %s AND %s GROUP BY article_id "
        f" ORDER BY shared DESC, article_id LIMIT {COPY_CANDIDATES}) c "
        f"JOIN {Article._meta.db_table} a ON a.id = c.article_id "
        f"JOIN {Source._meta.db_table} s ON s.id = a.source_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    roots = []
    for article_id, duplicate_of_id, stored, kind in rows:
        if article_id == exclude_id or not copies.is_copy(signature, bytes(stored or b"")):
            continue
        if duplicate_of_id is not None:
            roots.append(duplicate_of_id)
        elif kind != Source.Kind.RELEASES.value:
            roots.append(article_id)
    return min(roots) if roots else None


def copy_group(*, article_id: int) -> list[int]:
    """Ids of every stored copy of an article's story, its original first, then in the order
    they were stored (the original and the articles that are its duplicates)."""
    row = Article.objects.filter(id=article_id).values_list("duplicate_of_id", flat=True).first()
    root = row or article_id
    members = Article.objects.filter(Q(id=root) | Q(duplicate_of_id=root)).order_by("id").values_list("id", flat=True)
    return sorted(members, key=lambda i: (i != root, i))

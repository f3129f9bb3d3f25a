"""The records the pipeline passes along: immutable, slotted, made of tuples.

Instances are immutable and hashable, so one normalized article can sit in the
overall feed and in several topic feeds without copies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class Provider:
    """The publisher an article comes from.

    ``name`` is what readers see; ``domain`` (``reuters.com``) may be empty.
    """

    name: str
    domain: str = ""


@dataclass(frozen=True, slots=True)
class Image:
    """An illustration; ``url`` is absolute http(s), sizes are pixels or None."""

    url: str
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class Related:
    """A related article, reduced to what a feed can carry: its title and link."""

    title: str
    link: str


@dataclass(frozen=True, slots=True)
class Article:
    """One normalized seed: everything the feeds need and nothing else.

    ``id`` is the article's stable identity across rebuilds (its canonical link),
    used as RSS ``guid`` and Atom ``id``. Datetimes are aware and in UTC, with no
    microseconds. ``quality`` is None when the seed has none. ``topics`` holds
    display names, already de-duplicated by topic key, in seed order.
    ``source`` is the seed's path as reported in messages. Fields that the seed
    format marks private (``secured``) or that are not mapped on purpose are not
    here, so they cannot reach an output.
    """

    id: str
    title: str
    link: str
    summary: str
    published_at: datetime
    updated_at: datetime
    published: bool
    quality: int | None
    heat: int | None
    provider: Provider | None
    topics: tuple[str, ...]
    images: tuple[Image, ...]
    related: tuple[Related, ...]
    category: str
    kind: str
    source: str

    def sort_key(self) -> tuple[float, str]:
        """Newest first, then by id: a total order independent of file order."""
        return (-self.published_at.timestamp(), self.id)

    def duplicate_rank(self) -> tuple[bool, float, float, str]:
        """Of two seeds with one link, the lower rank is kept (see catalog.deduplicate)."""
        return (not self.published, -self.updated_at.timestamp(), -self.published_at.timestamp(), self.source)


class Listing(NamedTuple):
    """What sorting, filtering, grouping and de-duplication need of an article,
    and nothing else: a few dozen bytes where the Article has kilobytes.

    A build keeps one Listing per seed and loads full Articles only for the
    items that make it into a feed. ``digest`` identifies the normalized
    article's content, so a feed whose items' digests did not change need not
    be rendered again. Times are whole seconds since the epoch, UTC.

    A NamedTuple rather than a frozen dataclass: as immutable, and a warm
    build makes one per seed, where a frozen dataclass costs 4x the time.
    """

    id: str
    published_ts: int
    updated_ts: int
    published: bool
    quality: int | None
    topics: tuple[str, ...]
    source: str
    digest: str

    def sort_key(self) -> tuple[int, str]:
        """Newest first, then by id: the same order as Article.sort_key."""
        return (-self.published_ts, self.id)

    def duplicate_rank(self) -> tuple[bool, int, int, str]:
        """The same rank as Article.duplicate_rank."""
        return (not self.published, -self.updated_ts, -self.published_ts, self.source)

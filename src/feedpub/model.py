"""The records the pipeline passes along: frozen, slotted, made of tuples.

Instances are immutable and hashable, so one normalized article can sit in the
overall feed and in several topic feeds without copies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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

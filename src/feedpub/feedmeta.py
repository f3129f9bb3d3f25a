"""What every feed format shares: feed metadata, topic references, feed
dates, a document's frame and items and putting them together, date and URL forms.

The format modules (rss.py, atom.py, jsonfeed.py) import this; render.py
chooses among them. Nothing here imports a format module, so no import goes
round in a circle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterable, Iterator, Mapping, Sequence

from .model import Article

FEED_FORMATS = ("rss", "atom", "json")
MEDIA_TYPES = {
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "json": "application/feed+json",
}
GENERATOR = "feedpub"
GENERATOR_URI = "https://pypi.org/project/feedpub/"
# The `updated` of a feed with no items: fixed, so an empty feed is reproducible too.
EMPTY_FEED_UPDATED = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True, slots=True)
class TopicRef:
    """How items refer to a topic: its display name, slug, and feed URL per format
    (empty when the topic has no feeds, e.g. outside a --topic selection)."""

    name: str
    slug: str
    urls: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ArchiveLinks:
    """RFC 5005 links of one feed document.

    A current feed has ``prev`` (the newest archive page) and no ``current``; an
    archive page has ``current`` (the subscription URL), maybe ``prev``, and
    ``is_archive``. Archive pages never link forward, so a full page never changes.
    """

    is_archive: bool = False
    current: str = ""
    prev: str = ""


@dataclass(frozen=True, slots=True)
class FeedMeta:
    """What a feed says about itself.

    ``self_url`` is where this document is served (RSS ``atom:link rel=self``,
    Atom ``link rel=self``, JSON ``feed_url``) and also the Atom feed id, so it
    must be stable. ``home_url`` is the site the feed belongs to (RSS channel
    ``link``, Atom ``alternate``, JSON ``home_page_url``). ``ttl`` is in minutes
    (0: not said); ``hub`` is a WebSub hub URL; ``icon`` and ``logo`` are image URLs.
    """

    title: str
    description: str
    home_url: str
    self_url: str
    language: str
    publisher: str
    ttl: int = 0
    hub: str = ""
    icon: str = ""
    logo: str = ""
    archive: ArchiveLinks = ArchiveLinks()


@dataclass(frozen=True, slots=True)
class FeedDates:
    """Feed-level dates, which come from the items, never the clock: the newest
    update (RSS ``lastBuildDate``, Atom ``updated``) and the newest publication
    (RSS ``pubDate``; None when the feed has no items)."""

    updated: datetime = EMPTY_FEED_UPDATED
    published: datetime | None = None


def feed_dates(articles: Sequence[Article]) -> FeedDates:
    if not articles:
        return FeedDates()
    return FeedDates(max(a.updated_at for a in articles), max(a.published_at for a in articles))


@dataclass(frozen=True, slots=True)
class Frame:
    """A feed document around its items: ``head``, each item's bytes with
    ``separator`` between two, then ``tail`` (``empty_tail`` instead when
    there are no items and it is set: JSON's ``[]``). An item's bytes are
    the same in every feed of one format and build (they depend on the
    article and the topic references alone), so each article is rendered
    once per format and its bytes put in every feed that lists it."""

    head: bytes
    tail: bytes
    separator: bytes = b""
    empty_tail: bytes | None = None


# The bytes between two items, by format: none between XML elements.
SEPARATORS = {"json": b","}


# The feed an item is rendered in on its own (rss.items, atom.items): items do
# not depend on the feed, so any feed will do; this one is the same every time.
ITEM_FEED = FeedMeta("items", "items", "https://feedpub.invalid/", "https://feedpub.invalid/items", "en", "feedpub")


def assemble(frame: Frame, batches: Iterable[Sequence[bytes]]) -> Iterator[bytes]:
    """The whole feed document as chunks: the head, a chunk per batch of item
    bytes (in order), then the tail. Only one batch needs to be in memory."""
    yield frame.head
    first = True
    for items in batches:
        if items:
            joined = frame.separator.join(items)
            yield joined if first else frame.separator + joined
            first = False
    yield frame.empty_tail if first and frame.empty_tail is not None else frame.tail


def cut_frame(empty: bytes, closing: bytes) -> Frame:
    """The frame of an XML feed from its document serialized without items:
    cut before ``closing``, the indented closing tag of the element that
    holds the items. Items are the last children of that element, and lxml's
    pretty printing indents each one alike wherever it stands."""
    cut = empty.rindex(closing)
    return Frame(empty[:cut], empty[cut:])


def cut_items(document: bytes, opening: bytes, closing: bytes, count: int) -> list[bytes]:
    """Each item's bytes in an XML feed ``document`` of ``count`` items, from
    the indented ``opening`` tag of each (``<item>`` has no attributes, and a
    ``<`` in text or an attribute value is always escaped, so the tag is
    found nowhere else) up to the next one, or to ``closing`` for the last."""
    start, end = document.find(opening), document.rindex(closing)
    pieces = document[start:end].split(opening) if start >= 0 else [b""]
    if len(pieces) != count + 1:
        raise RuntimeError(f"cannot cut {count} items out of a feed document")
    return [opening + piece for piece in pieces[1:]]


def rfc3339(moment: datetime) -> str:
    """``2021-01-26T21:12:00Z``: RFC 3339 in UTC, whole seconds (Atom, JSON Feed)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def provider_uri(article: Article) -> str:
    """The provider's home page, ``https://<domain>/``, or '' without a domain."""
    return f"https://{article.provider.domain}/" if article.provider and article.provider.domain else ""

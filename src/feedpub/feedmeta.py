"""What every feed format shares: feed metadata, topic references, feed
dates, splicing a document from batches, date and URL forms.

The format modules (rss.py, atom.py, jsonfeed.py) import this; render.py
chooses among them. Nothing here imports a format module, so no import goes
round in a circle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Iterable, Iterator, Mapping, Sequence

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


def splice(
    document: Callable[[Sequence[Article]], bytes], batches: Iterable[Sequence[Article]], closing: bytes
) -> Iterator[bytes]:
    """A whole feed document as chunks, from ``document(articles)``, the complete
    serialized document with those items (the same feed-level metadata and
    dates whatever the items): the document without items up to ``closing``
    (the indented closing tag of the element that holds the items), each
    batch's items as they are serialized in a document of their own, then the
    rest. Items are the last children of that element, and lxml's pretty
    printing indents each one alike wherever it stands, so the bytes are those
    of one document with every item."""
    empty = document(())
    cut = empty.rindex(closing)
    head, tail = empty[:cut], empty[cut:]
    yield head
    for batch in batches:
        whole = document(batch)
        if not (whole.startswith(head) and whole.endswith(tail)):
            raise RuntimeError("a batch of items changed the feed's head: cannot splice")
        yield whole[len(head):len(whole) - len(tail)]
    yield tail


def rfc3339(moment: datetime) -> str:
    """``2021-01-26T21:12:00Z``: RFC 3339 in UTC, whole seconds (Atom, JSON Feed)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def provider_uri(article: Article) -> str:
    """The provider's home page, ``https://<domain>/``, or '' without a domain."""
    return f"https://{article.provider.domain}/" if article.provider and article.provider.domain else ""

"""What every feed format shares: feed metadata, topic references, dispatch.

Rendering is pure: articles and metadata in, bytes out, no I/O and no clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Mapping, Sequence

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


def render_feed(
    articles: Sequence[Article], meta: FeedMeta, fmt: str, topics: Mapping[str, TopicRef]
) -> bytes:
    """Return the feed ``fmt`` ('rss', 'atom' or 'json') over ``articles``, in their order.

    ``topics`` maps topic keys to references, so a topic is named the same way
    in every item whatever the seed wrote, and links to its own feed.
    """
    if fmt == "rss":
        from .rss import render_rss

        return render_rss(articles, meta, topics)
    if fmt == "atom":
        from .atom import render_atom

        return render_atom(articles, meta, topics)
    if fmt == "json":
        from .jsonfeed import render_json_feed

        return render_json_feed(articles, meta, topics)
    raise ValueError(f"unknown feed format {fmt!r}")


def newest_update(articles: Sequence[Article]) -> datetime:
    """The feed-level updated time: the newest item's, never the clock."""
    return max((a.updated_at for a in articles), default=EMPTY_FEED_UPDATED)


def rfc3339(moment: datetime) -> str:
    """``2021-01-26T21:12:00Z``: RFC 3339 in UTC, whole seconds (Atom, JSON Feed)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def provider_uri(article: Article) -> str:
    """The provider's home page, ``https://<domain>/``, or '' without a domain."""
    return f"https://{article.provider.domain}/" if article.provider and article.provider.domain else ""

"""Render a feed in any format: the one place that chooses the format module.

Rendering is pure: articles and metadata in, bytes out, no I/O and no clock.
A feed of any length can also be rendered as a stream of chunks, a batch of
articles at a time (:func:`render_feed_chunks`), with the very same bytes.
Each format module is imported on first use: feedgen costs a build that
renders nothing 20 ms. What the formats share is in feedmeta.py, re-exported
here as the library's API.
"""

from __future__ import annotations

from typing import Iterable, Iterator, Mapping, Sequence

from .feedmeta import (
    EMPTY_FEED_UPDATED,
    FEED_FORMATS,
    GENERATOR,
    GENERATOR_URI,
    MEDIA_TYPES,
    ArchiveLinks,
    FeedDates,
    FeedMeta,
    TopicRef,
    feed_dates,
    provider_uri,
    rfc3339,
    splice,
)
from .model import Article

__all__ = [
    "EMPTY_FEED_UPDATED", "FEED_FORMATS", "GENERATOR", "GENERATOR_URI", "MEDIA_TYPES", "ArchiveLinks", "FeedDates",
    "FeedMeta", "TopicRef", "feed_dates", "provider_uri", "render_feed", "render_feed_chunks", "rfc3339", "splice",
]


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


def render_feed_chunks(
    batches: Iterable[Sequence[Article]], meta: FeedMeta, fmt: str, topics: Mapping[str, TopicRef],
    dates: FeedDates,
) -> Iterator[bytes]:
    """The bytes of :func:`render_feed` over the articles of ``batches`` (in
    order), as chunks: only one batch is rendered at a time. ``dates`` must be
    ``feed_dates`` of all those articles, since the feed's head, which they are
    in, comes before any item."""
    if fmt == "rss":
        from .rss import rss_chunks

        return rss_chunks(batches, meta, topics, dates)
    if fmt == "atom":
        from .atom import atom_chunks

        return atom_chunks(batches, meta, topics, dates)
    if fmt == "json":
        from .jsonfeed import json_feed_chunks

        return json_feed_chunks(batches, meta, topics)
    raise ValueError(f"unknown feed format {fmt!r}")

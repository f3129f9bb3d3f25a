"""Render a feed in any format: the one place that chooses the format module.

Rendering is pure: articles and metadata in, bytes out, no I/O and no clock.
A feed of any length can also be rendered as a stream of chunks, a batch of
articles at a time (:func:`render_feed_chunks`), with the very same bytes: its
frame (the document without items), then each article's item, rendered once
however many feeds list it (:func:`render_items`).
Each format module is imported on first use: feedgen costs a build that
renders nothing 20 ms. What the formats share is in feedmeta.py, re-exported
here as the library's API.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType
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
    Frame,
    TopicRef,
    assemble,
    feed_dates,
    provider_uri,
    rfc3339,
)
from .model import Article

__all__ = [
    "EMPTY_FEED_UPDATED", "FEED_FORMATS", "GENERATOR", "GENERATOR_URI", "MEDIA_TYPES", "ArchiveLinks", "FeedDates",
    "FeedMeta", "Frame", "TopicRef", "assemble", "feed_dates", "feed_frame", "provider_uri", "render_feed",
    "render_feed_chunks", "render_items", "rfc3339",
]
# The module of each format.
_MODULES = {"rss": ".rss", "atom": ".atom", "json": ".jsonfeed"}


def render_feed(
    articles: Sequence[Article], meta: FeedMeta, fmt: str, topics: Mapping[str, TopicRef]
) -> bytes:
    """Return the feed ``fmt`` ('rss', 'atom' or 'json') over ``articles``, in their order.

    ``topics`` maps topic keys to references, so a topic is named the same way
    in every item whatever the seed wrote, and links to its own feed.
    """
    return _module(fmt).render(articles, meta, topics)


def feed_frame(meta: FeedMeta, fmt: str, dates: FeedDates) -> Frame:
    """The feed ``fmt`` without its items: the head and tail its items go
    between (feedmeta.assemble). ``dates`` must be ``feed_dates`` of all
    its articles, since the head, which they are in, comes before any item."""
    return _module(fmt).frame(meta, dates)


def render_items(articles: Sequence[Article], fmt: str, topics: Mapping[str, TopicRef]) -> list[bytes]:
    """The bytes of each article's item in any feed ``fmt`` over ``topics``:
    what :func:`render_feed` writes for it, wherever it stands in whichever
    feed, so an article rendered once can be put in every feed that lists it."""
    return _module(fmt).items(articles, topics)


def render_feed_chunks(
    batches: Iterable[Sequence[Article]], meta: FeedMeta, fmt: str, topics: Mapping[str, TopicRef],
    dates: FeedDates,
) -> Iterator[bytes]:
    """The bytes of :func:`render_feed` over the articles of ``batches`` (in
    order), as chunks: only one batch is rendered at a time. ``dates`` as
    for :func:`feed_frame`."""
    frame = feed_frame(meta, fmt, dates)
    return assemble(frame, (render_items(batch, fmt, topics) for batch in batches))


def _module(fmt: str) -> ModuleType:
    """The module of format ``fmt``, imported on first use."""
    if fmt not in _MODULES:
        raise ValueError(f"unknown feed format {fmt!r}")
    return import_module(_MODULES[fmt], __package__)

"""Articles -> feed bytes, with feedgen. Pure: no I/O, no clock.

feedgen's defaults are overridden wherever they would make output depend on
when or where it runs: feed ``updated``/``lastBuildDate`` and every entry's
``updated`` come from the articles, the generator carries no version, and
entries are appended in the order given (feedgen prepends by default).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Mapping, Sequence

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator

from .model import Article
from .topics import topic_key

FORMATS = ("rss", "atom")
MEDIA_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml"}
GENERATOR = "feedpub"
# The `updated` of a feed with no items: fixed, so an empty feed is reproducible too.
EMPTY_FEED_UPDATED = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True, slots=True)
class FeedMeta:
    """What a feed says about itself.

    ``self_url`` is where this file is served (RSS ``atom:link rel=self``, Atom
    ``link rel=self``) and also the Atom feed id, so it must be stable.
    ``home_url`` is the site the feed belongs to (RSS channel ``link``).
    """

    title: str
    description: str
    home_url: str
    self_url: str
    language: str
    publisher: str


def render_feed(
    articles: Sequence[Article], meta: FeedMeta, fmt: str, topic_names: Mapping[str, str]
) -> bytes:
    """Return the feed ``fmt`` ('rss' or 'atom') over ``articles``, in their order.

    ``topic_names`` maps topic keys to display names, so a topic is spelled the
    same way in every item whatever the seed wrote.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown feed format {fmt!r}")
    generator = FeedGenerator()
    generator.load_extension("media", atom=True, rss=True)
    generator.load_extension("dc", atom=False, rss=True)
    _describe_feed(generator, articles, meta, fmt)
    for article in articles:
        entry = generator.add_entry(order="append")
        _describe_entry(entry, article, fmt, topic_names)
    if fmt == "rss":
        return generator.rss_str(pretty=True)
    return generator.atom_str(pretty=True)


def _describe_feed(generator: FeedGenerator, articles: Sequence[Article], meta: FeedMeta, fmt: str) -> None:
    generator.title(meta.title)
    generator.id(meta.self_url)
    generator.language(meta.language)
    generator.generator(GENERATOR)
    generator.updated(max((a.updated_at for a in articles), default=EMPTY_FEED_UPDATED))
    generator.link(href=meta.self_url, rel="self", type=MEDIA_TYPES[fmt])
    # feedgen takes the RSS channel <link> from the last link added: the site.
    generator.link(href=meta.home_url, rel="alternate", type="text/html")
    if fmt == "rss":
        generator.description(meta.description)
        if articles:
            generator.pubDate(max(a.published_at for a in articles))
    else:
        generator.subtitle(meta.description)
        generator.author(name=meta.publisher)


def _describe_entry(entry: FeedEntry, article: Article, fmt: str, topic_names: Mapping[str, str]) -> None:
    entry.title(article.title)
    # The canonical link is the identity: stable across rebuilds and renames.
    entry.guid(article.id, permalink=True)
    entry.link(href=article.link, rel="alternate")
    entry.published(article.published_at)
    entry.updated(article.updated_at)
    for name in article.topics:
        entry.category(term=topic_names.get(topic_key(name), name))
    if fmt == "rss":
        # RSS <description> is HTML: a plain-text excerpt must be escaped.
        if article.summary:
            entry.description(html.escape(article.summary, quote=False))
        if article.provider:
            entry.dc.dc_creator(article.provider.name)
    else:
        if article.summary:
            entry.summary(article.summary, type="text")
        if article.provider:
            author = {"name": article.provider.name}
            if article.provider.domain:
                author["uri"] = f"https://{article.provider.domain}/"
            entry.author(author)
    for index, image in enumerate(article.images):
        media = {"url": image.url, "medium": "image"}
        if image.width:
            media["width"] = str(image.width)
        if image.height:
            media["height"] = str(image.height)
        # group=None: feedgen would otherwise wrap each item's media in <media:group>.
        entry.media.content(media, group=None)
        if index == 0:
            entry.media.thumbnail({k: v for k, v in media.items() if k != "medium"}, group=None)

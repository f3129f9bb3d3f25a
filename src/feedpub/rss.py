"""RSS 2.0 with feedgen, following the RSS Advisory Board's best practices.

https://www.rssboard.org/rss-specification and
https://www.rssboard.org/rss-profile. What feedgen does not do on its own is
fixed in the element tree it builds, before serializing:

- dates are RFC 822 with four-digit years in ``GMT`` (feedgen writes ``+0000``);
- channel ``lastBuildDate``/``pubDate`` come from the newest item, not the clock;
- ``atom:link`` elements besides ``rel="self"`` (WebSub hub, RFC 5005 archive
  links), which feedgen leaves out of RSS.
"""

from __future__ import annotations

import html
from typing import Mapping, Sequence

from feedgen.feed import FeedGenerator
from lxml import etree

from .model import Article
from .feedmeta import (
    GENERATOR,
    ITEM_FEED,
    MEDIA_TYPES,
    FeedDates,
    FeedMeta,
    Frame,
    TopicRef,
    cut_frame,
    cut_items,
    feed_dates,
)
from .topics import topic_key
from .xmlext import ATOM_NS, insert_after, register_archive_extension, register_extensions, set_media

RSS_DOCS = "https://www.rssboard.org/rss-specification"


# How an item starts, and how the channel that holds the items ends, as lxml
# pretty-prints them.
ITEM_OPENING = b"\n    <item>"
CLOSING = b"\n  </channel>"


def render(articles: Sequence[Article], meta: FeedMeta, topics: Mapping[str, TopicRef]) -> bytes:
    """The feed in one document: the reference the chunks of :func:`frame`
    and :func:`items` are checked against."""
    return _document(articles, meta, topics, feed_dates(articles))


def frame(meta: FeedMeta, dates: FeedDates) -> Frame:
    """The feed without its items (see feedmeta.Frame)."""
    return cut_frame(_document((), meta, {}, dates), CLOSING)


def items(articles: Sequence[Article], topics: Mapping[str, TopicRef]) -> list[bytes]:
    """Each article's ``<item>`` as it is in every RSS feed: rendered in one
    document (feedgen makes items only inside a feed) and cut apart."""
    return cut_items(_document(articles, ITEM_FEED, topics, FeedDates()), ITEM_OPENING, CLOSING, len(articles))


def _document(
    articles: Sequence[Article], meta: FeedMeta, topics: Mapping[str, TopicRef], dates: FeedDates
) -> bytes:
    generator = FeedGenerator()
    register_extensions(generator, "dc", "media", atom=False, rss=True)
    register_archive_extension(generator, meta.archive.is_archive)
    generator.title(meta.title)
    generator.description(meta.description)
    generator.language(meta.language)
    generator.generator(GENERATOR)
    generator.docs(RSS_DOCS)
    generator.link(href=meta.self_url, rel="self", type=MEDIA_TYPES["rss"])
    # feedgen takes the channel <link> from the last link added: the site.
    generator.link(href=meta.home_url, rel="alternate", type="text/html")
    generator.lastBuildDate(dates.updated)
    if dates.published is not None:
        generator.pubDate(dates.published)
    if meta.ttl:
        generator.ttl(meta.ttl)
    if meta.logo:
        generator.image(url=meta.logo, title=meta.title, link=meta.home_url)
    for article in articles:
        _add_item(generator, article, topics)
    channel_root, document = generator._create_rss()
    channel = channel_root.find("channel")
    _fix_dates(channel)
    _add_atom_links(channel, meta)
    return etree.tostring(document, pretty_print=True, xml_declaration=True, encoding="UTF-8")


def _add_item(generator: FeedGenerator, article: Article, topics: Mapping[str, TopicRef]) -> None:
    entry = generator.add_entry(order="append")
    entry.title(article.title)
    entry.link(href=article.link)
    # The canonical article URL is the identity: stable across rebuilds and renames.
    entry.guid(article.id, permalink=True)
    if article.summary:
        # <description> is HTML: a plain-text excerpt must be escaped to stay text.
        entry.description(html.escape(article.summary, quote=False))
    entry.pubDate(article.published_at)
    categories = []
    for name in article.topics:
        ref = topics.get(topic_key(name))
        category = {"term": ref.name if ref else name}
        if ref and ref.urls.get("rss"):
            category["scheme"] = ref.urls["rss"]  # written as <category domain="…">
        categories.append(category)
    if categories:
        entry.category(categories)  # one call: each call maps every category to RSS again
    if article.provider:
        # RSS <author> must be an e-mail address; Dublin Core names the publisher.
        entry.dc.dc_creator(article.provider.name)
    set_media(entry, article)


def _fix_dates(channel: etree._Element) -> None:
    # feedgen formats as '%a, %d %b %Y %H:%M:%S %z'; every time here is UTC, and
    # the RSS profile prefers the GMT zone name.
    for element in channel.iter("pubDate", "lastBuildDate"):
        if element.text and element.text.endswith(" +0000"):
            element.text = element.text[: -len("+0000")] + "GMT"


def _add_atom_links(channel: etree._Element, meta: FeedMeta) -> None:
    links = [("hub", meta.hub), ("current", meta.archive.current), ("prev-archive", meta.archive.prev)]
    anchor = channel.find(f"{{{ATOM_NS}}}link")
    for rel, href in links:
        if href:
            anchor = insert_after(anchor, f"{{{ATOM_NS}}}link", href=href, rel=rel)
            if rel != "hub":
                anchor.set("type", MEDIA_TYPES["rss"])

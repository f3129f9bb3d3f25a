"""Atom 1.0 (RFC 4287) with feedgen. https://www.rfc-editor.org/rfc/rfc4287

What feedgen does not do on its own is fixed in the element tree it builds:

- entry links lose ``rel``, ``type`` and ``title`` in feedgen 1.0 (it reads the
  attributes back from the new element instead of the link data), so each
  entry's links are rewritten: ``alternate`` (text/html) and ``related`` with titles;
- timestamps are written as ``2021-01-26T21:12:00Z``.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from feedgen.feed import FeedGenerator
from lxml import etree

from .model import Article
from .feedmeta import (
    GENERATOR,
    GENERATOR_URI,
    ITEM_FEED,
    MEDIA_TYPES,
    FeedDates,
    FeedMeta,
    Frame,
    TopicRef,
    cut_frame,
    cut_items,
    feed_dates,
    provider_uri,
)
from .topics import topic_key
from .xmlext import register_archive_extension, register_extensions, set_media

# How an entry starts, and how the feed ends, as lxml pretty-prints them.
ENTRY_OPENING = b"\n  <entry>"
CLOSING = b"\n</feed>"


def render(articles: Sequence[Article], meta: FeedMeta, topics: Mapping[str, TopicRef]) -> bytes:
    """The feed in one document: the reference the chunks of :func:`frame`
    and :func:`items` are checked against."""
    return _document(articles, meta, topics, feed_dates(articles))


def frame(meta: FeedMeta, dates: FeedDates) -> Frame:
    """The feed without its entries (see feedmeta.Frame)."""
    return cut_frame(_document((), meta, {}, dates), CLOSING)


def items(articles: Sequence[Article], topics: Mapping[str, TopicRef]) -> list[bytes]:
    """Each article's ``<entry>`` as it is in every Atom feed: rendered in one
    document (feedgen makes entries only inside a feed) and cut apart."""
    return cut_items(_document(articles, ITEM_FEED, topics, FeedDates()), ENTRY_OPENING, CLOSING, len(articles))


def _document(
    articles: Sequence[Article], meta: FeedMeta, topics: Mapping[str, TopicRef], dates: FeedDates
) -> bytes:
    generator = FeedGenerator()
    register_extensions(generator, "media", atom=True, rss=False)
    register_archive_extension(generator, meta.archive.is_archive)
    generator.id(meta.self_url)
    generator.title(meta.title)
    generator.subtitle(meta.description)
    generator.language(meta.language)
    generator.generator(GENERATOR, uri=GENERATOR_URI)
    generator.updated(dates.updated)
    generator.author(name=meta.publisher)
    generator.link(href=meta.self_url, rel="self", type=MEDIA_TYPES["atom"])
    generator.link(href=meta.home_url, rel="alternate", type="text/html")
    if meta.hub:
        generator.link(href=meta.hub, rel="hub")
    if meta.archive.current:
        generator.link(href=meta.archive.current, rel="current", type=MEDIA_TYPES["atom"])
    if meta.archive.prev:
        generator.link(href=meta.archive.prev, rel="prev-archive", type=MEDIA_TYPES["atom"])
    if meta.icon:
        generator.icon(meta.icon)
    if meta.logo:
        generator.logo(meta.logo)
    for article in articles:
        _add_entry(generator, article, topics)
    root, document = generator._create_atom()
    # feedgen builds the Atom tree with a plain `xmlns` attribute, so its
    # elements have no namespace in lxml's eyes: found by their local names.
    for element, article in zip(root.iterfind("entry"), articles):
        _rewrite_links(element, article)
    for element in root.iter("updated", "published"):
        element.text = element.text.replace("+00:00", "Z")
    return etree.tostring(document, pretty_print=True, xml_declaration=True, encoding="UTF-8")


def _add_entry(generator: FeedGenerator, article: Article, topics: Mapping[str, TopicRef]) -> None:
    entry = generator.add_entry(order="append")
    entry.id(article.id)
    entry.title(article.title)
    entry.updated(article.updated_at)
    entry.published(article.published_at)
    # feedgen refuses an entry without an alternate link; the real links
    # (with rel and type) replace this one below.
    entry.link(href=article.link, rel="alternate")
    if article.summary:
        # summary, not description(): feedgen's description() fills <content>.
        entry.summary(article.summary, type="text")
    if article.provider:
        author = {"name": article.provider.name}
        if provider_uri(article):
            author["uri"] = provider_uri(article)
        entry.author(author)
    categories = []
    for name in article.topics:
        ref = topics.get(topic_key(name))
        if ref is None:
            categories.append({"term": name})
            continue
        category = {"term": ref.slug, "label": ref.name}
        if ref.urls.get("atom"):
            category["scheme"] = ref.urls["atom"]
        categories.append(category)
    if categories:
        entry.category(categories)  # one call: each call maps every category to RSS again
    set_media(entry, article)


def _rewrite_links(entry: etree._Element, article: Article) -> None:
    # feedgen wrote the one link it was given with only its href (the
    # article's link): it gets its rel and type, then the related links
    # follow it, each attribute in the order given. Each is made in the
    # entry and moved after the one before: an element made on its own
    # (etree.Element) is a document of its own, and costs more.
    link = entry.find("link")
    link.set("rel", "alternate")
    link.set("type", "text/html")
    for related in article.related:
        following = etree.SubElement(entry, "link", href=related.link, rel="related", type="text/html",
                                     title=related.title)
        link.addnext(following)
        link = following

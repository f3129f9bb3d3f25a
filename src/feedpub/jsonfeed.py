"""JSON Feed 1.1: https://www.jsonfeed.org/version/1.1/

Written with sorted structure and fixed formatting, so the same articles give
the same bytes. Related articles, which JSON Feed has no field for, go in the
extension object ``_feedpub`` (extensions start with an underscore).
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Sequence

from .model import Article
from .feedmeta import SEPARATORS, FeedDates, FeedMeta, Frame, TopicRef, assemble, provider_uri, rfc3339
from .topics import topic_key

VERSION = "https://jsonfeed.org/version/1.1"


def render(articles: Sequence[Article], meta: FeedMeta, topics: Mapping[str, TopicRef]) -> bytes:
    return b"".join(assemble(frame(meta), [items(articles, topics)]))


def frame(meta: FeedMeta, dates: FeedDates | None = None) -> Frame:
    """The feed without its items (see feedmeta.Frame). No feed-level date
    is written, so ``dates`` (as the other formats take them) are not used."""
    feed: dict[str, Any] = {
        "version": VERSION,
        "title": meta.title,
        "home_page_url": meta.home_url,
        "feed_url": meta.self_url,
        "description": meta.description,
        "language": meta.language,
        "authors": [{"name": meta.publisher}],
    }
    if meta.icon:
        feed["favicon"] = meta.icon
    if meta.logo:
        feed["icon"] = meta.logo
    if meta.hub:
        feed["hubs"] = [{"type": "WebSub", "url": meta.hub}]
    # The feed's own fields indented, then one item per line: as readable and
    # diff-friendly as indenting everything, and json's C encoder does the work
    # (it is not used with indent).
    head = json.dumps(feed, ensure_ascii=False, indent=2)[:-2] + ',\n  "items": ['
    return Frame(head.encode("utf-8"), b"\n  ]\n}\n", separator=SEPARATORS["json"], empty_tail=b"]\n}\n")


def items(articles: Sequence[Article], topics: Mapping[str, TopicRef]) -> list[bytes]:
    """Each article's item, a line of its own, as it is in every JSON feed."""
    return [("\n    " + json.dumps(_item(a, topics), ensure_ascii=False)).encode("utf-8") for a in articles]


def _item(article: Article, topics: Mapping[str, TopicRef]) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": article.id,
        "url": article.link,
        "title": article.title,
        # One of content_text/content_html is required; the excerpt is all we have.
        "content_text": article.summary or article.title,
    }
    if article.summary:
        item["summary"] = article.summary
    if article.images:
        item["image"] = article.images[0].url
    item["date_published"] = rfc3339(article.published_at)
    item["date_modified"] = rfc3339(article.updated_at)
    if article.provider:
        author = {"name": article.provider.name}
        if provider_uri(article):
            author["url"] = provider_uri(article)
        item["authors"] = [author]
    if article.topics:
        item["tags"] = [topics[topic_key(n)].name if topic_key(n) in topics else n for n in article.topics]
    if article.related:
        item["_feedpub"] = {"related": [{"title": r.title, "url": r.link} for r in article.related]}
    return item

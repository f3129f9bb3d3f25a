"""Which articles reach the feeds: pure predicates, applied in a fixed order.

An article is counted against the first filter it fails, in this order:
published flag, quality threshold, topic selection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

from .config import Config
from .model import Article
from .topics import topic_key


def is_published(article: Article) -> bool:
    """Only ``published: true`` is public; a missing or non-boolean flag is not."""
    return article.published


def meets_min_quality(article: Article, min_quality: int) -> bool:
    """True when the article's quality reaches ``min_quality``.

    An article without a quality meets only a threshold of 0.
    """
    if article.quality is None:
        return min_quality <= 0
    return article.quality >= min_quality


def matches_topics(article: Article, selected: frozenset[str], excluded: frozenset[str]) -> bool:
    """True when the article has a selected topic (if any are selected) and no
    excluded one. Both sets hold topic keys."""
    keys = {topic_key(name) for name in article.topics}
    if selected and not keys & selected:
        return False
    return not keys & excluded


@dataclass(slots=True)
class FilterCounts:
    """How many articles each filter removed, and how many passed all of them."""

    unpublished: int = 0
    below_quality: int = 0
    topic: int = 0
    passed: int = 0


def apply_filters(articles: Iterable[Article], config: Config, counts: FilterCounts) -> Iterator[Article]:
    """Yield the articles that pass every filter of ``config``, counting the rest."""
    selected = frozenset(topic_key(name) for name in config.topics)
    excluded = frozenset(topic_key(name) for name in config.exclude_topics)
    for article in articles:
        if not config.include_unpublished and not is_published(article):
            counts.unpublished += 1
        elif not meets_min_quality(article, config.min_quality):
            counts.below_quality += 1
        elif (selected or excluded) and not matches_topics(article, selected, excluded):
            counts.topic += 1
        else:
            counts.passed += 1
            yield article

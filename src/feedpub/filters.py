"""Which articles reach the feeds: pure predicates, applied in a fixed order.

An article is counted against the first filter it fails, in this order:
published flag, quality threshold, topic selection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

from .config import Config
from .errors import SeedWarning
from .model import Article, Listing
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


def selection_warnings(config: Config, read: int, listings: Iterable[Listing]) -> list[SeedWarning]:
    """What in the seed selection matches nothing, so the build probably empties
    feeds by mistake: patterns that match no file (``read`` files were), and
    topics given to ``topics`` or ``exclude_topics`` that none of the seeds'
    ``listings`` has (published or not), with a "did you mean" from those
    they do have."""
    where = str(config.seeds)
    warnings = []
    if read == 0:
        patterns = ", ".join(repr(pattern) for pattern in config.patterns)
        message = f"no file matches the patterns {patterns}, so no seed is read (a build empties every feed)"
        warnings.append(SeedWarning(where, message))
    if not (config.topics or config.exclude_topics):
        return warnings
    spellings: dict[str, str] = {}  # key -> its smallest spelling, for a stable suggestion
    for listing in listings:
        for name in listing.topics:
            key = topic_key(name)
            if key not in spellings or name < spellings[key]:
                spellings[key] = name
    for flag, names in (("--topic", config.topics), ("--exclude-topic", config.exclude_topics)):
        for name in names:
            if topic_key(name) not in spellings:
                warnings.append(SeedWarning(
                    where, f"no seed has the topic {name!r} given to {flag}{_did_you_mean(name, spellings)}"))
    return warnings


def _did_you_mean(name: str, spellings: dict[str, str]) -> str:
    import difflib  # only for a topic no seed has

    matches = difflib.get_close_matches(topic_key(name), spellings, n=1)
    return f" (did you mean {spellings[matches[0]]!r}?)" if matches else ""

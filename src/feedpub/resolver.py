"""Full Articles for the Listings that make it into a feed, loaded on demand.

The catalog keeps only a compact Listing per seed; rendering needs whole
Articles for the few items of each feed. They come from the cache's records
(build_cache.py), else from reading the seed again, and a bounded number stay
loaded.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from .model import Article, Listing

if TYPE_CHECKING:
    from .build_cache import BuildCache

# Most full Articles a Resolver keeps loaded at once, and the most whose records
# rendering in worker processes prefetches (past it the main process renders).
RESOLVER_MEMORY = 20_000


class Resolver:
    """Full Articles for Listings: from the cache's records, else by reading the
    seed again (and giving the cache its record, for the rest of the build).
    Remembers what it loaded, up to RESOLVER_MEMORY articles, since one article
    is often in several feeds."""

    def __init__(self, root: Path, timezone: str, cache: BuildCache) -> None:
        self._root, self._timezone, self._cache = root, timezone, cache
        self._memo: dict[str, Article] = {}
        self._records: dict[str, str] = {}  # prefetched, by source

    def prefetch(self, listings: Iterable[Listing]) -> bool:
        """Fetch the cache's records of ``listings`` now, if that many
        Articles fit in memory at once (True when they do), without decoding
        any. Processes forked next (render_workers.py) inherit them, since
        the cache cannot be asked from there: each decodes only the articles
        it renders, or reads the seed of one the cache has no record of."""
        wanted = sorted({listing.source for listing in listings})
        if len(wanted) > RESOLVER_MEMORY:
            return False
        keys = _cache_keys(wanted)
        records = self._cache.records(list(keys.values()))
        self._records = {source: records[key] for source, key in keys.items() if key in records}
        return True

    def articles(self, listings: Sequence[Listing]) -> list[Article]:
        """The Articles of ``listings``, in their order."""
        self._ensure([listing.source for listing in listings])
        return [self._memo[listing.source] for listing in listings]

    def _ensure(self, sources: list[str]) -> None:
        """Have every one of ``sources`` in the memo. When the memo would
        outgrow its bound it keeps only those of ``sources`` (still wanted
        now) and forgets the rest."""
        missing = [source for source in dict.fromkeys(sources) if source not in self._memo]
        if not missing:
            return
        if len(self._memo) + len(missing) > RESOLVER_MEMORY:
            self._memo = {source: self._memo[source] for source in sources if source in self._memo}
        self._load(missing)

    def _load(self, sources: list[str]) -> None:
        from .records import article_to_record, record_to_article

        keys = _cache_keys(sources)
        records = self._cache.records([keys[source] for source in sources if source not in self._records])
        read = []
        for source in sources:
            record = self._records.get(source) or records.get(keys[source])
            article = None
            if record is not None:
                try:
                    article = record_to_article(record, source)
                except ValueError:
                    article = None
            if article is None:
                article = self._read(source)
                read.append(source)
            self._memo[source] = article
        if read:
            self._cache.keep_records((keys[source], article_to_record(self._memo[source])) for source in read)

    def _read(self, source: str) -> Article:
        from zoneinfo import ZoneInfo

        from .loader import load_article

        article, _ = load_article(Path(source), self._root, source, ZoneInfo(self._timezone))
        return article


def _cache_keys(sources: list[str]) -> dict[str, str]:
    """The cache key (absolute path) of each seed as messages show it."""
    cwd = os.getcwd()
    return {source: source if os.path.isabs(source) else os.path.join(cwd, source) for source in sources}

"""Full Articles for the Listings that make it into a feed, loaded on demand.

The catalog keeps only a compact Listing per seed; rendering needs whole
Articles for the few items of each feed. They come from the cache's records,
else from reading the seed again, and a bounded number stay loaded.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from .cache import Cache, safely
from .model import Article, Listing

# Most full Articles a Resolver keeps loaded at once, and the most that rendering
# in worker processes preloads (past it the main process renders).
RESOLVER_MEMORY = 20_000


class Resolver:
    """Full Articles for Listings: from the cache's records, else by reading the
    seed again. Remembers what it loaded, up to RESOLVER_MEMORY articles, since
    one article is often in several feeds."""

    def __init__(self, root: Path, timezone: str, cache: Cache | None) -> None:
        self._root, self._timezone, self._cache = root, timezone, cache
        self._memo: dict[str, Article] = {}
        self._spill = _Spill() if cache is None else None
        # A forked child must not touch its parent's sqlite connection.
        self._pid = os.getpid()

    def preload(self, listings: Iterable[Listing]) -> bool:
        """Load the Articles of ``listings`` now, if they fit in memory at once.
        True when they do: :meth:`articles` then needs neither cache nor disk,
        which is what rendering in forked processes needs."""
        wanted = {listing.source for listing in listings}
        if len(wanted) > RESOLVER_MEMORY:
            return False
        self._ensure(sorted(wanted))
        return True

    def articles(self, listings: Sequence[Listing]) -> list[Article]:
        """The Articles of ``listings``, in their order."""
        self._ensure([listing.source for listing in listings])
        return [self._memo[listing.source] for listing in listings]

    def batches(self, listings: Sequence[Listing], size: int) -> Iterator[list[Article]]:
        """The Articles of ``listings`` in order, ``size`` at a time: a feed of
        any length costs at most RESOLVER_MEMORY loaded articles."""
        for start in range(0, len(listings), size):
            yield self.articles(listings[start:start + size])

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
        # A forked child must not touch its parent's sqlite connections.
        own = os.getpid() == self._pid
        if self._spill is not None:
            records = self._spill.records(list(keys.values())) if own else {}
        else:
            cache = self._cache if own else None
            records = safely(cache, lambda c: dict(c.records(list(keys.values()))), {})
        read = []
        for source in sources:
            record = records.get(keys[source])
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
        if self._spill is not None and own and read:
            self._spill.put([(keys[source], article_to_record(self._memo[source])) for source in read])

    def _read(self, source: str) -> Article:
        from zoneinfo import ZoneInfo

        from .loader import load_article

        article, _ = load_article(Path(source), self._root, source, ZoneInfo(self._timezone))
        return article


class _Spill:
    """Where a Resolver without a cache keeps the records of the articles it
    read: a private temporary sqlite database on disk, which sqlite deletes
    when it is closed. An article needed again after the memo let it go (a
    long feed in each format, or in several topics) is then decoded from its
    JSON record, about twenty times faster than reading and parsing its seed
    again, and costs no memory."""

    def __init__(self) -> None:
        self._db: sqlite3.Connection | None = None

    def records(self, keys: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        if self._db is None:
            return found
        try:
            for start in range(0, len(keys), 500):
                chunk = [_blob(key) for key in keys[start:start + 500]]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(f"SELECT key, record FROM records WHERE key IN ({marks})", chunk)
                found.update((key.decode("utf-8", "surrogateescape"), record) for key, record in rows)
        except sqlite3.Error:
            pass  # what was found so far; the rest is read from the seeds
        return found

    def put(self, rows: list[tuple[str, str]]) -> None:
        try:
            if self._db is None:
                self._db = sqlite3.connect("")  # "": a private temporary database on disk
                self._db.execute("CREATE TABLE records (key BLOB PRIMARY KEY, record TEXT NOT NULL)")
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO records VALUES (?, ?)",
                                     [(_blob(key), record) for key, record in rows])
        except (sqlite3.Error, UnicodeEncodeError):
            pass  # only an optimization: those seeds are read again when needed


def _blob(key: str) -> bytes:
    """A path as bytes, whatever its name's encoding."""
    return key.encode("utf-8", "surrogateescape")



def _cache_keys(sources: list[str]) -> dict[str, str]:
    """The cache key (absolute path) of each seed as messages show it."""
    cwd = os.getcwd()
    return {source: source if os.path.isabs(source) else os.path.join(cwd, source) for source in sources}

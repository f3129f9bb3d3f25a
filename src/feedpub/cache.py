"""The incremental cache: normalized seeds and fingerprints of written files.

One sqlite database (stdlib, no pickle: a CI cache may come from an untrusted
branch, so it holds only JSON and plain values, and every record is checked
when read). A seed's row is reused when its size, mtime and inode are the
same (local runs), or else when its content hash is (fresh CI checkouts). The
whole cache is dropped when feedpub's version or a normalization setting
changes, and rebuilt when it is unreadable: a corrupt or truncated cache is
never trusted, only replaced.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from . import __version__
from .records import RECORD_VERSION

CACHE_FILE = "cache.sqlite"
SCHEMA = 1
_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS seeds (
    path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, inode INTEGER, hash TEXT,
    listing TEXT, record TEXT, warnings TEXT, error TEXT);
CREATE TABLE IF NOT EXISTS outputs (path TEXT PRIMARY KEY, fingerprint TEXT, size INTEGER, mtime_ns INTEGER);
"""


@dataclass(frozen=True, slots=True)
class SeedRow:
    """A seed as the cache knows it. ``listing`` and ``record`` are JSON; a seed
    that failed has ``error`` (JSON [message, line]) instead."""

    path: str
    size: int
    mtime_ns: int
    inode: int
    hash: str
    listing: str | None
    record: str | None
    warnings: str
    error: str | None


class Cache:
    """The cache in ``folder``; every method may raise sqlite3.DatabaseError,
    which the caller answers with :func:`reset` or by going on without it."""

    def __init__(self, folder: Path, settings: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / CACHE_FILE
        self._db = sqlite3.connect(self.path, timeout=30)
        self._db.executescript(_TABLES)
        stamp = f"{SCHEMA}/{__version__}/{RECORD_VERSION}/{settings}"
        found = self._db.execute("SELECT value FROM meta WHERE key = 'stamp'").fetchone()
        if found is None or found[0] != stamp:
            with self._db:
                self._db.execute("DELETE FROM seeds")
                self._db.execute("DELETE FROM outputs")
                self._db.execute("INSERT OR REPLACE INTO meta VALUES ('stamp', ?)", (stamp,))

    @classmethod
    def open(cls, folder: Path, settings: str) -> "Cache | None":
        """Open (or create) the cache; replace it if it is unreadable; None if
        even a new one cannot be made (the build then runs without)."""
        try:
            return cls(folder, settings)
        except (sqlite3.DatabaseError, OSError):
            reset(folder)
        try:
            return cls(folder, settings)
        except (sqlite3.DatabaseError, OSError):
            return None

    def seeds(self) -> dict[str, SeedRow]:
        rows = self._db.execute("SELECT * FROM seeds")
        return {row[0]: SeedRow(*row) for row in rows}

    def put_seeds(self, rows: Iterable[SeedRow]) -> None:
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO seeds VALUES (?,?,?,?,?,?,?,?,?)",
                                 [tuple(getattr(r, f) for f in SeedRow.__slots__) for r in rows])

    def restat(self, rows: Iterable[tuple[int, int, int, str]]) -> None:
        """Record new size/mtime/inode for seeds whose content is unchanged."""
        with self._db:
            self._db.executemany("UPDATE seeds SET size=?, mtime_ns=?, inode=? WHERE path=?", list(rows))

    def forget_seeds_except(self, paths: set[str]) -> None:
        stale = [(p,) for (p,) in self._db.execute("SELECT path FROM seeds") if p not in paths]
        with self._db:
            self._db.executemany("DELETE FROM seeds WHERE path=?", stale)

    def records(self, paths: Sequence[str]) -> Iterator[tuple[str, str | None]]:
        for start in range(0, len(paths), 500):
            chunk = paths[start:start + 500]
            marks = ",".join("?" * len(chunk))
            yield from self._db.execute(f"SELECT path, record FROM seeds WHERE path IN ({marks})", chunk)

    def outputs(self) -> dict[str, tuple[str, int, int]]:
        return {row[0]: tuple(row[1:]) for row in self._db.execute("SELECT * FROM outputs")}

    def put_outputs(self, rows: Iterable[tuple[str, str, int, int]]) -> None:
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO outputs VALUES (?,?,?,?)", list(rows))

    def close(self) -> None:
        self._db.close()


def reset(folder: Path) -> None:
    """Delete the cache files in ``folder``."""
    for suffix in ("", "-journal", "-wal", "-shm"):
        (folder / (CACHE_FILE + suffix)).unlink(missing_ok=True)


def dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

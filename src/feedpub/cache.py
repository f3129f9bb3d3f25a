"""The sqlite file of the build cache: seed rows, written files, the last build.

Only build_cache.py opens it; the pipeline asks that module. One sqlite
database (stdlib, no pickle: a CI cache may come from an untrusted branch, so
it holds only JSON and plain values, and every record is checked when read).
A seed's row is reused when its size, mtime, ctime and inode are the same
(local runs), or else when its content hash is (fresh CI checkouts). The ctime
changes with permissions too: a seed made unreadable is read again, not
answered from the cache. The whole cache is dropped when feedpub's code
(version.CODE_IDENTITY) or a normalization setting changes, and rebuilt
when it is unreadable: a corrupt or truncated cache is never trusted, only
replaced.
"""

from __future__ import annotations

import heapq
import json
import sqlite3
from itertools import chain, islice
from operator import itemgetter
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple, Sequence

from .version import CODE_IDENTITY
from .records import RECORD_VERSION

CACHE_FILE = "cache.sqlite"
SCHEMA = 6
# Topic names in one column, joined by a character no cleaned name contains.
TOPIC_SEPARATOR = "\x1f"
# A seed's small columns and its Article record live in two tables, both
# clustered by path (WITHOUT ROWID: one b-tree each, no separate index): a
# build walks every seed row, and without the records (~1.2 KB each, four
# fifths of the file) that walk reads a fifth of the pages.
_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS seeds (
    path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, ctime_ns INTEGER, inode INTEGER, hash TEXT,
    id TEXT, published_ts INTEGER, updated_ts INTEGER, published INTEGER, quality INTEGER, topics TEXT,
    digest TEXT, warnings TEXT, error TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS records (path TEXT PRIMARY KEY, record TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outputs (
    path TEXT PRIMARY KEY, fingerprint TEXT, size INTEGER, mtime_ns INTEGER, layout TEXT);
CREATE TABLE IF NOT EXISTS builds (key TEXT PRIMARY KEY, snapshot TEXT NOT NULL);
"""
_DROP = ("DROP TABLE IF EXISTS seeds; DROP TABLE IF EXISTS records; DROP TABLE IF EXISTS outputs;"
         " DROP TABLE IF EXISTS builds;")
# Paths are the keys. sqlite takes only valid UTF-8 text, and a POSIX file name
# is bytes: one that is not UTF-8 reaches Python as a str with lone surrogates
# (PEP 383). Its key is this prefix, which no absolute path starts with, and
# the hex of its bytes.
_ESCAPED = "bytes:"


class SeedRow(NamedTuple):
    """A seed as the cache knows it: its stat and hash, the fields of its
    Listing as plain columns (no decoding on a warm build), its ``warnings``
    (JSON). A seed that failed has ``error`` (JSON [message, line]) and no
    listing. A tuple in column order, so that sqlite takes rows as they are:
    a cold build writes one per seed. Its Article record (JSON) is kept
    apart (:meth:`Cache.put_seeds`, :meth:`Cache.records`)."""

    path: str
    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int
    hash: str
    id: str | None
    published_ts: int | None
    updated_ts: int | None
    published: int | None
    quality: int | None
    topics: str | None
    digest: str | None
    warnings: str
    error: str | None


class Cache:
    """The cache in ``folder``. Opening it and every method may raise
    sqlite3.DatabaseError (or OSError): build_cache.BuildCache, the only
    user, answers with :func:`reset` or by going on without it."""

    def __init__(self, folder: Path, settings: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / CACHE_FILE
        self._db = sqlite3.connect(self.path, timeout=30)
        # 8 KiB pages (for a new file; a page holds several ~1 KB records):
        # a cold build's inserts cost ~15% less than with 4 KiB.
        self._db.execute("PRAGMA page_size=8192")
        # WAL with synchronous=NORMAL: a commit costs no fsync, and a crash or
        # power loss can lose the last commits but never corrupt the file.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_TABLES)
        stamp = f"{SCHEMA}/{CODE_IDENTITY}/{RECORD_VERSION}/{settings}"
        found = self._db.execute("SELECT value FROM meta WHERE key = 'stamp'").fetchone()
        if found is None or found[0] != stamp:
            # Made again rather than emptied: the columns may differ too.
            self._db.executescript(_DROP + _TABLES)
            with self._db:
                self._db.execute("INSERT OR REPLACE INTO meta VALUES ('stamp', ?)", (stamp,))

    def seed_batches(self, size: int) -> Iterator[list[tuple]]:
        """Every well-formed seed row as a plain tuple in SeedRow's field order
        (records load on demand), up to ``size`` rows at a time (a list each), in the
        order of the paths as Python compares them: the order of a scan, so
        that a build walks both at once and never holds every row (800 MB at
        1,000,000 seeds). Rows come as sqlite reads them: nothing may write to
        the cache until they are all taken. Rows with a column of the wrong
        type are left out, so their seeds are parsed again; sqlite checks the
        types itself, which keeps a warm build of 100,000 seeds fast."""
        # sqlite orders text by its UTF-8 bytes, which is the order of the
        # code points. Escaped keys (few) sort elsewhere: they are read first,
        # by the index rather than by a test of every row, and merged in.
        escaped = sorted(((_path(row[0]),) + row[1:] for row in self._db.execute(
            _SEEDS + " AND path >= ? AND path < ?", _ESCAPED_RANGE) if _notes_well_formed(row)), key=itemgetter(0))
        rows = self._db.execute(_SEEDS + " AND NOT (path >= ? AND path < ?) ORDER BY path", _ESCAPED_RANGE)
        if escaped:
            merged = heapq.merge(filter(_well_noted, rows), escaped, key=itemgetter(0))
            while batch := list(islice(merged, size)):
                yield batch
            return
        # A batch at a time: a step of a generator per row costs 10,000 seeds a millisecond.
        while batch := rows.fetchmany(size):
            if not all(map(_NO_NOTES.__eq__, map(_NOTES, batch))):
                batch = list(filter(_well_noted, batch))
            if batch:  # never an empty one, which would read as the end of the rows
                yield batch

    def put_seeds(self, rows: Iterable[SeedRow | tuple], records: Iterable[tuple[str, str]],
                  failed: Iterable[str] = ()) -> None:
        """Keep seed ``rows`` and the (path, record) of those that have an
        Article, in one transaction, so the two tables never disagree. The
        paths of ``failed`` have a row and no record: an older one is dropped."""
        rows = [row if row[0].isascii() else (_key(row[0]),) + tuple(row[1:]) for row in rows]
        # A row without an error (most) takes NULL from the statement: binding
        # None costs sqlite3 a failed lookup of an adapter, a fifth of a row's cost.
        ok = [row[:-1] for row in rows if row[-1] is None]
        with self._db:
            _insert(self._db, "seeds", ok, ",NULL")
            _insert(self._db, "seeds", [row for row in rows if row[-1] is not None])
            _insert(self._db, "records", [pair if pair[0].isascii() else (_key(pair[0]), pair[1]) for pair in records])
            self._db.executemany("DELETE FROM records WHERE path=?", [(_key(path),) for path in failed])

    def restat(self, rows: Iterable[tuple[int, int, int, int, str]]) -> None:
        """Record new size/mtime/ctime/inode for seeds whose content is unchanged."""
        with self._db:
            self._db.executemany("UPDATE seeds SET size=?, mtime_ns=?, ctime_ns=?, inode=? WHERE path=?",
                                 [(*row[:4], _key(row[4])) for row in rows])

    def forget_seeds(self, paths: Sequence[str]) -> None:
        with self._db:
            keys = [(_key(p),) for p in paths]
            self._db.executemany("DELETE FROM seeds WHERE path=?", keys)
            self._db.executemany("DELETE FROM records WHERE path=?", keys)

    def records(self, paths: Sequence[str]) -> Iterator[tuple[str, str | None]]:
        keys = {_key(path): path for path in paths}
        wanted = list(keys)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT path, record FROM records WHERE typeof(record) = 'text' AND path IN ({marks})"
            for key, record in self._db.execute(query, chunk):
                yield keys[key], record

    def outputs(self) -> dict[str, tuple[str, int, int]]:
        query = "SELECT path, fingerprint, size, mtime_ns FROM outputs"
        return {_path(row[0]): tuple(row[1:]) for row in self._db.execute(query)}

    def layouts(self, paths: Sequence[str]) -> Iterator[tuple[str, str]]:
        """(path, layout) of each of ``paths`` that has a layout (reuse.Layout's text)."""
        keys = {_key(path): path for path in paths}
        wanted = list(keys)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT path, layout FROM outputs WHERE typeof(layout) = 'text' AND path IN ({marks})"
            for key, layout in self._db.execute(query, chunk):
                yield keys[key], layout

    def put_outputs(self, rows: Iterable[tuple[str, str, int, int, str | None]]) -> None:
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO outputs VALUES (?,?,?,?,?)",
                                 [(_key(row[0]), *row[1:]) for row in rows])

    def last_build(self, key: str) -> str | None:
        """The snapshot (snapshot.py) of the last build, if it was made under ``key``."""
        row = self._db.execute("SELECT snapshot FROM builds WHERE key = ?", (key,)).fetchone()
        return row[0] if row is not None and isinstance(row[0], str) else None

    def has_build(self) -> bool:
        return self._db.execute("SELECT 1 FROM builds").fetchone() is not None

    def put_build(self, key: str, snapshot: str) -> None:
        with self._db:
            self._db.execute("DELETE FROM builds")
            self._db.execute("INSERT INTO builds VALUES (?, ?)", (key, snapshot))

    def forget_build(self) -> None:
        with self._db:
            self._db.execute("DELETE FROM builds")

    def close(self) -> None:
        self._db.close()


# Rows written by one INSERT statement: a statement per row costs a cold
# build's cache a quarter more instructions (sqlite3 runs, resets and
# unlocks a statement per row). 32 rows of 15 columns stay below 999
# parameters, the limit of a statement in sqlite before 3.32.
_INSERT_ROWS = 32


def _insert(db: sqlite3.Connection, table: str, rows: list[tuple], last: str = "") -> None:
    """INSERT OR REPLACE ``rows`` (tuples of one length, followed by the SQL
    values of ``last`` for the columns they leave out) into ``table``,
    _INSERT_ROWS at a time."""
    if not rows:
        return
    one = "(" + ",".join("?" * len(rows[0])) + last + ")"
    full = len(rows) - len(rows) % _INSERT_ROWS
    if full:
        statement = f"INSERT OR REPLACE INTO {table} VALUES " + ",".join([one] * _INSERT_ROWS)
        db.executemany(statement, [tuple(chain.from_iterable(rows[start:start + _INSERT_ROWS]))
                                   for start in range(0, full, _INSERT_ROWS)])
    if full < len(rows):
        rest = rows[full:]
        db.execute(f"INSERT OR REPLACE INTO {table} VALUES " + ",".join([one] * len(rest)),
                   tuple(chain.from_iterable(rest)))


# The columns a build uses as they are. The stat and the hash are only
# compared with a seed's (a value of another type matches none, and the seed
# is read again), so their types go unchecked; `published IN (0, 1)` already
# takes only numbers, which the catalog turns into a bool. Each check costs a
# warm build of 10,000 seeds about half a millisecond. The digest is checked:
# it keys the items a build copies from its old feeds (reuse.py).
_WELL_FORMED = """
    typeof(path) = 'text' AND typeof(warnings) = 'text'
    AND ((error IS NULL AND typeof(id) = 'text' AND typeof(published_ts) = 'integer'
          AND typeof(updated_ts) = 'integer' AND published IN (0, 1)
          AND typeof(quality) IN ('integer', 'null') AND typeof(topics) = 'text' AND typeof(digest) = 'text')
         OR typeof(error) = 'text')"""


_SEEDS = ("SELECT path, size, mtime_ns, ctime_ns, inode, hash, id, published_ts, updated_ts, published, quality,"
          " topics, digest, warnings, error FROM seeds WHERE (" + _WELL_FORMED + ")")


_NOTES = itemgetter(13, 14)
# The warnings and error of a seed that has neither.
_NO_NOTES = ("[]", None)


def _well_noted(row: tuple) -> bool:
    return _NOTES(row) == _NO_NOTES or _notes_well_formed(row)


def _notes_well_formed(row: tuple) -> bool:
    """Warnings and errors are JSON lists of [message, line]."""
    if row[13] != "[]" and not all(_is_message(m) for m in _json_list(row[13])):
        return False
    return row[14] is None or _is_message(_json_list(row[14]))


def _key(path: str) -> str:
    """The key of ``path`` in the cache: the path itself, or, if it is not
    valid UTF-8, the escaped form :func:`_path` reads back."""
    if path.isascii():
        return path
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        # surrogatepass, not surrogateescape: it takes any lone surrogate, and
        # Windows names may hold those too.
        return _ESCAPED + path.encode("utf-8", "surrogatepass").hex()
    return path


def _path(key: str) -> str:
    """The path a cache key stands for (see :func:`_key`)."""
    if not key.startswith(_ESCAPED):
        return key
    try:
        return bytes.fromhex(key[len(_ESCAPED):]).decode("utf-8", "surrogatepass")
    except (ValueError, UnicodeDecodeError):
        return key  # not one of ours (a damaged cache): a path no seed has


# Every escaped key sorts in this range (the character after ':' is ';').
_ESCAPED_RANGE = (_ESCAPED, _ESCAPED[:-1] + ";")


def _json_list(text: str) -> list:
    try:
        value = json.loads(text)
    except ValueError:
        return [None]
    return value if isinstance(value, list) else [None]


def _is_message(value: object) -> bool:
    """[message, line]: what warnings and errors are stored as."""
    return (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)
            and (value[1] is None or (isinstance(value[1], int) and not isinstance(value[1], bool))))


def reset(folder: Path) -> None:
    """Delete the cache files in ``folder``."""
    for suffix in ("", "-journal", "-wal", "-shm"):
        (folder / (CACHE_FILE + suffix)).unlink(missing_ok=True)


def dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

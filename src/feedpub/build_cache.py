"""The build cache as the pipeline sees it: plain questions, one failure policy.

The stages ask it what earlier builds left and tell it what to keep for the
next one: the catalog reads the rows of known seeds and gives it new ones, the
resolver reads Article records, writing reads the fingerprints of the files it
wrote, and ``build()`` reads and keeps the snapshot of the last build. Behind
it are the sqlite file (cache.py) and the snapshot's format (snapshot.py);
no other module touches either.

The cache only saves work: it never changes what a build writes, and is never
a reason for a build to fail. So no caller tests for it or guards a call:

- ``cache = false`` (``--no-cache``) gives a BuildCache that knows nothing and
  keeps nothing for the next build.
- A cache that cannot be opened is replaced by a new one; when even that
  fails (a read-only checkout), a FeedpubWarning says so and the build goes
  on without a cache.
- A cache that fails later (sqlite3.DatabaseError: a damaged file, a full
  disk, a lock held past its timeout) is closed, and for the rest of the build
  answers as no cache would. The next build opens it again.
- In a forked worker process it answers as no cache would: a child must not
  touch its parent's sqlite connection.
"""

from __future__ import annotations

import os
import re
import sqlite3
import sys
import warnings
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Sequence, TypeVar

from .cache import Cache, reset
from .config import Config
from .errors import ConfigError, FeedpubWarning
from .snapshot import build_key, replay, take
from .writers import MANIFEST_NAME

if TYPE_CHECKING:
    from .build import BuildReport

T = TypeVar("T")
# What else decides the bytes of records and feeds, by distribution name.
LIBRARIES = ("feedgen", "lxml", "PyYAML", "yaml-rs", "python-dateutil")
# Seed rows (and new stats) written at a time: a cold build of 1,000,000 seeds
# must not hold every row until the end of the catalog. Few, since the last
# batch is written once the workers are done, with nothing else to run (2000
# rows: 15 ms); more batches cost next to nothing.
SEED_BATCH = 500


class BuildCache:
    """What earlier builds left, for the stages of this one to ask.

    Made by :func:`open_cache`; ``BuildCache(None)`` is a build without a
    cache. Paths are absolute seed paths, or output paths as ``build()``
    keys them."""

    def __init__(self, database: Cache | None) -> None:
        self._database = database
        self._pid = os.getpid()
        self._rows: list[tuple] = []
        self._records: list[tuple[str, str]] = []
        self._failed: list[str] = []
        self._restat: list[tuple[int, int, int, int, str]] = []
        self._forget: list[str] = []
        self._spill = _Spill()

    @property
    def enabled(self) -> bool:
        """Whether what it is given is kept for the next build: without that,
        the catalog need not send Article records or stats its way."""
        return self._database is not None

    # Seeds: one row per seed file (cache.SeedRow's fields, as a plain tuple).

    def seed_batches(self, size: int) -> Iterator[list[tuple]]:
        """Every well-formed seed row, without its Article record, in the
        order of the paths, which is a scan's, ``size`` at a time (see
        Cache.seed_batches): read them all before keeping any row. A cache
        that fails midway ends the rows there, as :meth:`_ask` would: the seeds
        after are read again."""
        if self._database is None or os.getpid() != self._pid:
            return iter(())
        return self._seed_batches(self._database, size)

    def _seed_batches(self, database: Cache, size: int) -> Iterator[list[tuple]]:
        try:
            yield from database.seed_batches(size)
        except sqlite3.DatabaseError:
            self._drop()

    def put_seed(self, row: tuple, record: str | None) -> None:
        """Keep a seed's row and its Article record (None when it failed)
        for the next build (written in batches)."""
        if self._database is not None:
            self._rows.append(row)
            if record is not None:
                self._records.append((row[0], record))
            else:
                self._failed.append(row[0])
            if len(self._rows) >= SEED_BATCH:
                self._flush_seeds()

    def restat_seed(self, stat: tuple[int, int, int, int, str]) -> None:
        """Keep the new (size, mtime_ns, ctime_ns, inode, path) of a seed whose
        content did not change: a fresh checkout has one per seed, so they are
        written in batches too."""
        if self._database is not None:
            self._restat.append(stat)
            if len(self._restat) >= SEED_BATCH:
                self._flush_seeds()

    def forget_seed(self, path: str) -> None:
        """Drop the row of a seed whose result must not be kept."""
        if self._database is not None:
            self._forget.append(path)

    def finish_seeds(self, gone: set[str]) -> None:
        """Write what is left to write, and forget the seeds of ``gone`` (no longer there)."""
        self._flush_seeds()
        forget = sorted(gone.union(self._forget))
        self._forget = []
        if forget:
            self._ask(lambda database: database.forget_seeds(forget), None)

    def _flush_seeds(self) -> None:
        rows, records, failed, restat = self._rows, self._records, self._failed, self._restat
        self._rows, self._records, self._failed, self._restat = [], [], [], []
        self._ask(lambda database: (database.put_seeds(rows, records, failed), database.restat(restat)), None)

    # Article records, for the Listings that make it into a feed.

    def records(self, paths: Sequence[str]) -> dict[str, str]:
        """The Article record (JSON) of each of ``paths`` that has one: from the
        cache, or else from what :meth:`keep_records` was given in this build."""
        found = self._ask(lambda database: dict(database.records(paths)), {})
        missing = [path for path in paths if path not in found]
        if missing and os.getpid() == self._pid:
            found.update(self._spill.records(missing))
        return found

    def keep_records(self, rows: Iterable[tuple[str, str]]) -> None:
        """Keep (path, record) of articles read again, for the rest of this
        build only: an article needed again after the Resolver let it go (a long
        feed in each format, or in several topics) is then decoded from its
        record, about twenty times faster than reading its seed again."""
        if os.getpid() == self._pid:
            self._spill.put(list(rows))

    # Output files: the fingerprint of what each was rendered from, its stat then,
    # and the layout of a feed's bytes (reuse.py).

    def outputs(self) -> dict[str, tuple[str, int, int]]:
        """(fingerprint, size, mtime_ns) of each file written by an earlier build."""
        return self._ask(Cache.outputs, {})

    def layouts(self, paths: Sequence[str]) -> dict[str, str]:
        """The layout (reuse.Layout's text) each of ``paths`` was written with, where one was kept."""
        return self._ask(lambda database: dict(database.layouts(paths)), {}) if paths else {}

    def put_outputs(self, rows: list[tuple[str, str, int, int, str | None]]) -> None:
        """Keep (path, fingerprint, size, mtime_ns, layout or None) of files just written."""
        if rows:
            self._ask(lambda database: database.put_outputs(rows), None)

    # The snapshot of the last build (snapshot.py).

    def has_build(self) -> bool:
        """Whether a snapshot of an earlier build is kept (of any settings)."""
        return self._ask(Cache.has_build, False)

    def last_build(self, config: Config, digest: str) -> dict | None:
        """The BuildReport fields of the last build, if it was made under
        ``config`` from the seed files of ``digest`` and every file it wrote is
        still as it left it (snapshot.replay); else None."""
        text = self._ask(lambda database: database.last_build(build_key(config, digest)), None)
        return replay(text, config.out, MANIFEST_NAME) if text is not None else None

    def forget_build(self) -> None:
        """Drop the snapshot: files are about to change, and a build that dies
        while they do must leave none to trust."""
        self._ask(Cache.forget_build, None)

    def put_build(self, config: Config, digest: str, report: BuildReport, paths: list[str]) -> None:
        """Keep the snapshot of the build just done from the seed files of
        ``digest``: its report and the stats of ``paths`` (every file it left in
        the output folder, the manifest included)."""
        if self._database is None:
            return
        try:
            snapshot = take(report, config.out, paths)
        except OSError:  # a file already gone again: no snapshot, the next build does the work
            return
        self._ask(lambda database: database.put_build(build_key(config, digest), snapshot), None)

    def close(self) -> None:
        if os.getpid() == self._pid:
            self._spill.close()
        self._drop()

    def __enter__(self) -> BuildCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _ask(self, question: Callable[[Cache], T], default: T) -> T:
        """``question(database)``, or ``default`` without a cache: the one place
        where a failing cache becomes no cache (with _seed_batches, its form for
        rows read a batch at a time)."""
        if self._database is None or os.getpid() != self._pid:
            return default
        try:
            return question(self._database)
        except sqlite3.DatabaseError:
            self._drop()
            return default

    def _drop(self) -> None:
        """Go on without the sqlite cache (its batches of rows are dropped too)."""
        if self._database is not None and os.getpid() == self._pid:
            with suppress(sqlite3.Error):
                self._database.close()
        self._database = None
        self._rows, self._records, self._failed, self._restat, self._forget = [], [], [], [], []


class _Spill:
    """Where a build keeps the records of the articles it read again: a private
    temporary sqlite database on disk, which sqlite deletes when it is closed.
    Made on first use: with a warm cache it never is."""

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
        if not rows:
            return
        try:
            if self._db is None:
                self._db = sqlite3.connect("")  # "": a private temporary database on disk
                self._db.execute("CREATE TABLE records (key BLOB PRIMARY KEY, record TEXT NOT NULL)")
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO records VALUES (?, ?)",
                                     [(_blob(key), record) for key, record in rows])
        except (sqlite3.Error, UnicodeEncodeError):
            pass  # only an optimization: those seeds are read again when needed

    def close(self) -> None:
        if self._db is not None:
            with suppress(sqlite3.Error):
                self._db.close()
            self._db = None


def _blob(key: str) -> bytes:
    """A path as bytes, whatever its name's encoding."""
    return key.encode("utf-8", "surrogateescape")


def open_cache(config: Config) -> BuildCache:
    """The build cache of ``config``; one that knows nothing with ``cache =
    false``. Its stamp holds what changes records or rendered bytes besides
    feedpub itself: the time zone setting and the versions of the parsing and
    feed libraries.

    Raises ConfigError for a cache folder inside the output folder; warns
    (FeedpubWarning) and returns a cache that knows nothing when the cache
    cannot be opened, since a build without it gives the same feeds, only
    slower."""
    if not config.cache:
        return BuildCache(None)
    check_cache_folder(config)
    database = _open_database(config.cache_dir, f"tz={config.timezone};{_library_versions()}")
    if database is None:
        folder = config.cache_dir
        why = "is not a folder" if folder.exists() and not folder.is_dir() else "cannot be created or written"
        warnings.warn(f"cache_dir {folder} {why}: building without the cache; "
                      "set cache = false (--no-cache) to build without one on purpose", FeedpubWarning, stacklevel=2)
    return BuildCache(database)


def _open_database(folder: Path, settings: str) -> Cache | None:
    """Open (or create) the sqlite cache; replace it if it is unreadable, since
    a damaged cache is never trusted; None if even a new one cannot be made."""
    try:
        return Cache(folder, settings)
    except (sqlite3.DatabaseError, OSError):
        pass
    try:
        reset(folder)
        return Cache(folder, settings)
    except (sqlite3.DatabaseError, OSError):
        return None  # e.g. a read-only checkout: build without a cache


def check_cache_folder(config: Config) -> None:
    """Refuse a cache folder that is the output folder or inside it: the cache
    holds the full text of every seed, unpublished ones too, and what is in the
    output folder gets served, committed and published."""
    cache, out = config.cache_dir.resolve(), config.out.resolve()
    if cache.is_relative_to(out):
        raise ConfigError(
            f"cache_dir {config.cache_dir} is the output folder {config.out} or inside it: the cache holds every "
            f"seed's text, unpublished ones too, and would be published; choose a cache_dir outside {config.out}"
        )


def _library_versions() -> str:
    """``name=version`` of each of LIBRARIES as installed, ``none`` where one is not."""
    found = _installed_versions(LIBRARIES)
    missing = [name for name in LIBRARIES if name not in found]
    if missing:
        # Installed in a form the folders of sys.path do not show (an egg, a
        # zip file, a finder of its own), or not at all: importlib.metadata knows.
        from importlib import metadata

        for name in missing:
            try:
                found[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                found[name] = "none"
    return ",".join(f"{name}={found[name]}" for name in LIBRARIES)


def _installed_versions(names: Sequence[str]) -> dict[str, str]:
    """The version of each distribution of ``names`` found in a folder of
    sys.path, as importlib.metadata.version gives it: the ``Version`` field of
    the first ``NAME-VERSION.dist-info/METADATA`` (or ``.egg-info``) with that
    name, folders in sys.path order. Not by importlib.metadata itself: it
    imports email, zipfile, csv and more, some 50 ms, a fifth of a build that
    changes one seed."""
    wanted = {_distribution_key(name): name for name in names}
    found: dict[str, str] = {}
    for folder in sys.path:
        if folder.endswith(".egg") or os.path.isfile(folder):
            # An egg or a zip file, whose metadata is inside it where this
            # scan does not look, ahead of the folders after it: for what
            # is not found yet, importlib.metadata answers.
            break
        try:
            entries = os.listdir(folder or ".")
        except OSError:  # a folder that is not there
            continue
        for entry in entries:
            stem, _, suffix = entry.rpartition(".")
            if suffix not in ("dist-info", "egg-info"):
                continue
            name = wanted.get(_distribution_key(stem.partition("-")[0]))
            if name is None or name in found:
                continue
            version = _metadata_version(os.path.join(folder, entry), suffix)
            if version is not None:
                found[name] = version
        if len(found) == len(wanted):
            break
    return found


def _distribution_key(name: str) -> str:
    """A distribution name as its metadata folder may spell it (PEP 503 and
    the wheel spec: ``-``, ``_`` and ``.`` alike, any case)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def _metadata_version(path: str, suffix: str) -> str | None:
    """The ``Version`` field of the metadata at ``path`` (a .dist-info folder,
    or a .egg-info folder or file); None if there is none to read."""
    if os.path.isdir(path):
        path = os.path.join(path, "METADATA" if suffix == "dist-info" else "PKG-INFO")
    try:
        with open(path, encoding="utf-8", errors="replace") as metadata:
            for line in metadata:
                if not line.strip():  # the end of the header fields
                    break
                field, colon, value = line.partition(":")
                if colon and field.strip().lower() == "version":
                    return value.strip()
    except OSError:
        pass
    return None

"""The catalog: one compact Listing per seed, from the cache or from worker processes.

This is the collect stage of a build, made for 100,000 seeds: files are
listed with their stat, seeds the cache knows are not read at all (or only
hashed, when their mtime changed), the rest are parsed in parallel, and only
Listings stay in memory. Full Articles are loaded later, by :class:`Resolver`,
for the few items that make it into a feed.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass, field
import fnmatch
import re
import sys
from itertools import chain
from operator import itemgetter
from pathlib import Path
from stat import S_ISDIR, S_ISREG
from typing import Callable, Iterable, Iterator, Sequence

from .cache import TOPIC_SEPARATOR, Cache, dumps, safely
from .errors import SeedError, SeedWarning
from hashlib import blake2b
from .model import Article, Listing
from .parallel import batched, ordered_map
from .seeds import file_kind

Progress = Callable[[int, int], None]
# The listing columns of a seed that failed.
_NO_LISTING = (None,) * 7
# What the cache compares of a seed's stat: (size, mtime_ns, ctime_ns, inode).
# A scan keeps only these four numbers, not the os.stat_result: that holds
# some twenty fields, 330 bytes more a seed (330 MB at 1,000,000 seeds).
StatKey = tuple[int, int, int, int]
# The StatKey of a seed nobody took (no cache to keep it in), or that could
# not be taken.
_NO_STAT: StatKey = (0, 0, 0, 0)
# Below this many seeds to parse, starting worker processes costs more than it saves.
PARALLEL_MIN_SEEDS = 400
# Most full Articles a Resolver keeps loaded at once, and the most that rendering
# in worker processes preloads (past it the main process renders).
RESOLVER_MEMORY = 20_000


@dataclass(slots=True)
class Catalog:
    """Every seed as a Listing (newest first, one per link) and every problem found."""

    listings: list[Listing] = field(default_factory=list)
    errors: list[SeedError] = field(default_factory=list)
    warnings: list[SeedWarning] = field(default_factory=list)
    read: int = 0
    duplicates: int = 0
    parsed: int = 0
    # files_digest() of the seed files as the cache keeps their stats; empty
    # when the caller gave the scan (and has the digest of its stats, the same).
    files_digest: str = ""


@dataclass(slots=True)
class SeedFiles:
    """What a scan of the seeds folder found.

    ``files``: each seed file (path joined to the root) with its StatKey
    (None without one), in relative POSIX path order. ``links``: the real path of
    each seed that is a symbolic link; what reading such a seed gives depends
    on where it leads and on the seeds folder, not only on its bytes, so it is
    never answered from the cache. ``warnings``: what was skipped, and why.
    """

    files: list[tuple[str, StatKey | None]] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)
    warnings: list[SeedWarning] = field(default_factory=list)

    def digest(self) -> str:
        """:func:`files_digest` of this scan (it must have taken the stats)."""
        return files_digest(((path, *(stat or _NO_STAT)) for path, stat in self.files), self.links, self.warnings)


def scan_seed_files(root: Path, patterns: tuple[str, ...], with_stat: bool = True) -> SeedFiles:
    """The seed files below ``root`` matching ``patterns``, with their stat
    unless ``with_stat`` is false (links are stat'ed either way).

    Hidden files and folders are skipped; links to folders are not followed.
    Only regular files, and links to them, are seeds: any other file whose
    name matches (a named pipe, a socket, a device, a link to a folder, a link
    loop), a folder that cannot be listed and a path longer than the system
    takes are each a warning, and skipped. A seed whose stat fails is listed
    without one: reading it reports why. Only an unreadable ``root`` raises
    (OSError): publishing nothing from it would empty every feed.
    """
    scan = SeedFiles()
    found: list[tuple[str, str, StatKey | None]] = []
    suffixes, matches = _name_matcher(patterns)
    cut = display_cut(root)
    real_root = os.path.realpath(root)
    too_long = _path_limit(root)
    # A character takes at most 4 bytes: shorter paths need no encoding to tell.
    short = too_long // 4 if too_long is not None else sys.maxsize
    stack = [(str(root), "")]
    while stack:
        folder, relative = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError as error:
            if not relative:
                raise
            message = f"cannot read folder: {error.strerror}; its seeds are skipped"
            scan.warnings.append(SeedWarning(folder[cut:], message))
            continue
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            path = entry.path
            try:
                if entry.is_dir(follow_symlinks=False):
                    kind = "folder"
                elif name.endswith(suffixes) if suffixes else matches(name):  # type: ignore[misc]
                    kind = "file"
                else:
                    continue
                if len(path) >= short and len(os.fsencode(path)) >= too_long:  # type: ignore[operator]
                    scan.warnings.append(SeedWarning(path[cut:], "path longer than the system allows; skipped"))
                elif kind == "folder":
                    stack.append((path, f"{relative}{name}/"))
                elif entry.is_file(follow_symlinks=False):
                    stat = None
                    if with_stat:
                        try:
                            # Not entry.stat(): each entry of the listing would keep its whole
                            # os.stat_result for as long as the listing lives.
                            stat = _stat_key(os.lstat(path))
                        except OSError:  # e.g. in a folder that can be listed but not entered: reading says why
                            pass
                    found.append((relative + name, path, stat))
                elif entry.is_symlink():
                    _scan_link(scan, found, relative + name, path, real_root, cut)
                else:
                    kind = file_kind(entry.stat(follow_symlinks=False).st_mode)
                    scan.warnings.append(SeedWarning(path[cut:], f"not a regular file ({kind}); skipped"))
            except OSError as error:  # only where the folder does not tell the file's type
                scan.warnings.append(SeedWarning(path[cut:], f"cannot read: {error.strerror}; skipped"))
    found.sort(key=_first)
    scan.files = [(path, stat) for _, path, stat in found]
    scan.warnings.sort(key=_by_path)  # path order, not the folder listing's (which varies by file system)
    return scan


def _scan_link(scan: SeedFiles, found: list, relative: str, path: str, real_root: str, cut: int) -> None:
    """Add the link at ``path`` to ``found``, or a warning to ``scan`` if it
    leads nowhere or to something other than a regular file in the seeds
    folder. A link out of the folder is left for reading to refuse."""
    try:
        stat = os.stat(path)
        target = os.path.realpath(path, strict=True)
    except OSError as error:  # a loop, a dangling link
        message = f"symbolic link that leads nowhere ({error.strerror}); skipped"
        scan.warnings.append(SeedWarning(path[cut:], message))
        return
    inside = target.startswith(real_root.rstrip(os.sep) + os.sep)
    # A link to a folder is never followed, wherever it leads: not a seed, a warning.
    if (inside or S_ISDIR(stat.st_mode)) and not S_ISREG(stat.st_mode):
        kind = file_kind(stat.st_mode)
        scan.warnings.append(SeedWarning(path[cut:], f"not a regular file (symbolic link to {kind}); skipped"))
        return
    found.append((relative, path, _stat_key(stat)))
    scan.links[path] = target


def _stat_key(stat: os.stat_result) -> StatKey:
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


def _path_limit(root: Path) -> int | None:
    """The longest path, in bytes with its NUL, that the system opens below
    ``root``, if it says."""
    try:
        return os.pathconf(root, "PC_PATH_MAX")
    except (AttributeError, OSError, ValueError):  # no pathconf (Windows), or no limit
        return None


def files_digest(
    files: Iterable[tuple[str, int, int, int, int]], links: dict[str, str], warnings: Iterable[SeedWarning]
) -> str:
    """One digest of seed files as (path, size, mtime_ns, ctime_ns, inode),
    in scan order, of where links lead and of what the scan skipped: equal
    digests, same files with the same stats, found the same way."""
    lines = chain(
        (f"{path}\0{size}\0{mtime}\0{ctime}\0{inode}\n" for path, size, mtime, ctime, inode in files),
        (f"link\0{path}\0{target}\n" for path, target in links.items()),
        (f"skipped\0{warning}\n" for warning in warnings),
    )
    digest = blake2b(digest_size=16)
    # In batches: the text of 1,000,000 seeds at once would take 300 MB.
    for batch in batched(lines, 10_000):
        digest.update("".join(batch).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _name_matcher(patterns: tuple[str, ...]) -> tuple[tuple[str, ...], Callable[[str], object] | None]:
    """How to test file names against glob ``patterns``: the suffixes, for one
    str.endswith in the scan's loop, when they are all ``*.ext`` (the usual
    case, ten times cheaper than a regex); else () and a regex match."""
    if patterns and all(p.startswith("*.") and not any(c in p[1:] for c in "*?[") for p in patterns):
        return tuple(p[1:] for p in patterns), None
    return (), re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns)).match


def _by_path(warning: SeedWarning) -> str:
    return warning.path


def _first(item: tuple[str, str, StatKey | None]) -> str:
    return item[0]


def build_catalog(
    root: Path,
    patterns: tuple[str, ...],
    timezone: str,
    cache: Cache | None,
    jobs: int,
    progress: Progress | None = None,
    files: SeedFiles | None = None,
    keep_duplicates: bool = False,
) -> Catalog:
    """List every seed under ``root``: cached where the cache still holds, parsed
    (in ``jobs`` processes) where not. The result does not depend on ``jobs``
    or on the cache. ``files`` is the scan of ``root``, if one was taken, with
    stats. ``keep_duplicates`` keeps every Listing, two seeds with one link
    included, and leaves :func:`deduplicate` to the caller."""
    catalog = Catalog()
    root = root.absolute()  # cache keys are absolute paths
    # Rows are plain tuples in SeedRow's field order: 100,000 dataclass
    # instances would cost a warm build more than everything else it does.
    known = safely(cache, Cache.seeds, {})
    # With nothing cached (a cold build) a stat serves only the new cache
    # rows: the workers take it, in parallel, rather than the scan up front.
    scanned = files is None
    scan = scan_seed_files(root, patterns, with_stat=bool(known)) if files is None else files
    links = scan.links
    catalog.read = len(scan.files)
    catalog.warnings.extend(scan.warnings)
    tasks: list[tuple[str, str, str, str | None, str, bool, bool]] = []
    cut = display_cut(root)
    folder = str(root)
    want_stat = not known and cache is not None
    for path, stat in scan.files:
        row = known.get(path)
        if not _answers(row, stat, path, links):
            # A link's hash says nothing of where it leads: parse it again.
            hash_ = row[5] if row and path not in links else None
            tasks.append((path, folder, path[cut:], hash_, timezone, cache is not None, want_stat))
    store = _Store(cache)
    done = len(scan.files) - len(tasks)
    # One pass in file order: a seed's row is the cache's, or else the next
    # result (tasks are in file order too). Listings are made as rows come;
    # a row, read from the cache or made of a result, is dropped as soon as
    # its Listing is made: at 1,000,000 seeds, keeping every row until the
    # end costs 500 MB. What is left in ``known`` then is seeds now gone.
    results = iter(_run(tasks, jobs))
    listings = []
    topic_tuples: dict[str, tuple[str, ...]] = {}  # one tuple, and one str per topic, shared by all Listings
    for index, (path, stat) in enumerate(scan.files):
        row = known.pop(path, None)
        if not _answers(row, stat, path, links):
            result = next(results)
            if result[0] == "same":  # only with a known hash, so the scan took the stat
                store.restat((*stat, path))
                row = (path, *stat) + row[5:]
            else:
                _, digest, listing, record, warnings, error, taken, lasting = result
                stats = stat if stat is not None else taken
                row = (path, *stats, digest, *(listing or _NO_LISTING), record, warnings, error)
                if lasting:
                    store.put(row)  # a SeedRow, as the plain tuple sqlite takes
                else:
                    store.forget(path)  # not the seed's content: read it again next time
                catalog.parsed += 1
            done += 1
            if progress is not None:
                progress(done, len(scan.files))
        (_, size, mtime, ctime, inode, _, id_, published_ts, updated_ts, published, quality, topics, digest, _,
         warnings, error) = row
        if scanned and stat is None:
            # The workers took the stats this scan left out; the files' digest needs them.
            scan.files[index] = (path, (size, mtime, ctime, inode))
        source = path[cut:]
        if warnings != "[]":
            for message, line in json.loads(warnings):
                catalog.warnings.append(SeedWarning(source, message, line))
        if error is not None:
            message, line = json.loads(error)
            catalog.errors.append(SeedError(source, message, line))
        else:
            names = topic_tuples.get(topics)
            if names is None:
                names = topic_tuples[topics] = tuple(topics.split(TOPIC_SEPARATOR)) if topics else ()
            listings.append(Listing(id_, published_ts, updated_ts, published == 1, quality, names, source, digest))
    if next(results, None) is not None:  # also lets the worker pool shut down now
        raise RuntimeError("more results than seeds to parse")
    store.finish(set(known))
    if scanned:
        catalog.files_digest = scan.digest()
    if keep_duplicates:
        catalog.listings = listings
    else:
        catalog.listings, dropped = deduplicate(listings)
        catalog.duplicates = len(dropped)
        catalog.warnings.extend(dropped)
    # Listing.sort_key's order (newest first, then by id) by two stable sorts
    # on C-level keys: calling a method per Listing costs 100,000 seeds 50 ms.
    catalog.listings.sort(key=itemgetter(0))  # id
    catalog.listings.sort(key=itemgetter(1), reverse=True)  # published_ts
    return catalog


def _answers(row: tuple | None, stat: StatKey | None, path: str, links: dict[str, str]) -> bool:
    """Whether the cache's ``row`` answers for the seed at ``path``: its stat
    is the one the row was made with, and it is not a link (whose hash says
    nothing of where it leads)."""
    return row is not None and row[1:5] == stat and path not in links


def deduplicate(items: list) -> tuple[list, list[SeedWarning]]:
    """Keep one article per link and report the others.

    The kept one is the published one if only one is, else the most recently
    updated, then the most recently published, then the one whose seed path
    sorts first. The order of the input does not matter. Works on Articles and
    Listings alike (both have ``duplicate_rank``).
    """
    best: dict = {}
    contested: set = set()
    for item in items:
        current = best.get(item.id)
        if current is None:
            best[item.id] = item
        else:
            contested.add(item.id)
            if item.duplicate_rank() < current.duplicate_rank():
                best[item.id] = item
    dropped = [
        SeedWarning(item.source, f"duplicate of {best[item.id].source} (same link {item.id}); skipped")
        for item in items
        if item.id in contested and best[item.id] is not item
    ] if contested else []
    return list(best.values()), dropped


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


class _Store:
    """Writes what the catalog learns to the cache in batches, so records never
    pile up in memory; a cache that fails is left for the next build to rebuild."""

    BATCH = 2000

    def __init__(self, cache: Cache | None) -> None:
        self._cache = cache
        self._rows: list[tuple] = []
        self._restat: list[tuple[int, int, int, int, str]] = []
        self._forget: list[str] = []

    def put(self, row: tuple) -> None:
        """Queue a row (SeedRow's fields, in order) for writing."""
        if self._cache is not None:
            self._rows.append(row)
            if len(self._rows) >= self.BATCH:
                self._flush()

    def restat(self, stat: tuple[int, int, int, int, str]) -> None:
        """Queue new stats for a seed whose content did not change: a fresh
        checkout has one per seed, so they are written in batches too."""
        if self._cache is not None:
            self._restat.append(stat)
            if len(self._restat) >= self.BATCH:
                self._flush()

    def forget(self, path: str) -> None:
        """Drop what the cache knew of a seed (whose result now is not to be kept)."""
        if self._cache is not None:
            self._forget.append(path)

    def finish(self, gone: set[str]) -> None:
        """Write what is left, and forget seeds that no longer exist."""
        self._flush()
        forget = sorted(gone.union(self._forget))
        if self._cache is not None and forget:
            self._guard(lambda: self._cache.forget_seeds(forget))

    def _flush(self) -> None:
        rows, restat, self._rows, self._restat = self._rows, self._restat, [], []
        if self._cache is not None:
            self._guard(lambda: (self._cache.put_seeds(rows), self._cache.restat(restat)))

    def _guard(self, action: Callable[[], object]) -> None:
        try:
            action()
        except sqlite3.DatabaseError:
            self._cache = None  # the cache is only an optimization


def display_cut(root: Path) -> int:
    """How much to cut off a seed path below ``root`` (absolute) to show it in
    messages: relative to the working directory when the seeds are below it."""
    cwd = os.getcwd() + os.sep
    return len(cwd) if str(root).startswith(cwd) else 0


def _run(tasks: list, jobs: int) -> Iterable[tuple]:
    """Results of :func:`load_task` for every task, in order."""
    return ordered_map(load_task, tasks, jobs, PARALLEL_MIN_SEEDS)


def load_task(task: tuple[str, str, str, str | None, str, bool, bool]) -> tuple:
    """Worker: read one seed, and unless its hash is ``known``, normalize it.

    Returns ("same", hash) or ("new", hash, listing columns, record JSON,
    warnings JSON, error JSON, (size, mtime_ns, ctime_ns, inode) if asked
    for, else zeros, and whether the result may be cached: not when reading
    failed, which says nothing of the seed's bytes). Runs in worker
    processes: everything in and out is plain data.
    """
    global _worker
    if _worker is None:
        _worker = _WorkerModules()
    w = _worker
    path, root, display, known, timezone, want_record, want_stat = task
    try:
        raw, info = w.read_seed_file(path, root, display)
    except SeedError as error:
        taken = _stat_of(path) if want_stat else _NO_STAT
        lasting = not isinstance(error, w.SeedReadError)  # "file too large" is about the bytes
        return ("new", "", None, None, "[]", dumps([error.message, error.line]), taken, lasting)
    # Taken before reading, as the scan's would be: a seed changed meanwhile
    # is read again next time.
    taken = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino) if want_stat else _NO_STAT
    digest = blake2b(raw, digest_size=16).hexdigest()
    if digest == known:
        return ("same", digest)
    try:
        article, warnings = w.load_bytes(raw, display, w.zone(timezone))
    except SeedError as error:
        return ("new", digest, None, None, "[]", dumps([error.message, error.line]), taken, True)
    except Exception as error:  # one seed must never stop the build
        message = f"unexpected {type(error).__name__}: {str(error)[:200]}"
        return ("new", digest, None, None, "[]", dumps([message, None]), taken, True)
    # Without a cache the record is not needed; its digest still is (it names the
    # content in feed fingerprints), so it is computed either way.
    record = w.article_to_record(article)
    listing = (article.id, int(article.published_at.timestamp()), int(article.updated_at.timestamp()),
               int(article.published), article.quality, TOPIC_SEPARATOR.join(article.topics), w.record_digest(record))
    notes = dumps([[warning.message, warning.line] for warning in warnings]) if warnings else "[]"
    return ("new", digest, listing, record if want_record else None, notes, None, taken, True)


def _stat_of(path: str) -> tuple[int, int, int, int]:
    """(size, mtime_ns, ctime_ns, inode) as the scan would take them; zeros
    when it cannot be taken, which only makes the next build read the seed
    again."""
    try:
        return _stat_key(os.stat(path))
    except OSError:
        return _NO_STAT


class _WorkerModules:
    """What load_task needs, imported once per process, and only where seeds
    are parsed: a build with a warm cache never imports the YAML libraries."""

    def __init__(self) -> None:
        from functools import lru_cache
        from zoneinfo import ZoneInfo

        from .loader import load_bytes
        from .records import article_to_record, record_digest
        from .seeds import SeedReadError, read_seed_file

        self.load_bytes, self.article_to_record, self.record_digest = load_bytes, article_to_record, record_digest
        self.read_seed_file, self.SeedReadError = read_seed_file, SeedReadError
        self.zone = lru_cache(maxsize=None)(ZoneInfo)


_worker: _WorkerModules | None = None


def _cache_keys(sources: list[str]) -> dict[str, str]:
    """The cache key (absolute path) of each seed as messages show it."""
    cwd = os.getcwd()
    return {source: source if os.path.isabs(source) else os.path.join(cwd, source) for source in sources}

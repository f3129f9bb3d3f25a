"""The catalog: one compact Listing per seed, from the cache or from worker processes.

This is the collect stage of a build, made for 100,000 seeds: files are
listed with their stat (scan.py), seeds the cache knows are not read at all
(or only hashed, when their mtime changed), the rest are parsed in parallel,
and only Listings stay in memory. Full Articles are loaded later, by
resolver.Resolver, for the few items that make it into a feed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from hashlib import blake2b
from itertools import count, repeat
from operator import eq, itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, NamedTuple

from .cache import TOPIC_SEPARATOR, dumps
from .errors import SeedError, SeedWarning
from .model import Listing
from .parallel import ordered_map
from .scan import NO_STAT, SeedFiles, StatKey, display_cut, scan_seed_files, stat_key

if TYPE_CHECKING:
    from .build_cache import BuildCache

Progress = Callable[[int, int], None]
# The listing columns of a seed that failed.
_NO_LISTING = (None,) * 7
# Below this many seeds to parse, starting worker processes costs more than it saves.
PARALLEL_MIN_SEEDS = 400
# Seeds whose cached rows are taken together, a run at a time (_answered_run).
_RUN = 64
# Columns of a cached row (cache.SeedRow): its stat, its notes, its Listing's fields.
_STAT = itemgetter(1, 2, 3, 4)
_WARNINGS, _ERROR = itemgetter(13), itemgetter(14)
_LISTING = itemgetter(6, 7, 8, 9, 10, 11, 12)


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



def build_catalog(
    root: Path,
    patterns: tuple[str, ...],
    timezone: str,
    cache: BuildCache,
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
    # The cache's rows are walked with the scan, both in path order: a row
    # (a plain tuple in SeedRow's field order: 100,000 dataclass instances
    # would cost a warm build more than everything else it does) is read
    # when its seed comes up and dropped once its Listing is made. Every row
    # at once would take 800 MB at 1,000,000 seeds.
    cached = _CachedRows(cache.seed_batches(_RUN))
    # With nothing cached (a cold build) a stat serves only the new cache
    # rows: the workers take it, in parallel, rather than the scan up front.
    scanned = files is None
    scan = scan_seed_files(root, patterns, with_stat=cached.any) if files is None else files
    links = scan.links
    catalog.read = len(scan.files)
    catalog.warnings.extend(scan.warnings)
    cut = display_cut(root)
    folder = str(root)
    want_stat = not cached.any and cache.enabled
    topic_tuples = _TopicTuples()
    # First pass: per seed, what its cached row says (its Listing, or a
    # _Noted), and the seeds the cache does not answer for, to read. Of a
    # seed to read, what the row says is kept for when its bytes turn out
    # unchanged. A run of seeds the cache answers for takes no Python call
    # per seed (_answered_run); the others, a seed at a time.
    outcomes: list[Listing | _Noted | None] = []
    to_read = bytearray(len(scan.files))
    tasks: list[tuple[str, str, int, str | None, str, bool, bool]] = []
    for start in range(0, len(scan.files), _RUN):
        run = scan.files[start:start + _RUN]
        rows = cached.take_run(list(map(itemgetter(0), run)))
        answered = _answered_run(run, rows, links, cut, topic_tuples)
        if answered is not None:
            outcomes += answered
            continue
        for index, (path, stat), row in zip(count(start), run, rows):
            outcomes.append(None if row is None else _outcome(row, path[cut:], topic_tuples))
            if not _answers(row, stat, path, links):
                # A link's hash says nothing of where it leads: parse it again.
                hash_ = row[5] if row is not None and path not in links else None
                # The shown path is cut in the worker: a task per seed of a cold
                # build lives until its result is taken.
                tasks.append((path, folder, cut, hash_, timezone, cache.enabled, want_stat))
                to_read[index] = 1
    gone = cached.rest()  # every row is read before the cache is written to
    done = len(scan.files) - len(tasks)
    # Second pass, in file order: a seed to read takes the next result
    # (tasks are in file order too).
    results = iter(_run(tasks, jobs))
    listings = []
    for index, outcome in enumerate(outcomes):
        if to_read[index]:
            path, stat = scan.files[index]
            result = next(results)
            if result[0] == "same":  # only with a known hash, so the scan took the stat
                cache.restat_seed((*stat, path))
            else:
                # A SeedRow, as the plain tuple sqlite takes: the stats the
                # worker took, or the scan's when it took them.
                row = (path,) + (result[3:] if stat is None else stat + result[7:])
                if result[1]:
                    cache.put_seed(row, result[2])
                else:
                    cache.forget_seed(path)  # not the seed's content: read it again next time
                outcome = _outcome(row, path[cut:], topic_tuples)
                if scanned and stat is None:
                    # The workers took the stats this scan left out; the files' digest needs them.
                    scan.files[index] = (path, row[1:5])
                catalog.parsed += 1
            done += 1
            if progress is not None:
                progress(done, len(scan.files))
        if type(outcome) is Listing:
            listings.append(outcome)
        else:
            _add_noted(catalog, listings, outcome)  # type: ignore[arg-type]
    outcomes = []
    if next(results, None) is not None:  # also lets the worker pool shut down now
        raise RuntimeError("more results than seeds to parse")
    cache.finish_seeds(set(gone))
    if scanned:
        catalog.files_digest = scan.digest()
    if keep_duplicates:
        catalog.listings = listings
    else:
        catalog.listings, dropped = deduplicate(listings)
        catalog.duplicates = len(dropped)
        catalog.warnings.extend(dropped)
    _sort_newest_first(catalog.listings)
    return catalog


def _sort_newest_first(listings: list[Listing]) -> None:
    """Sort ``listings`` in place in Listing.sort_key's order (newest first,
    then by id), by two stable sorts on C-level keys: calling a method per
    Listing costs 100,000 seeds 50 ms."""
    listings.sort(key=itemgetter(0))  # id
    listings.sort(key=itemgetter(1), reverse=True)  # published_ts


def _answers(row: tuple | None, stat: StatKey | None, path: str, links: dict[str, str]) -> bool:
    """Whether the cache's ``row`` answers for the seed at ``path``: its stat
    is the one the row was made with, and it is not a link (whose hash says
    nothing of where it leads)."""
    return row is not None and row[1:5] == stat and path not in links


class _Noted(NamedTuple):
    """A seed with warnings or an error, as the catalog lists it: its Listing
    (None when it failed) and its messages, as the cache keeps them (JSON)."""

    listing: Listing | None
    source: str
    warnings: str
    error: str | None


class _TopicTuples(dict):
    """The topics column of a row (names joined by TOPIC_SEPARATOR) -> its
    tuple of names: one tuple, and one str per name, shared by all Listings
    with those topics."""

    def __missing__(self, topics: str) -> tuple[str, ...]:
        names = self[topics] = tuple(topics.split(TOPIC_SEPARATOR)) if topics else ()
        return names


def _answered_run(run: list[tuple[str, StatKey | None]], rows: list[tuple | None], links: dict[str, str], cut: int,
                  topic_tuples: _TopicTuples) -> list[Listing] | None:
    """The Listings of a ``run`` of seeds (path and stat) whose cached
    ``rows`` answer for every one, none with warnings or an error: the usual
    case of a warm build. None for any other run, to take a seed at a time.
    Column by column: the row-at-a-time way
    (:func:`_outcome`) costs 10,000 seeds ~5 ms more."""
    if None in rows or (links and not links.keys().isdisjoint(map(itemgetter(0), run))):
        return None
    if list(map(_STAT, rows)) != list(map(itemgetter(1), run)):
        return None
    if list(map(_WARNINGS, rows)).count("[]") != len(rows) or list(map(_ERROR, rows)).count(None) != len(rows):
        return None
    ids, published_ts, updated_ts, published, quality, topics, digests = zip(*map(_LISTING, rows))
    columns = zip(ids, published_ts, updated_ts, map(eq, published, repeat(1)), quality,
                  map(topic_tuples.__getitem__, topics), [path[cut:] for path, _ in run], digests)
    return list(map(Listing._make, columns))


def _outcome(row: tuple, source: str, topic_tuples: _TopicTuples) -> Listing | _Noted:
    """What a seed's row (SeedRow's fields) lists: its Listing, or a _Noted
    when it has warnings or an error."""
    (_, _, _, _, _, _, id_, published_ts, updated_ts, published, quality, topics, digest, warnings, error) = row
    listing = None
    if error is None:
        listing = Listing(id_, published_ts, updated_ts, published == 1, quality, topic_tuples[topics], source, digest)
        if warnings == "[]":
            return listing
    return _Noted(listing, source, warnings, error)


def _add_noted(catalog: Catalog, listings: list[Listing], noted: _Noted) -> None:
    for message, line in json.loads(noted.warnings):
        catalog.warnings.append(SeedWarning(noted.source, message, line))
    if noted.error is not None:
        message, line = json.loads(noted.error)
        catalog.errors.append(SeedError(noted.source, message, line))
    else:
        listings.append(noted.listing)  # type: ignore[arg-type]


class _CachedRows:
    """The cache's seed rows (BuildCache.seed_batches), taken in path order
    along with a scan in the same order, a run of paths at a time. At most
    two batches of rows are held."""

    def __init__(self, batches: Iterator[list[tuple]]) -> None:
        self._gone: list[str] = []
        self._batches = batches
        self._rows: list[tuple] = next(self._batches, [])
        self._at = 0  # the next row is self._rows[self._at]
        self.any = bool(self._rows)

    def take_run(self, paths: list[str]) -> list[tuple | None]:
        """The row of each of ``paths`` (None where the cache has none);
        paths must come in increasing order, across calls too. Rows passed
        over are of seeds no longer there."""
        if not self.any:  # a cold build
            return [None] * len(paths)
        if len(self._rows) - self._at < len(paths):
            # Room for the run (the rows of a warm build are the scan's paths):
            # what is left of this batch, and the next.
            self._rows = self._rows[self._at:] + next(self._batches, [])
            self._at = 0
        ahead = self._rows[self._at:self._at + len(paths)]
        if list(map(itemgetter(0), ahead)) == paths:  # the usual case: a row for each, and no other
            self._at += len(paths)
            return ahead
        return [self._take(path) for path in paths]

    def _take(self, path: str) -> tuple | None:
        while True:
            if self._at == len(self._rows):
                self._rows, self._at = next(self._batches, []), 0
                if not self._rows:
                    return None
            row = self._rows[self._at]
            if row[0] > path:
                return None
            self._at += 1
            if row[0] == path:
                return row
            self._gone.append(row[0])

    def rest(self) -> list[str]:
        """The paths of every row not taken: seeds no longer there."""
        self._gone.extend(row[0] for row in self._rows[self._at:])
        for batch in self._batches:
            self._gone.extend(row[0] for row in batch)
        self._rows, self._at = [], 0
        return self._gone


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



def _run(tasks: list, jobs: int) -> Iterable[tuple]:
    """Results of :func:`load_task` for every task, in order."""
    return ordered_map(load_task, tasks, jobs, PARALLEL_MIN_SEEDS)


def load_task(task: tuple[str, str, int, str | None, str, bool, bool]) -> tuple:
    """Worker: read one seed, and unless its hash is ``known``, normalize it.
    Messages show its path without its first ``cut`` characters.

    Returns ("same", hash) or ("new", whether the result may be cached (not
    when reading failed, which says nothing of the seed's bytes), record
    JSON, then a SeedRow's fields but its path: size, mtime_ns, ctime_ns and
    inode if asked for (else zeros), hash, the listing columns, warnings
    JSON, error JSON). One flat tuple: nested ones cost a worker's pickling
    half as much again, and the build's unpickling a third. Runs in worker
    processes: everything in and out is plain data.
    """
    global _worker
    if _worker is None:
        _worker = _WorkerModules()
    w = _worker
    path, root, cut, known, timezone, want_record, want_stat = task
    display = path[cut:]
    try:
        raw, info = w.read_seed_file(path, root, display)
    except SeedError as error:
        taken = _stat_of(path) if want_stat else NO_STAT
        lasting = not isinstance(error, w.SeedReadError)  # "file too large" is about the bytes
        return ("new", lasting, None, *taken, "", *_NO_LISTING, "[]", dumps([error.message, error.line]))
    # Taken before reading, as the scan's would be: a seed changed meanwhile
    # is read again next time.
    taken = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino) if want_stat else NO_STAT
    digest = blake2b(raw, digest_size=16).hexdigest()
    if digest == known:
        return ("same", digest)
    try:
        article, warnings = w.load_bytes(raw, display, w.zone(timezone))
    except SeedError as error:
        return ("new", True, None, *taken, digest, *_NO_LISTING, "[]", dumps([error.message, error.line]))
    except Exception as error:  # one seed must never stop the build
        message = f"unexpected {type(error).__name__}: {str(error)[:200]}"
        return ("new", True, None, *taken, digest, *_NO_LISTING, "[]", dumps([message, None]))
    # Without a cache the record is not needed; its digest still is (it names the
    # content in feed fingerprints), so it is computed either way.
    record = w.article_to_record(article)
    notes = dumps([[warning.message, warning.line] for warning in warnings]) if warnings else "[]"
    return ("new", True, record if want_record else None, *taken, digest, article.id,
            int(article.published_at.timestamp()), int(article.updated_at.timestamp()), int(article.published),
            article.quality, TOPIC_SEPARATOR.join(article.topics), w.record_digest(record), notes, None)


def _stat_of(path: str) -> tuple[int, int, int, int]:
    """(size, mtime_ns, ctime_ns, inode) as the scan would take them; zeros
    when it cannot be taken, which only makes the next build read the seed
    again."""
    try:
        return stat_key(os.stat(path))
    except OSError:
        return NO_STAT


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



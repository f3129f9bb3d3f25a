"""Finding seed files, and what the build stamps its cache with."""

import fnmatch
import os
import sys
import tracemalloc
from importlib import metadata

import pytest

from feedpub.build_cache import BuildCache
from feedpub.cache import Cache
from feedpub.catalog import build_catalog
from feedpub.errors import SeedWarning
from feedpub.model import Listing
from feedpub.scan import files_digest, scan_seed_files

from conftest import article_fields, write_seed

from feedpub import build_cache


def reference_scan(root, patterns):
    """What scan_seed_files must find, by os.walk and fnmatch: visible files
    matching a pattern (case-sensitively), in visible folders, sorted by
    relative POSIX path."""
    found = []
    for folder, folders, files in os.walk(root):
        folders[:] = [name for name in folders if not name.startswith(".")]
        for name in files:
            if not name.startswith(".") and any(fnmatch.fnmatchcase(name, p) for p in patterns):
                path = os.path.join(folder, name)
                found.append((os.path.relpath(path, root).replace(os.sep, "/"), path))
    return [path for _, path in sorted(found)]


@pytest.fixture
def tree(tmp_path):
    for name in ["b.txt", "a.md", "a.TXT", "notes.txt.bak", ".hidden.txt", "a-b.txt", "sub/z.txt", "sub/deeper/y.md",
                 "sub.txt", ".git/x.txt", "sub/.cache/w.txt", "other/c.yaml", "other/q.txt"]:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    return tmp_path


@pytest.mark.parametrize("patterns", [("*.txt", "*.md"), ("*.txt",), ("[ab].*", "*.y?ml"), ("*",)])
def test_the_scan_finds_what_a_walk_with_fnmatch_finds_in_its_order(tree, patterns):
    found = scan_seed_files(tree, patterns).files
    assert [path for path, _ in found] == reference_scan(tree, patterns)
    assert all(stat[0] == 1 for _, stat in found)  # (size, mtime_ns, ctime_ns, inode)


def test_seeds_in_a_subfolder_sort_by_their_relative_path(tree):
    relative = [os.path.relpath(path, tree) for path, _ in scan_seed_files(tree, ("*.txt",)).files]
    # "-" < "." < "/" in ASCII: a-b.txt, b.txt, other/q.txt, sub.txt, sub/z.txt
    assert relative == ["a-b.txt", "b.txt", "other/q.txt", "sub.txt", "sub/z.txt"]


def test_the_scan_keeps_four_numbers_a_seed_not_its_stat(tmp_path):
    """A scan of 1,000,000 seeds lives through a whole build: per seed it keeps
    the path and the (size, mtime_ns, ctime_ns, inode) the cache compares, not
    an os.stat_result of twenty fields, and it never holds one per seed."""
    for n in range(1000):
        (tmp_path / f"{n:06d}_5f2c9a0d1e7b3c48.txt").write_text("x" * n)
    tracemalloc.start()
    try:
        scan = scan_seed_files(tmp_path, ("*.txt",))
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    needed = 0
    for path, stat in scan.files:
        info = os.lstat(path)
        numbers = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
        assert stat == numbers
        # the path, the (path, numbers) pair, the numbers, the list's slot
        needed += sys.getsizeof(path) + sys.getsizeof((path, numbers)) + sys.getsizeof(numbers) + 8
        needed += sum(sys.getsizeof(number) for number in numbers)
    assert kept <= 1.5 * needed  # an os.stat_result alone would be 2x
    assert peak <= 2 * needed


def test_the_files_digest_tells_apart_every_path_number_and_order():
    """Whatever differs between two scans (a path, one of a seed's numbers
    however large, the order, a link, a skipped file) gives another digest."""
    first, second = ("/s/a.txt", (1, 2, 3, 4)), ("/s/b.txt", (5, 6, 7, 8))
    scans = [
        ([first, second], {}, []),
        ([second, first], {}, []),
        ([first], {}, []),
        ([("/s/a.txt", (1, 2, 3, 5)), second], {}, []),
        ([("/s/a.txt", (1, 2, 3, 2**64 - 1)), second], {}, []),  # an inode past 2**63
        ([("/s/a.txt", (1, 2, 3, 2**64 - 2)), second], {}, []),
        ([("/s/a.txt", (-1, 2, 3, 4)), second], {}, []),
        ([("/s/a.txtq", (1, 2, 3, 4)), second], {}, []),
        ([first, ("/s/b.txt", None)], {}, []),
        ([first, second], {"/s/b.txt": "/s/c.txt"}, []),
        ([first, second], {}, [SeedWarning("/s/c.txt", "skipped")]),
    ]
    digests = {files_digest(files, links, warnings) for files, links, warnings in scans}
    assert len(digests) == len(scans)
    assert files_digest([first, second], {}, []) == files_digest([first, second], {}, [])


def test_library_versions_match_importlib_metadata():
    expected = []
    for name in build_cache.LIBRARIES:
        try:
            expected.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            expected.append(f"{name}=none")
    assert build_cache._library_versions() == ",".join(expected)


def test_listings_come_newest_first_then_by_link(tmp_path):
    # Few distinct dates, links out of file order: ties decide most places.
    for n in range(60):
        fields = article_fields(n, webUrl=f"https://news.example.com/{(n * 37) % 60}",
                                publishedDateTime=f"2024-01-0{n % 3 + 1}T00:00:00Z")
        write_seed(tmp_path, f"{n:02d}.txt", **fields)
    listings = build_catalog(tmp_path, ("*.txt",), "UTC", BuildCache(None), 1).listings
    assert len(listings) == 60
    assert listings == sorted(listings, key=Listing.sort_key)
    assert listings != sorted(listings, key=lambda item: (item.published_ts, item.id))


def traced(action):
    """What ``action()`` returns, the bytes it leaves allocated and its peak."""
    tracemalloc.start()
    try:
        result = action()
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, kept, peak


def test_an_edit_build_never_holds_every_cache_row(tmp_path):
    """At 1,000,000 seeds an edit build held every cache row (800 MB) next
    to the scan and the Listings: the rows are now read along with the scan,
    each dropped once its Listing is made, so the peak is about what the
    catalog keeps."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for n in range(1000):
        write_seed(seeds, f"{n:04d}.txt", **article_fields(n))
    cache = BuildCache(Cache(tmp_path / "cache", "settings"))
    build_catalog(seeds, ("*.txt",), "UTC", cache, 1)
    os.utime(seeds / "0005.txt", ns=(1, 1))
    build_catalog(seeds, ("*.txt",), "UTC", cache, 1)  # what parsing imports is not counted
    os.utime(seeds / "0006.txt", ns=(1, 1))
    _, rows, _ = traced(lambda: [row for batch in cache.seed_batches(100) for row in batch])
    scan = scan_seed_files(seeds, ("*.txt",))  # as a warm build gives it
    catalog, kept, peak = traced(lambda: build_catalog(seeds, ("*.txt",), "UTC", cache, 1, files=scan))
    assert len(catalog.listings) == 1000
    assert peak <= kept + rows / 8  # every row at once: kept + rows / 2


def test_new_stats_of_unchanged_seeds_are_written_in_batches(tmp_path):
    """A fresh checkout gives every seed a new mtime and the same bytes: its
    new stats must not pile up in memory until the end of the catalog."""
    from feedpub.build_cache import SEED_BATCH

    class Recorder:
        def __init__(self):
            self.batches = []

        def put_seeds(self, rows, records, failed):
            self.batches.append(len(list(rows)))

        def restat(self, rows):
            self.batches.append(len(list(rows)))

    recorder = Recorder()
    cache = BuildCache(recorder)
    for n in range(2 * SEED_BATCH + 1):
        cache.restat_seed((1, 2, 3, 4, f"/seeds/{n}.txt"))
    cache.finish_seeds(set())
    assert sum(recorder.batches) == 2 * SEED_BATCH + 1
    assert max(recorder.batches) <= SEED_BATCH


def test_a_warm_catalog_lists_what_a_catalog_without_the_cache_lists(tmp_path, monkeypatch):
    """Runs of seeds that the cache answers for, none with notes, are listed
    column by column (catalog._answered_run); a run with a seed to read, a
    link, a warning or an error is taken a seed at a time. Both ways list what
    a catalog without the cache lists, and the clean runs make no call per seed."""
    from feedpub import catalog

    seeds = tmp_path / "seeds"
    count = 6 * catalog._RUN
    for n in range(count):
        write_seed(seeds, f"{n:04d}.txt", **article_fields(n, topics=["AI", f"Topic {n % 5}"][: n % 3]))
    first, third = catalog._RUN, 3 * catalog._RUN  # runs 1 and 3 hold every seed that is not plain
    write_seed(seeds, f"{first + 1:04d}.txt", **article_fields(first + 1, quality=150))  # a warning
    write_seed(seeds, f"{first + 2:04d}.txt", **article_fields(first + 2, title=["not", "a", "title"]))  # an error
    os.symlink(seeds / f"{third:04d}.txt", seeds / f"{third:04d}-link.txt")  # a duplicate, and a link
    cache = BuildCache(Cache(tmp_path / "cache", "settings"))
    build_catalog(seeds, ("*.txt",), "UTC", cache, 1)
    write_seed(seeds, f"{third + 3:04d}.txt", **article_fields(third + 3, title="Edited"))
    os.utime(seeds / f"{third + 4:04d}.txt", ns=(1, 1))  # touched: hashed, not parsed
    expected = build_catalog(seeds, ("*.txt",), "UTC", BuildCache(None), 1)
    calls = []
    outcome = catalog._outcome
    monkeypatch.setattr(catalog, "_outcome", lambda *args: calls.append(args) or outcome(*args))
    warm = build_catalog(seeds, ("*.txt",), "UTC", cache, 1, files=scan_seed_files(seeds, ("*.txt",)))
    assert expected.errors and expected.duplicates == 1 and len(expected.warnings) == 2
    assert (warm.listings, warm.warnings, list(map(str, warm.errors)), warm.duplicates) == (
        expected.listings, expected.warnings, list(map(str, expected.errors)), expected.duplicates)
    assert warm.parsed == 2  # the link and the edited seed
    assert 0 < len(calls) <= 2 * catalog._RUN + 2  # runs 1 and 3 only, a call per seed (and per seed parsed)


@pytest.mark.parametrize("size", [1, 3, 10, 64])
def test_cached_rows_are_taken_by_path_across_batches_and_runs(size):
    """Rows come in batches of ``size``, paths in runs of 10: each path gets
    its row or None, and rows no path took are the seeds gone."""
    from feedpub.catalog import _CachedRows

    rows = [(f"/seeds/{n:03d}.txt", n) for n in range(100) if n % 7]
    paths = [f"/seeds/{n:03d}.txt" for n in range(105) if n % 5]
    cached = _CachedRows(iter([rows[start:start + size] for start in range(0, len(rows), size)]))
    taken = [row for start in range(0, len(paths), 10) for row in cached.take_run(paths[start:start + 10])]
    by_path = dict((row[0], row) for row in rows)
    assert taken == [by_path.get(path) for path in paths]
    assert cached.rest() == sorted(set(by_path) - set(paths))


@pytest.mark.parametrize("times", [3, 5000, 10**6])
def test_listings_sort_newest_first_as_two_stable_sorts_do(times):
    """_sort_newest_first sorts runs of equal times by id: with few times
    (most Listings share one) it sorts every id first instead. Either way the
    order is that of a stable sort by id, then by time, newest first; Listings
    equal in both (duplicates kept) stay in their order."""
    import random

    from feedpub.catalog import _sort_newest_first

    rng = random.Random(times)
    listings = [Listing(f"https://x.example/{rng.randrange(400)}", rng.randrange(times), 0, True, 80, (),
                        f"{n}.txt", "") for n in range(2000)]
    expected = sorted(sorted(listings, key=lambda item: item.id), key=lambda item: -item.published_ts)
    _sort_newest_first(listings)
    assert [item.source for item in listings] == [item.source for item in expected]

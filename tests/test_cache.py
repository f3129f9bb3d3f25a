"""The incremental cache and parallel loading never change the output."""

import importlib
import os
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

from feedpub import build
from feedpub.cache import CACHE_FILE
from feedpub.errors import FeedpubWarning
from feedpub.catalog import PARALLEL_MIN_SEEDS

build_module = importlib.import_module("feedpub.build")  # `feedpub.build` is the function

from conftest import article_fields, feed_files, make_config, write_seed

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
from generate_seeds import BAD_SEEDS, generate  # noqa: E402


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Enough seeds for worker processes to be used, some broken, some duplicated."""
    seeds = tmp_path_factory.mktemp("corpus") / "seeds"
    generate(PARALLEL_MIN_SEEDS + 50, seeds, seed=11)
    for n, text in enumerate(BAD_SEEDS):
        (seeds / f"bad_{n}.txt").write_text(text, encoding="utf-8")
    return seeds


def build_into(tmp_path: Path, seeds: Path, **overrides):
    config = make_config(tmp_path, **overrides)
    config = type(config)(**{**{f: getattr(config, f) for f in config.__slots__}, "seeds": seeds})
    return config, build(config)


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory):
    config, report = build_into(tmp_path_factory.mktemp("reference"), corpus, jobs=1, cache=False)
    assert report.invalid == len(BAD_SEEDS) and report.duplicates > 0
    return feed_files(config.out), report


@pytest.mark.parametrize("jobs", [1, 2, 3])
@pytest.mark.parametrize("cache", [False, True])
def test_identical_output_for_any_jobs_with_and_without_cache(corpus, reference, tmp_path, jobs, cache):
    config, report = build_into(tmp_path, corpus, jobs=jobs, cache=cache)
    assert feed_files(config.out) == reference[0]
    assert [str(e) for e in report.errors] == [str(e) for e in reference[1].errors]
    assert [str(w) for w in report.warnings] == [str(w) for w in reference[1].warnings]


def test_feeds_rendered_in_worker_processes_are_the_same_bytes(corpus, reference, tmp_path, monkeypatch):
    import feedpub.parallel

    used = []
    real = feedpub.parallel.ordered_map

    def spy(function, tasks, processes, minimum, **options):
        used.append((function, tasks, processes))
        return real(function, tasks, processes, minimum, **options)

    monkeypatch.setattr(feedpub.parallel, "ordered_map", spy)
    config, _ = build_into(tmp_path, corpus, jobs=2, cache=True)
    renders = [(sum(len(run) for _, run in tasks), processes)
               for function, tasks, processes in used if function.__name__ == "_render_run"]
    assert renders and renders[0][0] >= build_module.PARALLEL_MIN_FEEDS and renders[0][1] == 2
    assert feed_files(config.out) == reference[0]


def forget_last_build(config) -> None:
    """Drop the snapshot of the last build (snapshot.py), so that the next
    build reads the cached seed rows instead of replaying its report."""
    with sqlite3.connect(config.cache_dir / CACHE_FILE) as db:
        db.execute("DELETE FROM builds")


@pytest.mark.parametrize("snapshot", [True, False], ids=["replayed", "from seed rows"])
def test_a_warm_build_parses_and_renders_nothing(corpus, reference, tmp_path, snapshot):
    config, first = build_into(tmp_path, corpus)
    assert first.parsed == first.read
    if not snapshot:
        forget_last_build(config)
    config, second = build_into(tmp_path, corpus)
    assert (second.parsed, second.rendered, second.written) == (0, 0, [])
    assert [str(w) for w in second.warnings] == [str(w) for w in first.warnings]  # warnings are kept too
    assert [str(e) for e in second.errors] == [str(e) for e in first.errors]
    assert feed_files(config.out) == reference[0]


def test_one_edited_seed_is_parsed_again_and_only_its_feeds_rendered(tmp_path):
    seeds = tmp_path / "seeds"
    for n in range(1, 6):
        write_seed(seeds, f"{n}.txt", **article_fields(n, topics=["AI"] if n % 2 else ["Robotics"]))
    config, _ = build_into(tmp_path, seeds)
    write_seed(seeds, "2.txt", **article_fields(2, topics=["Robotics"], title="Edited"))
    _, report = build_into(tmp_path, seeds)
    assert report.parsed == 1
    assert sorted(report.written) == sorted(
        [f"{base}{suffix}" for base in ("all", "topics/robotics") for suffix in (".rss.xml", ".atom.xml", ".json")]
        + ["index.html"])
    assert report.rendered == len(report.written)  # nothing else was rendered


def test_a_build_partly_from_the_cache_reports_in_seed_order(corpus, tmp_path):
    # Cached seeds are taken before parsed ones; messages must still come in
    # seed path order, as from a build that parses everything.
    seeds = tmp_path / "seeds"
    shutil.copytree(corpus, seeds)
    config, _ = build_into(tmp_path / "cached", seeds)
    every = sorted(seeds.iterdir())
    edited = every[::37] + [path for path in every if path.name.startswith("bad_")][::2]  # broken ones too
    for path in edited:
        path.write_bytes(path.read_bytes() + b"\n")
    forget_last_build(config)
    _, mixed = build_into(tmp_path / "cached", seeds)
    _, fresh = build_into(tmp_path / "fresh", seeds, cache=False)
    assert 0 < mixed.parsed < mixed.read
    assert [str(e) for e in mixed.errors] == [str(e) for e in fresh.errors]
    assert [str(w) for w in mixed.warnings] == [str(w) for w in fresh.warnings]
    assert any(path.name.startswith("bad_") for path in edited) and len(mixed.errors) > 1


def test_a_touched_seed_is_hashed_not_parsed(tmp_path):
    seeds = tmp_path / "seeds"
    path = write_seed(seeds, "1.txt", **article_fields(1))
    build_into(tmp_path, seeds)
    os.utime(path, ns=(1, 1))  # as after a fresh checkout: new mtime, same bytes
    _, report = build_into(tmp_path, seeds)
    assert report.parsed == 0


def test_seeds_in_any_order_of_names_are_answered_by_the_cache(tmp_path):
    """The cache's rows are read in path order along with the scan: names
    that sort around folders, non-ASCII names and names that are not UTF-8
    (kept under escaped keys) are all found."""
    seeds = tmp_path / "seeds"
    names = ["a.txt", "a-b.txt", "sub/z.txt", "sub.txt", "é.txt", "🔥.txt", "Z.txt",
             os.fsdecode(b"caf\xe9.txt"), os.fsdecode(b"b\xff.txt"), "sub/" + os.fsdecode(b"\xfe.txt")]
    for n, name in enumerate(names):
        write_seed(seeds, name, **article_fields(n))
    _, cold = build_into(tmp_path, seeds)
    assert cold.read == len(names) and cold.parsed == len(names)
    os.utime(seeds / "a.txt", ns=(1, 1))  # not the last build's files: no answer from its snapshot
    _, warm = build_into(tmp_path, seeds)
    assert warm.read == len(names) and warm.parsed == 0
    (seeds / "sub.txt").unlink()
    config, fewer = build_into(tmp_path, seeds)
    assert fewer.read == len(names) - 1 and fewer.parsed == 0
    with sqlite3.connect(config.cache_dir / CACHE_FILE) as db:  # the gone seed's row, and only it, is dropped
        assert db.execute("SELECT count(*) FROM seeds").fetchone()[0] == len(names) - 1
        assert db.execute("SELECT count(*) FROM records").fetchone()[0] == len(names) - 1  # and its record


@pytest.mark.parametrize("damage", ["garbage", "truncated", "bad record", "bad row"])
def test_a_damaged_cache_is_detected_and_never_trusted(corpus, reference, tmp_path, damage):
    config, _ = build_into(tmp_path, corpus)
    database = config.cache_dir / CACHE_FILE
    if damage == "garbage":
        database.write_bytes(b"this is not a database" * 100)
    elif damage == "truncated":
        database.write_bytes(database.read_bytes()[: database.stat().st_size // 3])
    else:
        with sqlite3.connect(database) as db:
            if damage == "bad record":
                db.execute("UPDATE records SET record = '[1, \"evil\"]'")
            else:
                db.execute("UPDATE seeds SET topics = 123, published = 'x', id = NULL")
    for path in config.out.rglob("*.*"):
        if not path.name.startswith("."):
            path.unlink()  # every feed must be rendered from what the cache gives
    config, report = build_into(tmp_path, corpus)
    assert feed_files(config.out) == reference[0]


def test_settings_that_change_articles_invalidate_the_cache(tmp_path):
    seeds = tmp_path / "seeds"
    write_seed(seeds, "1.txt", text="---\ntitle: T\nwebUrl: https://x.example/\npublishedDateTime: 2024-01-01 10:00\n"
                                     "published: true\n---\n")
    build_into(tmp_path, seeds)
    _, report = build_into(tmp_path, seeds, timezone="Asia/Tokyo")
    assert report.parsed == 1
    assert b"2024-01-01T01:00:00Z" in (tmp_path / "feeds" / "all.atom.xml").read_bytes()


def test_a_file_changed_by_hand_is_rendered_again(tmp_path):
    seeds = tmp_path / "seeds"
    write_seed(seeds, "1.txt", **article_fields(1))
    config, _ = build_into(tmp_path, seeds)
    original = (config.out / "all.rss.xml").read_bytes()
    (config.out / "all.rss.xml").write_text("vandalized")
    _, report = build_into(tmp_path, seeds)
    assert report.written == ["all.rss.xml"]
    assert (config.out / "all.rss.xml").read_bytes() == original


def test_no_cache_writes_no_cache(tmp_path):
    seeds = tmp_path / "seeds"
    write_seed(seeds, "1.txt", **article_fields(1))
    config, _ = build_into(tmp_path, seeds, cache=False)
    assert not config.cache_dir.exists()


def test_malformed_warnings_or_errors_in_the_cache_are_not_trusted(corpus, reference, tmp_path):
    config, _ = build_into(tmp_path, corpus)
    with sqlite3.connect(config.cache_dir / CACHE_FILE) as db:
        db.execute("UPDATE seeds SET warnings = '{oops', error = CASE WHEN error IS NULL THEN NULL ELSE '[1]' END")
    forget_last_build(config)
    config, report = build_into(tmp_path, corpus)
    assert report.parsed == report.read
    assert feed_files(config.out) == reference[0]



@pytest.mark.parametrize("value", ["'x' || {0}", "CAST({0} AS BLOB)"])
def test_a_stat_or_hash_of_another_type_in_the_cache_answers_for_no_seed(corpus, reference, tmp_path, value):
    """Their types are not checked when rows are read: such a row only fails to
    match, and the seed is read again (parsed, since the hash fails too)."""
    config, _ = build_into(tmp_path, corpus)
    columns = ("size", "mtime_ns", "ctime_ns", "inode", "hash")
    with sqlite3.connect(config.cache_dir / CACHE_FILE) as db:
        db.execute("UPDATE seeds SET " + ", ".join(f"{column} = {value.format(column)}" for column in columns))
    forget_last_build(config)
    config, report = build_into(tmp_path, corpus)
    assert report.parsed == report.read
    assert feed_files(config.out) == reference[0]


@pytest.mark.parametrize("value", ["CAST(digest AS BLOB)", "NULL"])  # the TEXT column makes a number text
def test_a_digest_of_another_type_in_the_cache_is_a_malformed_row(corpus, reference, tmp_path, value):
    """The digest keys the items a build copies from its old feeds, so a row
    whose digest is not text is malformed: its seed is read again, and the
    feeds come out the same bytes."""
    config, first = build_into(tmp_path, corpus)
    with sqlite3.connect(config.cache_dir / CACHE_FILE) as db:
        db.execute(f"UPDATE seeds SET digest = {value} WHERE error IS NULL")
    forget_last_build(config)
    config, report = build_into(tmp_path, corpus)
    assert report.parsed == first.read - first.invalid
    assert report.written == [] and feed_files(config.out) == reference[0]


def test_rows_left_out_for_a_whole_batch_do_not_end_the_rows(tmp_path):
    """A batch of rows that are all malformed is left out whole: the rows
    after it still answer for their seeds."""
    from feedpub.catalog import _RUN

    seeds = tmp_path / "seeds"
    for n in range(_RUN + 10):
        write_seed(seeds, f"{n:03d}.txt", **article_fields(n))
    config, _ = build_into(tmp_path, seeds)
    with sqlite3.connect(config.cache_dir / CACHE_FILE) as db:
        db.execute("UPDATE seeds SET warnings = '{oops' WHERE path IN (SELECT path FROM seeds ORDER BY path LIMIT ?)",
                   (_RUN,))
    forget_last_build(config)
    _, report = build_into(tmp_path, seeds)
    assert report.parsed == _RUN

def test_a_new_version_of_a_library_invalidates_the_cache(tmp_path, monkeypatch):
    seeds = tmp_path / "seeds"
    write_seed(seeds, "1.txt", **article_fields(1))
    build_into(tmp_path, seeds)
    _, report = build_into(tmp_path, seeds)
    assert (report.parsed, report.rendered) == (0, 0)
    monkeypatch.setattr(importlib.import_module("feedpub.build_cache"), "_library_versions", lambda: "feedgen=99")
    _, report = build_into(tmp_path, seeds)
    assert report.parsed == 1 and report.rendered > 0


def test_an_unusable_cache_folder_means_a_build_without_cache(tmp_path):
    seeds = tmp_path / "seeds"
    write_seed(seeds, "1.txt", **article_fields(1))
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    with pytest.warns(FeedpubWarning, match=f"cache_dir {blocker} is not a folder: building without the cache"):
        config, report = build_into(tmp_path, seeds, cache_dir=blocker)
    assert report.counts.passed == 1 and (config.out / "all.rss.xml").exists()


def _bytes_read() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar in /proc/self/io")


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="counts bytes read with Linux's /proc/self/io")
def test_walking_the_seed_rows_reads_none_of_the_records(tmp_path):
    """An edit build walks every seed row; the Article records, most of the
    file, are not needed for that and must not be read along with the rows."""
    from feedpub.cache import Cache

    seeds = tmp_path / "seeds"
    for n in range(300):
        write_seed(seeds, f"{n}.txt", **article_fields(n, excerpt=f"Excerpt {n} " + "long text " * 200))
    config, _ = build_into(tmp_path, seeds)
    settings = sqlite3.connect(config.cache_dir / CACHE_FILE).execute(
        "SELECT value FROM meta WHERE key = 'stamp'").fetchone()[0].split("/", 3)[3]
    cache = Cache(config.cache_dir, settings)  # a new connection: nothing in sqlite's own page cache
    before = _bytes_read()
    rows = [row for batch in cache.seed_batches(100) for row in batch]
    walked = _bytes_read() - before
    records = dict(cache.records([row[0] for row in rows]))
    cache.close()
    assert len(rows) == len(records) == 300
    assert walked < sum(len(record) for record in records.values()) / 4


def test_a_seed_that_fails_now_leaves_no_record_of_its_article(tmp_path):
    seeds = tmp_path / "seeds"
    for n in range(3):
        write_seed(seeds, f"{n}.txt", **article_fields(n))
    config, _ = build_into(tmp_path, seeds)
    write_seed(seeds, "1.txt", text="---\ntitle: [unclosed\n---\n")
    _, report = build_into(tmp_path, seeds)
    assert len(report.errors) == 1
    with sqlite3.connect(config.cache_dir / CACHE_FILE) as db:
        kept = {Path(path).name for (path,) in db.execute("SELECT path FROM records")}
        rows = db.execute("SELECT count(*) FROM seeds").fetchone()[0]
    assert (kept, rows) == ({"0.txt", "2.txt"}, 3)


def test_a_cold_fill_writes_many_rows_per_statement_and_reads_them_all_back(tmp_path):
    """Seed rows go in by multi-row INSERTs (a statement per row costs a cold
    build a quarter more); every row comes back as it was given, with or
    without an error, whatever its path's encoding."""
    from feedpub.cache import Cache, SeedRow

    cache = Cache(tmp_path / "cache", "settings")
    rows, records = [], []
    for n in range(100):
        path = str(tmp_path / (f"{n:03d}-\udcff.txt" if n == 7 else f"{n:03d}.txt"))
        failed = n % 10 == 3
        listing = (None,) * 7 if failed else (f"https://example.org/{n}", n, n + 1, n % 2, None if n % 4 else n, "a\x1fb", f"d{n}")
        rows.append(SeedRow(path, n, n, n, n, f"h{n}", *listing, "[]", '["bad", 2]' if failed else None))
        if not failed:
            records.append((path, f'["record {n}"]'))
    statements: list[str] = []
    cache._db.set_trace_callback(statements.append)
    cache.put_seeds(rows, records, [row.path for row in rows if row.error is not None])
    cache._db.set_trace_callback(None)
    inserts = [statement for statement in statements if statement.startswith("INSERT")]
    assert len(inserts) <= 2 * (len(rows) // 32 + 2)
    assert [SeedRow(*row) for batch in cache.seed_batches(64) for row in batch] == sorted(rows)
    assert dict(cache.records([row.path for row in rows])) == dict(records)
    cache.close()

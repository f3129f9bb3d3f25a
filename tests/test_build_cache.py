"""The build cache as the pipeline asks it: a failing or absent cache is no cache."""

import os
import sqlite3
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from feedpub import build
from feedpub.build_cache import BuildCache
from feedpub.cache import Cache

from conftest import article_fields, feed_files, make_config, write_seed

# Every method of the sqlite cache a build calls.
QUESTIONS = ["seed_batches", "put_seeds", "restat", "forget_seeds", "records", "outputs", "layouts", "put_outputs",
             "last_build", "has_build", "put_build", "forget_build"]


def write_corpus(seeds, edited: bool = False) -> None:
    for n in range(1, 8):
        title = "Edited" if edited and n == 3 else f"Title {n}"
        write_seed(seeds, f"{n}.txt", **article_fields(n, topics=["AI"] if n % 2 else ["Robotics"], title=title))
    write_seed(seeds, "bad.txt", text="---\ntitle: [unclosed\n---\n")


def edit_build(tmp_path):
    """A config whose next build is an edit build asking every question of
    the cache: a seed edited, one touched (a row to restat), one gone (a row
    to forget) since the last build."""
    seeds = tmp_path / "seeds"
    write_corpus(seeds)
    config = make_config(tmp_path)
    build(config)
    (seeds / "gone.txt").write_text("not a seed")
    build(config)
    (seeds / "gone.txt").unlink()  # a seed row to forget
    write_corpus(seeds, edited=True)
    (seeds / "7.txt").touch()  # new stats, same bytes: a row to restat
    return config


def messages(report):
    return [str(e) for e in report.errors], [str(w) for w in report.warnings]


@pytest.mark.parametrize("failing", QUESTIONS)
def test_a_cache_that_fails_during_a_build_is_dropped_silently_and_the_feeds_are_the_same(
        tmp_path, monkeypatch, failing):
    config = edit_build(tmp_path)
    reference = make_config(tmp_path, cache=False, out=tmp_path / "reference")
    expected = build(reference)

    calls = []

    def spy(name, real):
        def method(self, *args, **kwargs):
            calls.append(name)
            if name == failing:
                raise sqlite3.OperationalError("disk I/O error")
            return real(self, *args, **kwargs)
        return method

    with monkeypatch.context() as patch:
        for name in QUESTIONS:
            patch.setattr(Cache, name, spy(name, getattr(Cache, name)))
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # the cache saves work; its failing is nobody's business
            report = build(config)
    if failing in calls:
        assert calls[calls.index(failing) + 1:] == []  # after it failed, the build went without it
    assert feed_files(config.out) == feed_files(reference.out)
    assert messages(report) == messages(expected)
    assert messages(build(config)) == messages(expected)  # and the next build, with it again, too
    assert feed_files(config.out) == feed_files(reference.out)


def test_every_question_reaches_the_cache_in_an_edit_build(tmp_path, monkeypatch):
    """The test above fails each method: each must be called for it to mean anything."""
    config = edit_build(tmp_path)
    calls = set()
    for name in QUESTIONS:
        real = getattr(Cache, name)
        monkeypatch.setattr(Cache, name, lambda self, *args, _name=name, _real=real: calls.add(_name)
                            or _real(self, *args))
    build(config)
    assert calls == set(QUESTIONS)


def test_without_a_cache_nothing_is_known_and_nothing_kept(tmp_path):
    config = make_config(tmp_path)
    cache = BuildCache(None)
    cache.put_seed(("/seeds/1.txt",) + (0,) * 14, "{}")
    cache.restat_seed((1, 2, 3, 4, "/seeds/1.txt"))
    cache.finish_seeds({"/seeds/2.txt"})
    cache.put_outputs([("/feeds/all.rss.xml", "f", 1, 2, None)])
    cache.put_build(config, "digest", None, [])
    assert not cache.enabled
    assert (list(cache.seed_batches(10)), cache.outputs(), cache.has_build(), cache.last_build(config, "digest")) == (
        [], {}, False, None)
    assert cache.records(["/seeds/1.txt"]) == {}
    cache.keep_records([("/seeds/1.txt", "{}")])  # for the rest of this build only
    assert cache.records(["/seeds/1.txt", "/seeds/2.txt"]) == {"/seeds/1.txt": "{}"}
    cache.close()
    assert not config.cache_dir.exists()


def test_a_cache_that_fails_while_its_rows_are_read_answers_for_the_seeds_before_only(tmp_path, monkeypatch):
    """Seed rows are read a batch at a time along with the scan: sqlite
    failing halfway drops the cache there, and the seeds after it are read again."""
    seeds = tmp_path / "seeds"
    write_corpus(seeds)
    config = make_config(tmp_path)
    build(config)
    write_corpus(seeds, edited=True)
    reference = make_config(tmp_path, cache=False, out=tmp_path / "reference")
    expected = build(reference)
    real = Cache.seed_batches

    def failing_halfway(self, size):
        rows = [row for batch in real(self, size) for row in batch]
        for start in range(0, len(rows), 2):  # small batches, for the failure to come between two
            if start == 6:
                raise sqlite3.OperationalError("disk I/O error")
            yield rows[start:start + 2]

    monkeypatch.setattr(Cache, "seed_batches", failing_halfway)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = build(config)
    assert feed_files(config.out) == feed_files(reference.out)
    assert messages(report) == messages(expected)
    assert 0 < report.parsed < report.read


def package_copy(tmp_path, site: str = "src"):
    """A copy of feedpub's modules and templates, as a source checkout (or an
    installation under ``site``) holds them."""
    import shutil

    import feedpub

    package = tmp_path / site / "feedpub"
    shutil.copytree(Path(feedpub.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    return package


def test_in_a_source_checkout_every_module_and_template_is_part_of_the_code_identity(tmp_path):
    from feedpub.version import __version__, code_identity

    package = package_copy(tmp_path)
    before = code_identity(str(package))
    assert before.startswith(f"{__version__}+") and code_identity(str(package)) == before
    (package / "notes.txt").write_text("not code")
    assert code_identity(str(package)) == before
    for changed in (package / "normalize.py", package / "templates" / "feeds.yml"):
        stat = changed.stat()
        os.utime(changed, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
        after = code_identity(str(package))
        assert after != before
        before = after


@pytest.mark.parametrize("site", ["lib/python3.11/site-packages", "lib/python3/dist-packages"])
def test_an_installed_feedpub_is_known_by_its_version_alone(tmp_path, site):
    from feedpub.version import __version__, code_identity

    assert code_identity(str(package_copy(tmp_path, site))) == __version__


def test_a_build_run_from_a_source_checkout_sees_an_edited_module_without_no_cache(tmp_path):
    """An edit to feedpub's code in a checkout (an editable install) changes
    what the next build writes, cache or not; the cache of the old code is
    not trusted."""
    package = package_copy(tmp_path)
    seeds = tmp_path / "seeds"
    write_corpus(seeds)
    command = [sys.executable, "-m", "feedpub", "build", str(seeds), "--out", str(tmp_path / "out"),
               "--cache-dir", str(tmp_path / "cache"), "--base-url", "https://feeds.example.org/", "-q"]
    environment = {**os.environ, "PYTHONPATH": str(package.parent)}
    subprocess.run(command, env=environment, check=False, capture_output=True)
    assert b"<generator>feedpub</generator>" in (tmp_path / "out" / "all.rss.xml").read_bytes()
    feedmeta = package / "feedmeta.py"
    feedmeta.write_text(feedmeta.read_text().replace('GENERATOR = "feedpub"', 'GENERATOR = "feedpub-edited"'))
    subprocess.run(command, env=environment, check=False, capture_output=True)
    assert b"<generator>feedpub-edited</generator>" in (tmp_path / "out" / "all.rss.xml").read_bytes()

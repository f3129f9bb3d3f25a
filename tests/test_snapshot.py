"""A build that would change nothing replays the last build's report, and only then."""

import dataclasses
import importlib
import os
import sqlite3
import sys
from pathlib import Path

import pytest

from feedpub import build
from feedpub.cache import CACHE_FILE
from feedpub.catalog import PARALLEL_MIN_SEEDS

from conftest import article_fields, feed_files, make_config, write_seed

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
from generate_seeds import generate  # noqa: E402

build_module = importlib.import_module("feedpub.build")  # `feedpub.build` is the function


@pytest.fixture
def planned(monkeypatch):
    """Counts the builds that planned (read the seed rows) instead of replaying."""
    calls = []
    real = build_module.plan_build

    def spy(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(build_module, "plan_build", spy)
    return calls


@pytest.fixture
def seeds(tmp_path):
    folder = tmp_path / "seeds"
    for n in range(1, 6):
        write_seed(folder, f"{n}.txt", **article_fields(n, topics=["AI"] if n % 2 else ["Robotics"]))
    write_seed(folder, "dup.txt", **article_fields(1, title="Same link as 1"))
    write_seed(folder, "bad.txt", text="---\ntitle: [unclosed\n---\n")
    return folder


def comparable(report):
    """A report's fields but those that say how the work was done."""
    fields = dataclasses.asdict(report)
    for name in ("parsed", "rendered", "written", "unchanged", "manifest_changed"):
        fields.pop(name)
    fields["errors"] = [str(error) for error in report.errors]  # exceptions compare by identity
    return fields


def test_an_unchanged_build_replays_the_report_of_a_full_one(tmp_path, seeds, planned):
    config = make_config(tmp_path)
    first = build(config)
    files = feed_files(config.out)
    replayed = build(config)
    assert len(planned) == 1  # the second build did not plan
    assert replayed.errors and replayed.warnings  # the bad seed and the duplicate are still reported
    assert comparable(replayed) == comparable(first)
    assert (replayed.written, replayed.removed, replayed.parsed, replayed.rendered) == ([], [], 0, 0)
    assert sorted(replayed.unchanged) == sorted(first.written)
    assert feed_files(config.out) == files
    # and it says what a full warm build says
    with sqlite3.connect(config.cache_dir / CACHE_FILE) as db:
        db.execute("DELETE FROM builds")
    full = build(config)
    assert len(planned) == 2
    assert comparable(full) == comparable(replayed) and full.unchanged == replayed.unchanged


def test_more_processes_still_replay(tmp_path, seeds, planned):
    build(make_config(tmp_path, jobs=1))
    build(make_config(tmp_path, jobs=3))
    assert len(planned) == 1


def change_a_seed(tmp_path, config):
    write_seed(tmp_path / "seeds", "2.txt", **article_fields(2, topics=["Robotics"], title="Edited"))


def touch_a_seed(tmp_path, config):
    os.utime(tmp_path / "seeds" / "3.txt", ns=(1, 1))  # same bytes: the seed row is reused, but planned


def add_a_seed(tmp_path, config):
    write_seed(tmp_path / "seeds", "6.txt", **article_fields(6))


def remove_a_seed(tmp_path, config):
    (tmp_path / "seeds" / "4.txt").unlink()


def change_an_output(tmp_path, config):
    (config.out / "all.rss.xml").write_text("vandalized")


def remove_an_output(tmp_path, config):
    (config.out / "topics" / "ai.atom.xml").unlink()


def change_the_manifest(tmp_path, config):
    manifest = config.out / ".feedpub-manifest.json"
    manifest.write_text(manifest.read_text().replace('"index.html"', '"index.html", "extra.xml"'))


def damage_the_snapshot(tmp_path, config):
    with sqlite3.connect(config.cache_dir / CACHE_FILE) as db:
        db.execute("UPDATE builds SET snapshot = json_set(snapshot, '$.errors[0][2]', 'one')")


@pytest.mark.parametrize("change", [
    change_a_seed, touch_a_seed, add_a_seed, remove_a_seed, change_an_output, remove_an_output,
    change_the_manifest, damage_the_snapshot])
def test_any_change_means_a_full_build(tmp_path, seeds, planned, change):
    config = make_config(tmp_path)
    build(config)
    change(tmp_path, config)
    report = build(config)
    assert len(planned) == 2
    reference = make_config(tmp_path / "reference", seeds=seeds, cache=False)
    expected = build(reference)
    assert feed_files(config.out) == feed_files(reference.out)
    assert comparable(report) == comparable(expected) | {"check": False}
    before = len(planned)
    build(config)  # and that full build left a snapshot for the next one
    assert len(planned) == before


@pytest.mark.parametrize("setting", [{"min_quality": 90}, {"title": "Other"}, {"formats": ("rss",)}])
def test_other_settings_mean_a_full_build(tmp_path, seeds, planned, setting):
    build(make_config(tmp_path))
    build(make_config(tmp_path, **setting))
    assert len(planned) == 2


def test_check_and_strict_replay_too(tmp_path, seeds, planned):
    config = make_config(tmp_path)
    build(config)
    checked = build(config, check=True)
    assert checked.check and not checked.changed
    strict = build(config, strict=True)
    assert strict.aborted and strict.unchanged == []
    assert len(planned) == 1


def test_the_scan_is_not_held_while_the_outputs_are_written(tmp_path, seeds, planned, monkeypatch):
    """An edit build's scan (a path and stat per seed) is not needed past the
    catalog, and at 1,000,000 seeds takes 400 MB: writing and the snapshot
    (the build's peak) must not hold it."""
    import weakref

    class Files(list):  # a list that can be watched by a weak reference
        pass

    config = make_config(tmp_path)
    build(config)
    change_a_seed(tmp_path, config)
    scans = []
    real_scan, real_write = build_module.scan_seed_files, build_module._write_outputs

    def scan(*args, **kwargs):
        found = real_scan(*args, **kwargs)
        found.files = Files(found.files)
        scans.append(weakref.ref(found.files))
        return found

    held = []

    def write(*args, **kwargs):
        held.extend(ref() is not None for ref in scans)
        return real_write(*args, **kwargs)

    monkeypatch.setattr(build_module, "scan_seed_files", scan)
    monkeypatch.setattr(build_module, "_write_outputs", write)
    build(config)
    assert len(planned) == 2 and held == [False]


def test_a_build_that_dies_while_writing_leaves_no_snapshot(tmp_path, seeds, planned, monkeypatch):
    config = make_config(tmp_path)
    build(config)
    change_a_seed(tmp_path, config)

    def die(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(build_module, "_put", die)
        with pytest.raises(KeyboardInterrupt):
            build(config)
    with sqlite3.connect(config.cache_dir / CACHE_FILE) as db:
        assert db.execute("SELECT count(*) FROM builds").fetchone() == (0,)
    build(config)  # does the work
    assert len(planned) == 3


def test_stats_taken_by_worker_processes_make_the_same_snapshot(tmp_path, planned):
    """A cold build's stats come from the workers, not from the scan: the next
    build's scan must still find them equal."""
    generate(PARALLEL_MIN_SEEDS + 10, tmp_path / "seeds", seed=5)
    config = make_config(tmp_path, jobs=2)
    assert build(config).parsed == PARALLEL_MIN_SEEDS + 10
    build(config)
    assert len(planned) == 1

"""A build that would change nothing replays the last build's report, and only then."""

import dataclasses
import importlib
import json
import os
import sqlite3
import sys
from pathlib import Path

import pytest

from feedpub import build
from feedpub.cache import CACHE_FILE
from feedpub.catalog import PARALLEL_MIN_SEEDS
from feedpub.snapshot import build_key, replay, take
from feedpub.writers import MANIFEST_NAME

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


def taken(tmp_path, seeds):
    """A full build's report, its config, and the snapshot text of it."""
    from feedpub.plan import plan_build

    config = make_config(tmp_path, cache=False)
    report = build(config)
    paths = plan_build(config).paths() + [MANIFEST_NAME]
    return config, report, paths, take(report, config.out, paths)


def test_a_snapshot_replays_every_field_of_the_report(tmp_path, seeds):
    config, report, paths, text = taken(tmp_path, seeds)
    fields = replay(text, config.out, MANIFEST_NAME)
    assert fields is not None
    assert fields["unchanged"] == [path for path in paths if path != MANIFEST_NAME]
    assert (fields["read"], fields["invalid"], fields["duplicates"], fields["feeds"]) == (
        report.read, report.invalid, report.duplicates, report.feeds)
    assert (report.invalid, report.duplicates) == (1, 1)  # the fixture has one of each: the fields differ
    assert fields["counts"] == report.counts and fields["topics"] == report.topics
    assert [str(e) for e in fields["errors"]] == [str(e) for e in report.errors]
    assert [(w.path, w.message, w.line) for w in fields["warnings"]] == [
        (w.path, w.message, w.line) for w in report.warnings]
    assert set(fields) == {"read", "invalid", "duplicates", "counts", "feeds", "topics", "errors", "warnings",
                           "unchanged"}


def test_a_snapshot_lists_each_output_with_its_size_and_mtime(tmp_path, seeds):
    config, _, paths, text = taken(tmp_path, seeds)
    outputs = json.loads(text)["outputs"]
    assert [path for path, _, _ in outputs] == paths
    for path, size, mtime in outputs:
        stat = (config.out / path).stat()
        assert (size, mtime) == (stat.st_size, stat.st_mtime_ns)


def damaged(text, change):
    data = json.loads(text)
    change(data)
    return json.dumps(data)


@pytest.mark.parametrize("change", [
    lambda d: d["outputs"][0].__setitem__(1, d["outputs"][0][1] + 1),  # another size
    lambda d: d["outputs"][0].__setitem__(2, d["outputs"][0][2] + 1),  # another mtime
    lambda d: d["outputs"][0].__setitem__(1, str(d["outputs"][0][1])),
    lambda d: d["outputs"][0].__setitem__(2, float(d["outputs"][0][2])),
    lambda d: d["outputs"][0].__setitem__(0, 7),
    lambda d: d["outputs"].append(["gone.xml", 1, 1]),
    lambda d: d["outputs"].append(["x", 1]),
    lambda d: d.__setitem__("read", True),
    lambda d: d.__setitem__("invalid", "1"),
    lambda d: d.__setitem__("duplicates", 1.0),
    lambda d: d.__setitem__("feeds", None),
    lambda d: d["counts"].append(0),
    lambda d: d["counts"].pop(),
    lambda d: d["counts"].__setitem__(3, False),
    lambda d: d["topics"][0].__setitem__(0, 1),
    lambda d: d["topics"][0].__setitem__(1, None),
    lambda d: d["topics"][0].__setitem__(2, ["ai"]),
    lambda d: d["topics"][0].__setitem__(3, "2"),
    lambda d: d["topics"][0].pop(),
    lambda d: d["errors"][0].__setitem__(0, None),
    lambda d: d["errors"][0].__setitem__(1, 3),
    lambda d: d["errors"][0].__setitem__(2, "2"),
    lambda d: d["warnings"][0].__setitem__(2, 2.0),
    lambda d: d["warnings"][0].__setitem__(0, 1),
    lambda d: d.pop("warnings"),
    lambda d: d.pop("counts"),
])
def test_a_damaged_or_outdated_snapshot_is_never_replayed(tmp_path, seeds, change):
    config, _, _, text = taken(tmp_path, seeds)
    assert replay(text, config.out, MANIFEST_NAME) is not None
    assert replay(damaged(text, change), config.out, MANIFEST_NAME) is None


def test_a_message_without_a_line_replays(tmp_path, seeds):
    config, _, _, text = taken(tmp_path, seeds)
    fields = replay(damaged(text, lambda d: d["errors"][0].__setitem__(2, None)), config.out, MANIFEST_NAME)
    assert fields is not None and fields["errors"][0].line is None
    assert replay("not json", config.out, MANIFEST_NAME) is None and replay("[]", config.out, MANIFEST_NAME) is None


def test_the_build_key_changes_with_settings_and_seeds_but_not_with_jobs(tmp_path):
    config = make_config(tmp_path)
    key = build_key(config, "digest")
    assert build_key(dataclasses.replace(config, jobs=7), "digest") == key
    assert build_key(config, "other") != key
    assert build_key(dataclasses.replace(config, title="Other"), "digest") != key
    for folder in ("seeds", "out", "cache_dir"):
        assert build_key(dataclasses.replace(config, **{folder: tmp_path / "elsewhere"}), "digest") != key


def test_the_build_key_reads_folders_as_absolute_paths_and_knows_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    absolute = make_config(tmp_path)
    relative = dataclasses.replace(absolute, seeds=Path("seeds"), out=Path("feeds"), cache_dir=Path(".feedpub-cache"))
    key = build_key(absolute, "digest")
    assert build_key(relative, "digest") == key
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")  # messages name seeds relative to the working directory
    assert build_key(absolute, "digest") != key

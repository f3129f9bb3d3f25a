"""Putting bytes on disk: atomic, only on change, and a manifest that cannot point outside.

(Links inside the output folder, locks and write errors: tests/test_output_safety.py.)
"""

import json
import os
import stat
from pathlib import Path

import pytest

from feedpub.errors import OutputError
from feedpub.writers import LOCK_NAME, MANIFEST_NAME, OutputFolder, render_manifest


def test_write_if_changed_writes_new_and_changed_bytes_only(tmp_path):
    out = OutputFolder(tmp_path)
    path = tmp_path / "sub" / "folder" / "all.rss.xml"
    assert out.write_if_changed("sub/folder/all.rss.xml", b"one") and path.read_bytes() == b"one"
    assert not out.write_if_changed("sub/folder/all.rss.xml", b"one")
    assert out.write_if_changed("sub/folder/all.rss.xml", b"two") and path.read_bytes() == b"two"
    assert out.write_if_changed("sub/folder/all.rss.xml", b"tw0")  # same size, other bytes
    assert path.read_bytes() == b"tw0"
    assert sorted(p.name for p in path.parent.iterdir()) == ["all.rss.xml"]  # no temporary left


def test_written_files_are_readable_by_everyone_whatever_mkstemp_made(tmp_path):
    OutputFolder(tmp_path).write_if_changed("all.json", b"{}")
    assert stat.S_IMODE((tmp_path / "all.json").stat().st_mode) == 0o644


def test_is_current_compares_size_and_bytes(tmp_path):
    out = OutputFolder(tmp_path)
    path = tmp_path / "f"
    assert not out.is_current("f", b"")  # missing, even for empty data
    path.write_bytes(b"")
    assert out.is_current("f", b"")
    path.write_bytes(b"abc")
    assert out.is_current("f", b"abc")
    assert not out.is_current("f", b"abd") and not out.is_current("f", b"abcd") and not out.is_current("f", b"ab")


def test_stale_temporaries_are_removed_and_nothing_else(tmp_path):
    stale = [".all.rss.xml.abcd_123.tmp", ".topics.json.Zz9_xY0a.tmp"]
    kept = ["all.rss.xml", "notes.tmp", ".all.rss.xml.short.tmp", ".x.abcdefgh.tmp.bak", "abcdefgh.tmp"]
    for name in stale + kept:
        (tmp_path / name).write_text("x")
    (tmp_path / ".folder.abcdefgh.tmp").mkdir()  # a folder is never ours to delete
    (tmp_path / ".link.abcdefgh.tmp").symlink_to(tmp_path / "all.rss.xml")
    removed = OutputFolder(tmp_path).remove_stale_temporaries([""])
    assert sorted(removed) == sorted(stale)
    remaining = sorted(p.name for p in tmp_path.iterdir())
    assert remaining == sorted(kept + [".folder.abcdefgh.tmp", ".link.abcdefgh.tmp"])
    assert OutputFolder(tmp_path).remove_stale_temporaries(["missing"]) == []


def test_the_manifest_round_trips_sorted_and_reproducible(tmp_path):
    files = ["topics/b.rss.xml", "all.rss.xml", "topics/a.json"]
    data = render_manifest(files)
    assert data == render_manifest(reversed(files))
    assert data.endswith(b"}\n") and json.loads(data) == {"files": sorted(files)}
    assert data == (json.dumps({"files": sorted(files)}, indent=2) + "\n").encode()
    (tmp_path / MANIFEST_NAME).write_bytes(data)
    assert OutputFolder(tmp_path).read_manifest() == set(files)
    assert OutputFolder(tmp_path / "none").read_manifest() == set()


def test_manifest_entries_that_point_outside_or_at_our_own_files_are_dropped(tmp_path):
    unsafe = ["", "/etc/passwd", "../x", "a/../../x", "topics/..", MANIFEST_NAME, LOCK_NAME, 7, None]
    (tmp_path / MANIFEST_NAME).write_text(json.dumps({"files": unsafe + ["ok.xml", "a/b.json", "a..b"]}))
    assert OutputFolder(tmp_path).read_manifest() == {"ok.xml", "a/b.json", "a..b"}


@pytest.mark.parametrize("text", ["not json", "[]", '{"nofiles": []}', '{"files": 3}', '{"files": "all.rss.xml"}'])
def test_an_unreadable_manifest_is_an_output_error_naming_it(tmp_path, text):
    (tmp_path / MANIFEST_NAME).write_text(text)
    with pytest.raises(OutputError, match="unreadable manifest"):
        OutputFolder(tmp_path).read_manifest()


def test_a_manifest_that_is_a_folder_is_an_output_error(tmp_path):
    (tmp_path / MANIFEST_NAME).mkdir()
    with pytest.raises(OutputError, match=MANIFEST_NAME):
        OutputFolder(tmp_path).read_manifest()
    assert os.path.isdir(tmp_path / MANIFEST_NAME)


def test_the_temporary_file_sits_next_to_its_target_and_is_one_a_later_build_clears(tmp_path, monkeypatch):
    import shutil

    from feedpub import writers

    seen = []
    real_replace = os.replace

    def spy(source, target):
        seen.append((Path(source), Path(target)))
        shutil.copy(source, tmp_path / "left-over")  # as a killed build would leave it
        (tmp_path / "left-over").rename(tmp_path / "killed" / Path(source).name)
        real_replace(source, target)

    (tmp_path / "killed").mkdir()
    monkeypatch.setattr(writers.os, "replace", spy)
    OutputFolder(tmp_path / "out").write_if_changed("all.rss.xml", b"data")
    [(source, target)] = seen
    path = (tmp_path / "out" / "all.rss.xml").resolve()
    assert target == path and source.parent == path.parent  # same folder: the rename is atomic
    assert OutputFolder(tmp_path).remove_stale_temporaries(["killed"]) == [f"killed/{source.name}"]

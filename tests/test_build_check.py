"""`feedpub build --check` exits 1 for every kind of change and 0 when current, and writes nothing.

Kinds of change: a file that would be written new, a file that would be
rewritten (a feed edited by hand, a seed edited), and only files to remove
(the index page or a feed format turned off, a stale file in the manifest).
Each case compares a snapshot of the project (every file and folder with its
bytes, mode and mtime) before and after the check. The build cache lives in
the project too but is not output: a check may fill it, as documented.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedpub.cli import cli
from feedpub.writers import LOCK_NAME, MANIFEST_NAME

from conftest import article_fields, write_seed

CACHE = ".feedpub-cache"


@pytest.fixture(params=["--cache", "--no-cache"])
def project(request, tmp_path, monkeypatch):
    """A built project: ./seeds with three seeds in topics AI and Robotics, feeds/ current."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "feedpub.toml").write_text('base_url = "https://feeds.example.org/"\n')
    for n, topics in ((1, ["AI"]), (2, ["AI"]), (3, ["AI", "Robotics"])):
        write_seed(tmp_path / "seeds", f"{n}.txt", **article_fields(n, topics=topics))
    flags = [request.param]
    assert run("build", "-q", *flags).exit_code == 0
    assert (tmp_path / "feeds" / "topics" / "robotics.rss.xml").is_file()
    return tmp_path, flags


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def tree(root: Path) -> dict[str, tuple]:
    """Every file and folder below ``root`` but the cache: kind, mode, mtime, and a file's bytes."""
    found = {}
    for folder, folders, files in os.walk(root):
        folders[:] = [name for name in folders if name != CACHE]
        for name in folders + files:
            path = Path(folder, name)
            st = path.lstat()
            found[path.relative_to(root).as_posix()] = (
                st.st_mode, st.st_mtime_ns, None if path.is_dir() else path.read_bytes())
    return found


def check(root: Path, *args: str) -> tuple[int, list[str]]:
    """Run ``build --check``; assert it wrote nothing; return its exit code and its file lines."""
    before = tree(root)
    result = run("build", "--check", *args)
    assert tree(root) == before, "build --check changed the project"
    lines = result.stderr.splitlines()
    listed = [line for line in lines if line.startswith(("would change: ", "would remove: "))]
    if result.exit_code:
        assert lines[-1] == "Error: feeds is not up to date: run 'feedpub build'"
    else:
        assert not listed and "0 would change" in result.stdout and "0 would be removed" in result.stdout
    return result.exit_code, listed


def test_check_exits_0_when_current(project):
    root, flags = project
    assert check(root, *flags) == (0, [])
    assert check(root, *flags, "--jobs", "2") == (0, [])


def test_check_of_a_project_never_built_lists_every_file_and_creates_no_folder(project):
    root, flags = project
    os.rename(root / "feeds", root / "old-feeds")
    code, listed = check(root, *flags)
    assert code == 1 and not (root / "feeds").exists()
    expected = {f"would change: feeds/{p.relative_to(root / 'old-feeds').as_posix()}"
                for p in (root / "old-feeds").rglob("*") if p.is_file() and p.name != LOCK_NAME}
    assert set(listed) == expected


def test_check_exits_1_for_a_file_to_write(project):
    root, flags = project
    write_seed(root / "seeds", "4.txt", **article_fields(4, topics=["New Topic"]))
    code, listed = check(root, *flags)
    assert code == 1
    assert {f"would change: feeds/topics/new-topic.{s}" for s in ("rss.xml", "atom.xml", "json")} <= set(listed)
    assert "would change: feeds/.feedpub-manifest.json" in listed
    assert not any(line.startswith("would remove") for line in listed)


@pytest.mark.parametrize("name", ["all.atom.xml", "topics/robotics.json", "index.html", "feeds.opml"])
def test_check_exits_1_for_a_feed_edited_by_hand(project, name):
    root, flags = project
    path = root / "feeds" / name
    data = path.read_bytes()
    path.write_bytes(data.replace(b"example", b"EXAMPLE", 1))  # same size, other bytes
    assert path.read_bytes() != data
    assert check(root, *flags) == (1, [f"would change: feeds/{name}"])


def test_check_without_cache_exits_1_for_a_feed_edited_by_hand_keeping_its_mtime(project):
    """Size and mtime alike: only the bytes tell."""
    root, flags = project
    if flags == ["--cache"]:
        pytest.skip("by design a warm build trusts the size and mtime of the files it wrote (docs/performance.md)")
    path = root / "feeds" / "topics" / "robotics.rss.xml"
    st = path.stat()
    path.write_bytes(path.read_bytes().replace(b"Article 3", b"Article 9", 1))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert check(root, *flags) == (1, ["would change: feeds/topics/robotics.rss.xml"])


def test_check_exits_1_for_an_edited_seed(project):
    root, flags = project
    seed = root / "seeds" / "3.txt"
    seed.write_text(seed.read_text().replace("Article 3", "Article 3, corrected"))
    code, listed = check(root, *flags)
    assert code == 1
    assert "would change: feeds/topics/robotics.atom.xml" in listed
    assert not any(line.startswith("would remove") for line in listed)


def removals_only(listed: list[str]) -> set[str]:
    """The removed files of ``listed``, after asserting that nothing but the manifest (which
    names every file, so changes with any removal) would be written."""
    assert [line for line in listed if line.startswith("would change")] == [f"would change: feeds/{MANIFEST_NAME}"]
    return {line.removeprefix("would remove: ") for line in listed if line.startswith("would remove")}


def test_check_exits_1_when_only_the_index_page_would_be_removed(project):
    root, flags = project
    code, listed = check(root, *flags, "--no-index-page")
    assert code == 1 and removals_only(listed) == {"feeds/index.html"}


def test_check_exits_1_when_only_a_format_would_be_removed(project):
    root, flags = project
    formats = ["--feed-format", "rss", "--feed-format", "json", "--no-index-page"]
    assert run("build", "-q", *flags, *formats, "--feed-format", "atom").exit_code == 0
    code, listed = check(root, *flags, *formats)
    assert code == 1
    assert removals_only(listed) == {"feeds/all.atom.xml", "feeds/topics/ai.atom.xml", "feeds/topics/robotics.atom.xml"}


def test_check_exits_1_when_only_a_stale_file_of_the_manifest_would_be_removed(project):
    """A file an earlier build wrote for a topic that is gone (here: put there by hand)."""
    root, flags = project
    manifest = root / "feeds" / MANIFEST_NAME
    files = json.loads(manifest.read_text())["files"]
    stale = root / "feeds" / "topics" / "gone.rss.xml"
    stale.write_text("<rss/>")
    manifest.write_text(json.dumps({"files": sorted(files + ["topics/gone.rss.xml"])}, indent=2) + "\n")
    code, listed = check(root, *flags)
    assert code == 1 and removals_only(listed) == {"feeds/topics/gone.rss.xml"}
    # ...and the build it asks for removes just that and is then current.
    assert run("build", "-q", *flags).exit_code == 0
    assert not stale.exists() and json.loads(manifest.read_text())["files"] == files
    assert check(root, *flags) == (0, [])


def test_a_check_never_makes_the_next_build_skip_its_work(project):
    """A check sees the changes but writes nothing, so the build after it must still write them
    (a check that left a snapshot of 'current' behind would make that build replay 'unchanged')."""
    root, flags = project
    seed = root / "seeds" / "3.txt"
    seed.write_text(seed.read_text().replace("Article 3", "Article 3, corrected"))
    for _ in range(2):
        assert check(root, *flags)[0] == 1
    result = run("build", "-v", *flags)
    assert "wrote: feeds/topics/robotics.atom.xml" in result.stdout
    assert b"Article 3, corrected" in (root / "feeds" / "topics" / "robotics.atom.xml").read_bytes()
    assert check(root, *flags) == (0, [])
